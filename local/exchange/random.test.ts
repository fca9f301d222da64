import { describe, expect, it } from 'vitest';
import { createRandom, gaussian, mixSeed } from './random.ts';

describe('createRandom', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    const c = createRandom(8);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(Array.from({ length: 5 }, c)).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('mixSeed', () => {
  it('gives different seeds for different symbols of one seed', () => {
    expect(mixSeed(1, 'BTCUSDT')).toBe(mixSeed(1, 'BTCUSDT'));
    expect(mixSeed(1, 'BTCUSDT')).not.toBe(mixSeed(1, 'ETHUSDT'));
    expect(mixSeed(1, 'BTCUSDT')).not.toBe(mixSeed(2, 'BTCUSDT'));
  });
});

describe('gaussian', () => {
  it('draws deviates with mean about 0 and deviation about 1', () => {
    const random = createRandom(3);
    const draws = Array.from({ length: 20_000 }, () => gaussian(random));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((s, x) => s + (x - mean) ** 2, 0) / draws.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(sd).toBeGreaterThan(0.95);
    expect(sd).toBeLessThan(1.05);
  });
});
