import { describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../candles/candle.ts';
import { candleAt, T0 } from '../candles/test-candles.ts';
import { MarketView } from './market-view.ts';

const FIVE = 5 * MINUTE_MS;

describe('MarketView at 1m', () => {
  it('draws the minutes themselves and reports a gap to backfill', () => {
    const view = new MarketView('1m', [candleAt(0), candleAt(1)]);
    expect(view.drawn).toBe(view.minutes);
    expect(view.applyMinute(candleAt(2)).outcome).toMatchObject({ kind: 'appended', index: 2 });
    expect(view.applyMinute(candleAt(6)).gap).toEqual({ from: T0 + 3 * MINUTE_MS, to: T0 + 5 * MINUTE_MS });
    expect(view.lastMinuteTime()).toBe(T0 + 6 * MINUTE_MS);
  });
});

describe('MarketView at 5m', () => {
  const history = [candleAt(0, { open: 100, high: 130, low: 90, close: 120, volume: 10 })];

  it('folds a live minute into the current bucket over the minutes it already knew', () => {
    const minutes = [candleAt(0, { open: 100, volume: 4, closed: true }), candleAt(1, { close: 101, volume: 6 })];
    const view = new MarketView('5m', [{ ...history[0]!, time: T0 }], minutes);
    const update = candleAt(1, { close: 125, high: 140, volume: 7, eventTime: T0 + MINUTE_MS + 5_000 });
    const { outcome } = view.applyMinute(update);
    expect(outcome).toEqual({ kind: 'replaced', index: 0 });
    expect(view.drawn.last()).toMatchObject({ time: T0, open: 100, close: 125, high: 140, volume: 11 });
  });

  it('opens the next bucket when a minute crosses the boundary', () => {
    const view = new MarketView('5m', history, [candleAt(0), candleAt(4, { closed: true })]);
    const { outcome } = view.applyMinute(candleAt(5, { open: 121, close: 122, volume: 2 }));
    expect(outcome).toMatchObject({ kind: 'appended', index: 1 });
    expect(view.drawn.last()).toMatchObject({ time: T0 + FIVE, open: 121, volume: 2 });
  });

  it('ignores a duplicate minute without touching the bucket', () => {
    const minute = candleAt(1);
    const view = new MarketView('5m', history, [candleAt(0), minute]);
    expect(view.applyMinute(minute).outcome.kind).toBe('ignored');
  });
});

describe('MarketView.change24h', () => {
  it('compares the last close with the open 24 h earlier', () => {
    const candles = Array.from({ length: 1441 }, (_, m) => candleAt(m, { open: m === 1 ? 50 : 100, close: 100 }));
    const view = new MarketView('1m', candles);
    expect(view.change24h()).toEqual({ ratio: 1, from: 50 });
  });

  it('uses the reference open it was given above 1m', () => {
    const view = new MarketView('1h', [candleAt(0, { close: 110 })], [], 100);
    expect(view.change24h()?.ratio).toBeCloseTo(0.1);
  });

  it('above 1m, says where the reference minute now starts and takes the open fetched for it', () => {
    const view = new MarketView('1h', [candleAt(0, { close: 110 })], [candleAt(0)], 100);
    expect(view.reference24hSince()).toBe(T0 + MINUTE_MS - 24 * 60 * MINUTE_MS);
    const { newMinute } = view.applyMinute(candleAt(1, { close: 121 }));
    expect(newMinute).toBe(true);
    expect(view.reference24hSince()).toBe(T0 + 2 * MINUTE_MS - 24 * 60 * MINUTE_MS);
    view.setReference24h(110);
    expect(view.change24h()?.ratio).toBeCloseTo(0.1);
    expect(view.applyMinute(candleAt(1, { close: 122, eventTime: T0 + MINUTE_MS + 9_000 })).newMinute).toBe(false);
  });

  it('needs no reference fetch at 1m, where the minutes themselves roll', () => {
    expect(new MarketView('1m', [candleAt(0)]).reference24hSince()).toBeNull();
  });

  it('is unknown with less than 24 h of candles', () => {
    expect(new MarketView('1m', [candleAt(0), candleAt(1)]).change24h()).toBeNull();
  });
});
