import { describe, expect, it } from 'vitest';
import { MINUTE_MS } from './candle.ts';
import { findGaps, gapBetween, gapLength } from './gaps.ts';

describe('gapBetween', () => {
  it('sees no gap between adjacent minutes', () => {
    expect(gapBetween(0, MINUTE_MS, MINUTE_MS)).toBeNull();
  });

  it('names the first and last missing minute', () => {
    const gap = gapBetween(0, 5 * MINUTE_MS, MINUTE_MS);
    expect(gap).toEqual({ from: MINUTE_MS, to: 4 * MINUTE_MS });
    expect(gapLength(gap!, MINUTE_MS)).toBe(4);
  });
});

describe('findGaps', () => {
  it('lists every missing run in order', () => {
    const times = [0, 1, 3, 4, 8].map((m) => m * MINUTE_MS);
    expect(findGaps(times, MINUTE_MS)).toEqual([
      { from: 2 * MINUTE_MS, to: 2 * MINUTE_MS },
      { from: 5 * MINUTE_MS, to: 7 * MINUTE_MS },
    ]);
  });

  it('finds nothing in a contiguous or tiny series', () => {
    expect(findGaps([0, MINUTE_MS, 2 * MINUTE_MS], MINUTE_MS)).toEqual([]);
    expect(findGaps([], MINUTE_MS)).toEqual([]);
  });
});
