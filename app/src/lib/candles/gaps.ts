// Gap detection: which candle open times are missing between the candles a series holds.

/** A run of missing candles, both ends inclusive open times. */
export interface Gap {
  from: number;
  to: number;
}

/** The missing run between two consecutive open times, or null when they are adjacent. */
export function gapBetween(previous: number, next: number, step: number): Gap | null {
  if (next - previous <= step) return null;
  return { from: previous + step, to: next - step };
}

/** Every missing run in ascending open times (one pass; used after a backfill, not per tick). */
export function findGaps(times: readonly number[], step: number): Gap[] {
  const gaps: Gap[] = [];
  for (let i = 1; i < times.length; i++) {
    const gap = gapBetween(times[i - 1] as number, times[i] as number, step);
    if (gap) gaps.push(gap);
  }
  return gaps;
}

/** How many candles a gap is missing. */
export function gapLength(gap: Gap, step: number): number {
  return (gap.to - gap.from) / step + 1;
}
