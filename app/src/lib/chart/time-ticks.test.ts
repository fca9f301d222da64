import { describe, expect, it } from 'vitest';
import { tickStep, timeTicks } from './time-ticks.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 25, 12, 0);

describe('timeTicks', () => {
  it('gives at most about eight aligned ticks for 160 one-minute bars', () => {
    const ticks = timeTicks(T0 + 7 * MINUTE, T0 + 167 * MINUTE);
    expect(tickStep(T0, T0 + 160 * MINUTE)).toBe(30 * MINUTE);
    expect(ticks.length).toBeLessThanOrEqual(8);
    expect(ticks.every((t) => t % (30 * MINUTE) === 0)).toBe(true);
    expect(ticks[0]).toBe(T0 + 30 * MINUTE);
  });

  it('aligns to the viewer’s local hours when the zone is not whole hours', () => {
    const ticks = timeTicks(T0, T0 + 6 * 60 * MINUTE, 8, -330); // UTC+5:30
    expect(((ticks[0] as number) + 330 * MINUTE) % (60 * MINUTE)).toBe(0);
  });
});
