import { describe, expect, it } from 'vitest';
import { compareDecimal } from '../decimal.ts';
import type { CandleSource, MinutePath } from './minute-path.ts';
import { createSyntheticSource } from './synthetic-source.ts';

const START = Date.UTC(2025, 7, 1, 0, 0);

function minutes(source: CandleSource, count: number): MinutePath[] {
  return Array.from({ length: count }, () => source.nextMinute()!);
}

function finals(paths: MinutePath[]) {
  return paths.map((path) => path.updates.at(-1)!);
}

describe('createSyntheticSource', () => {
  it('is deterministic for a seed and symbol', () => {
    const a = minutes(createSyntheticSource({ symbol: 'BTCUSDT', seed: 42, start: START }), 30);
    const b = minutes(createSyntheticSource({ symbol: 'BTCUSDT', seed: 42, start: START }), 30);
    expect(a).toEqual(b);
  });

  it('gives other prices for another seed or another symbol', () => {
    const base = finals(minutes(createSyntheticSource({ symbol: 'BTCUSDT', seed: 42, start: START }), 3));
    const otherSeed = finals(minutes(createSyntheticSource({ symbol: 'BTCUSDT', seed: 43, start: START }), 3));
    const otherSymbol = finals(minutes(createSyntheticSource({ symbol: 'ETHUSDT', seed: 42, start: START }), 3));
    expect(otherSeed[0]!.open).not.toBe(base[0]!.open);
    expect(otherSymbol[0]!.open).not.toBe(base[0]!.open);
  });

  it('emits consecutive minutes, each opening at the previous close', () => {
    const paths = minutes(createSyntheticSource({ symbol: 'BTCUSDT', seed: 1, start: START }), 50);
    paths.forEach((path, i) => {
      expect(path.openTime).toBe(START + i * 60_000);
      if (i > 0) expect(path.updates.at(-1)!.open).toBe(paths[i - 1]!.updates.at(-1)!.close);
    });
  });

  it('keeps OHLC invariants in every update: low <= open, close <= high, all positive', () => {
    const violations: string[] = [];
    for (const seed of [1, 2, 3]) {
      for (const path of minutes(createSyntheticSource({ symbol: 'BTCUSDT', seed, start: START }), 200)) {
        for (const u of path.updates) {
          const ok = compareDecimal(u.low, u.open) <= 0 && compareDecimal(u.low, u.close) <= 0 &&
            compareDecimal(u.high, u.open) >= 0 && compareDecimal(u.high, u.close) >= 0 && Number(u.low) > 0;
          if (!ok) violations.push(`seed ${seed} minute ${path.openTime}: ${JSON.stringify(u)}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('looks like BTC: price level, per-minute volatility, volume and trades, with Binance-like decimals', () => {
    for (const seed of [1, 7, 99]) {
      const candles = finals(minutes(createSyntheticSource({ symbol: 'BTCUSDT', seed, start: START }), 1_000));
      expect(Number(candles[0]!.open)).toBeGreaterThanOrEqual(60_000);
      expect(Number(candles[0]!.open)).toBeLessThanOrEqual(110_000);
      const returns = candles.map((c) => Math.log(Number(c.close) / Number(c.open)));
      const sd = Math.sqrt(returns.reduce((s, r) => s + r * r, 0) / returns.length);
      expect(sd).toBeGreaterThan(0.0004);
      expect(sd).toBeLessThan(0.0012);
      const meanVolume = candles.reduce((s, c) => s + Number(c.volume), 0) / candles.length;
      expect(meanVolume).toBeGreaterThan(5);
      expect(meanVolume).toBeLessThan(30);
      const meanTrades = candles.reduce((s, c) => s + c.trades, 0) / candles.length;
      expect(meanTrades).toBeGreaterThan(500);
      expect(meanTrades).toBeLessThan(3_000);
      for (const c of candles.slice(0, 20)) {
        expect([c.open, c.high, c.low, c.close].every((p) => /^\d+\.\d{2}$/.test(p))).toBe(true);
        expect(c.volume).toMatch(/^\d+\.\d{5}$/);
      }
    }
  });
});
