import { describe, expect, it } from 'vitest';
import { createMarket, updateEventTime } from './market.ts';
import { UPDATES_PER_MINUTE, type CandleSource, type CandleValues, type MinutePath } from './minute-path.ts';

const START = Date.UTC(2025, 7, 1, 0, 0);

/** A fake source: `minutes` minutes from `start`, update i of each carrying close = i. */
function fakeSource(symbol: string, minutes: number, start = START): CandleSource {
  let served = 0;
  return {
    symbol,
    nextMinute(): MinutePath | undefined {
      if (served >= minutes) return undefined;
      const openTime = start + served++ * 60_000;
      const updates = Array.from({ length: UPDATES_PER_MINUTE }, (_, i): CandleValues => ({
        open: '1', high: String(i + 1), low: '1', close: String(i + 1), volume: String(i), quoteVolume: String(i),
        trades: i, takerBuyVolume: '0', takerBuyQuoteVolume: '0',
      }));
      return { openTime, updates };
    },
  };
}

describe('createMarket', () => {
  it('emits one event per simulated second, the last of a minute closed at its close time', () => {
    const market = createMarket([fakeSource('BTCUSDT', 2)]);
    const events = market.advance(START + 60_000);
    expect(events).toHaveLength(UPDATES_PER_MINUTE);
    expect(events.map((e) => e.E)).toEqual(Array.from({ length: 60 }, (_, i) => (i < 59 ? START + (i + 1) * 1_000 : START + 59_999)));
    expect(events.filter((e) => e.k.x)).toEqual([events.at(-1)]);
    expect(events.at(-1)!.E).toBe(events.at(-1)!.k.T);
    expect(new Set(events.map((e) => e.k.t))).toEqual(new Set([START]));
  });

  it('emits nothing before an update is due, and only what is due', () => {
    const market = createMarket([fakeSource('BTCUSDT', 1)]);
    expect(market.advance(START + 999)).toEqual([]);
    expect(market.advance(START + 2_500).map((e) => e.E)).toEqual([START + 1_000, START + 2_000]);
    expect(market.nextDueTime()).toBe(START + 3_000);
  });

  it('interleaves symbols in event-time order', () => {
    const market = createMarket([fakeSource('BTCUSDT', 1), fakeSource('ETHUSDT', 1)]);
    const events = market.advance(START + 3_000);
    expect(events.map((e) => `${e.s}@${e.E - START}`)).toEqual([
      'BTCUSDT@1000', 'ETHUSDT@1000', 'BTCUSDT@2000', 'ETHUSDT@2000', 'BTCUSDT@3000', 'ETHUSDT@3000',
    ]);
  });

  it('keeps per minute the latest emitted state as history', () => {
    const market = createMarket([fakeSource('BTCUSDT', 3)]);
    const events = market.advance(START + 60_000 + 5_000);
    const history = market.history('BTCUSDT')!;
    expect(history).toHaveLength(2);
    expect(history[0]).toEqual(events[59]);
    expect(history[0]!.k.x).toBe(true);
    expect(history[1]).toEqual(events.at(-1));
    expect(history[1]!.k).toMatchObject({ x: false, c: '5' });
    expect(market.history('NOPE')).toBeUndefined();
  });

  it('stops at maxEvents and carries on from there', () => {
    const market = createMarket([fakeSource('BTCUSDT', 1)]);
    expect(market.advance(START + 60_000, 10)).toHaveLength(10);
    expect(market.advance(START + 60_000)).toHaveLength(50);
  });

  it('ends when every source has run out', () => {
    const market = createMarket([fakeSource('BTCUSDT', 1)]);
    expect(market.ended()).toBe(false);
    market.advance(START + 120_000);
    expect(market.ended()).toBe(true);
    expect(market.nextDueTime()).toBeUndefined();
    expect(market.advance(START + 180_000)).toEqual([]);
  });

  it('skips the minutes a source leaves out', () => {
    let calls = 0;
    const gappy: CandleSource = {
      symbol: 'BTCUSDT',
      nextMinute: () => (calls++ === 0 ? fakeSource('BTCUSDT', 1).nextMinute() : fakeSource('BTCUSDT', 1, START + 300_000).nextMinute()),
    };
    const market = createMarket([gappy]);
    market.advance(START + 301_000);
    expect(market.history('BTCUSDT')!.map((e) => e.k.t)).toEqual([START, START + 300_000]);
  });
});

describe('updateEventTime', () => {
  it('puts update i at i+1 seconds and the last at the minute\'s close time', () => {
    expect(updateEventTime(START, 0)).toBe(START + 1_000);
    expect(updateEventTime(START, 58)).toBe(START + 59_000);
    expect(updateEventTime(START, 59)).toBe(START + 59_999);
  });
});
