import { describe, expect, it } from 'vitest';
import { backoffDelay, type BackoffOptions } from './backoff.ts';

const withRandom = (random: number): BackoffOptions => ({ baseMs: 500, capMs: 30_000, random: () => random });

describe('backoffDelay', () => {
  it('doubles the ceiling with every attempt', () => {
    const ceilings = [0, 1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, withRandom(1)));
    expect(ceilings).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('caps the ceiling at 30 s however many attempts have failed', () => {
    expect(backoffDelay(6, withRandom(1))).toBe(30_000);
    expect(backoffDelay(50, withRandom(1))).toBe(30_000);
    expect(backoffDelay(5_000, withRandom(1))).toBe(30_000);
  });

  it('treats a negative attempt as the first', () => {
    expect(backoffDelay(-3, withRandom(1))).toBe(500);
  });

  it('gives half the ceiling when random is 0 and the full ceiling when random is just below 1', () => {
    expect(backoffDelay(3, withRandom(0))).toBe(2_000);
    expect(backoffDelay(3, withRandom(0.999_999))).toBe(4_000);
    expect(backoffDelay(3, withRandom(0.5))).toBe(3_000);
  });

  it('keeps every jittered delay within [ceiling/2, ceiling]', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(30_000, 500 * 2 ** attempt);
      for (const random of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999_999]) {
        const delay = backoffDelay(attempt, withRandom(random));
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('draws one random number per delay', () => {
    let draws = 0;
    backoffDelay(2, { baseMs: 500, capMs: 30_000, random: () => (draws++, 0.25) });
    expect(draws).toBe(1);
  });

  it('defaults to a 500 ms base and a 30 s cap', () => {
    expect(backoffDelay(0)).toBeGreaterThanOrEqual(250);
    expect(backoffDelay(0)).toBeLessThanOrEqual(500);
    expect(backoffDelay(20)).toBeGreaterThanOrEqual(15_000);
    expect(backoffDelay(20)).toBeLessThanOrEqual(30_000);
  });
});
