import { describe, expect, it } from 'vitest';
import { candleAt } from '../candles/test-candles.ts';
import { sliceBounds } from './window-bounds.ts';

describe('sliceBounds', () => {
  it('keeps the extremes of all but the last candle apart from the overall ones', () => {
    const bounds = sliceBounds([
      candleAt(0, { low: 90, high: 110, volume: 3 }),
      candleAt(1, { low: 95, high: 120, volume: 1 }),
      candleAt(2, { low: 80, high: 100, open: 90, close: 95, volume: 7 }),
    ]);
    expect(bounds).toEqual({ low: 80, high: 120, volume: 7, lowBeforeLast: 90, highBeforeLast: 120, volumeBeforeLast: 3 });
  });

  it('gives a usable range for an empty slice', () => {
    expect(sliceBounds([])).toMatchObject({ low: 0, high: 1 });
  });
});
