import { describe, expect, it } from 'vitest';
import { bucketStart, decodeCandles, encodeCandles, isInterval, MINUTE_MS } from './candle.ts';
import { candleAt, T0 } from './test-candles.ts';

describe('encodeCandles / decodeCandles', () => {
  it('round-trips candles, gaps and open candles included', () => {
    const candles = [candleAt(0, { closed: true }), candleAt(1, { closed: true }), candleAt(4, { close: 99.5, eventTime: T0 + 4 * MINUTE_MS + 123 })];
    const columns = encodeCandles(candles, MINUTE_MS);
    expect(columns.t).toEqual([T0, 1, 3]);
    expect(columns.open).toEqual([2]);
    expect(decodeCandles(columns)).toEqual(candles);
  });

  it('round-trips an empty series', () => {
    expect(decodeCandles(encodeCandles([], MINUTE_MS))).toEqual([]);
  });
});

describe('isInterval / bucketStart', () => {
  it('accepts only the drawn intervals', () => {
    expect(isInterval('15m')).toBe(true);
    expect(isInterval('4h')).toBe(false);
  });

  it('aligns a time to its bucket', () => {
    expect(bucketStart(T0 + 7 * MINUTE_MS + 5, 5 * MINUTE_MS)).toBe(T0 + 5 * MINUTE_MS);
  });
});
