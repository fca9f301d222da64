import { describe, expect, it } from 'vitest';
import { MINUTE_MS } from './candle.ts';
import { CandleSeries } from './candle-series.ts';
import { candleAt, T0 } from './test-candles.ts';

const times = (series: CandleSeries) => series.slice(0).map((c) => (c.time - T0) / MINUTE_MS);

describe('CandleSeries.upsert', () => {
  it('appends a candle newer than the last one', () => {
    const series = CandleSeries.from([candleAt(0)], MINUTE_MS);
    expect(series.upsert(candleAt(1))).toEqual({ kind: 'appended', index: 1, gap: null, trimmed: 0 });
    expect(times(series)).toEqual([0, 1]);
  });

  it('replaces the last candle in place when the event is newer', () => {
    const series = CandleSeries.from([candleAt(0), candleAt(1)], MINUTE_MS);
    const update = candleAt(1, { close: 107, eventTime: candleAt(1).eventTime + 500 });
    expect(series.upsert(update)).toEqual({ kind: 'replaced', index: 1 });
    expect(series.last()?.close).toBe(107);
  });

  it('ignores an older event for a candle it holds', () => {
    const series = CandleSeries.from([candleAt(0, { close: 101, eventTime: T0 + 5_000 })], MINUTE_MS);
    expect(series.upsert(candleAt(0, { close: 99, eventTime: T0 + 4_000 }))).toEqual({ kind: 'ignored', reason: 'older' });
    expect(series.last()?.close).toBe(101);
  });

  it('ignores a duplicate event', () => {
    const series = CandleSeries.from([candleAt(0)], MINUTE_MS);
    expect(series.upsert(candleAt(0))).toEqual({ kind: 'ignored', reason: 'duplicate' });
    expect(series.length).toBe(1);
  });

  it('inserts an out-of-order older candle at its time index', () => {
    const series = CandleSeries.from([candleAt(0), candleAt(1), candleAt(3), candleAt(4)], MINUTE_MS);
    expect(series.upsert(candleAt(2))).toEqual({ kind: 'inserted', index: 2 });
    expect(series.upsert(candleAt(-2))).toEqual({ kind: 'inserted', index: 0 });
    expect(times(series)).toEqual([-2, 0, 1, 2, 3, 4]);
  });

  it('replaces a candle in the middle when its event is newer', () => {
    const series = CandleSeries.from([0, 1, 2, 3].map((m) => candleAt(m)), MINUTE_MS);
    const newer = candleAt(1, { closed: true, eventTime: T0 + 2 * MINUTE_MS - 1 });
    expect(series.upsert(newer)).toEqual({ kind: 'replaced', index: 1 });
    expect(series.at(1)?.closed).toBe(true);
  });

  it('reports the missing minutes when a candle lands after a gap', () => {
    const series = CandleSeries.from([candleAt(0)], MINUTE_MS);
    const outcome = series.upsert(candleAt(4));
    expect(outcome).toMatchObject({ kind: 'appended', gap: { from: T0 + MINUTE_MS, to: T0 + 3 * MINUTE_MS } });
  });

  it('refuses a candle whose time is not on the step', () => {
    const series = new CandleSeries(5 * MINUTE_MS);
    expect(series.upsert(candleAt(1))).toEqual({ kind: 'ignored', reason: 'misaligned' });
  });

  it('ends in the same state whatever order the same events arrive in', () => {
    const events = [
      candleAt(0, { eventTime: T0 + 1 }),
      candleAt(0, { close: 104, eventTime: T0 + 2 }),
      candleAt(1, { eventTime: T0 + MINUTE_MS + 1 }),
      candleAt(1, { close: 95, low: 80, eventTime: T0 + MINUTE_MS + 9 }),
      candleAt(2, { eventTime: T0 + 2 * MINUTE_MS + 1 }),
    ];
    const forward = CandleSeries.from(events, MINUTE_MS);
    const backward = CandleSeries.from([...events].reverse(), MINUTE_MS);
    const doubled = CandleSeries.from([...events, ...events], MINUTE_MS);
    expect(backward.slice(0)).toEqual(forward.slice(0));
    expect(doubled.slice(0)).toEqual(forward.slice(0));
    expect(forward.at(1)?.close).toBe(95);
  });

  it('drops the oldest candles once past its bound plus slack', () => {
    const series = new CandleSeries(MINUTE_MS, { maxLength: 10 });
    for (let m = 0; m < 11; m++) series.upsert(candleAt(m));
    const outcome = series.upsert(candleAt(11));
    expect(outcome).toEqual({ kind: 'appended', index: 9, gap: null, trimmed: 2 });
    expect(times(series)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});

describe('CandleSeries.indexOf', () => {
  it('finds a held time and gives the insertion point of a missing one', () => {
    const series = CandleSeries.from([0, 1, 3].map((m) => candleAt(m)), MINUTE_MS);
    expect(series.indexOf(T0 + 3 * MINUTE_MS)).toBe(2);
    expect(series.indexOf(T0 + 2 * MINUTE_MS)).toBe(-3);
    expect(series.lowerBound(T0 + 2 * MINUTE_MS)).toBe(2);
    expect(series.lowerBound(T0 - MINUTE_MS)).toBe(0);
  });
});

describe('CandleSeries.put', () => {
  it('replaces a held candle even when its event time is not newer (a re-folded bucket)', () => {
    const series = CandleSeries.from([candleAt(0, { volume: 1 })], MINUTE_MS);
    expect(series.put(candleAt(0, { volume: 3 }))).toEqual({ kind: 'replaced', index: 0 });
    expect(series.last()?.volume).toBe(3);
    expect(series.put(candleAt(1))).toMatchObject({ kind: 'appended', index: 1 });
  });
});
