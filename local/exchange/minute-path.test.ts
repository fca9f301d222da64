import { describe, expect, it } from 'vitest';
import { compareDecimal } from '../decimal.ts';
import { buildMinutePath, UPDATES_PER_MINUTE, type CandleValues } from './minute-path.ts';
import { createRandom } from './random.ts';

const CANDLE: CandleValues = {
  open: '115764.07', high: '115764.08', low: '115704.78', close: '115729.0', volume: '11.87539',
  quoteVolume: '1374354.6403012', trades: 1421, takerBuyVolume: '3.66465', takerBuyQuoteVolume: '424075.0494376',
};

describe('buildMinutePath', () => {
  it('gives one state per simulated second, the last exactly the final candle', () => {
    const path = buildMinutePath(CANDLE, createRandom(1));
    expect(path).toHaveLength(UPDATES_PER_MINUTE);
    expect(path.at(-1)).toEqual(CANDLE);
  });

  it('keeps every state inside the final high and low, touching both', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const path = buildMinutePath(CANDLE, createRandom(seed));
      for (const state of path) {
        expect(state.open).toBe(CANDLE.open);
        for (const price of [state.high, state.low, state.close]) {
          expect(compareDecimal(price, CANDLE.low)).toBeGreaterThanOrEqual(0);
          expect(compareDecimal(price, CANDLE.high)).toBeLessThanOrEqual(0);
        }
        expect(compareDecimal(state.low, state.close)).toBeLessThanOrEqual(0);
        expect(compareDecimal(state.high, state.close)).toBeGreaterThanOrEqual(0);
      }
      expect(path.slice(0, -1).some((s) => s.close === CANDLE.high)).toBe(true);
      expect(path.slice(0, -1).some((s) => s.close === CANDLE.low)).toBe(true);
    }
  });

  it('lets high only rise, low only fall, and volumes and trades only grow', () => {
    const path = buildMinutePath(CANDLE, createRandom(5));
    for (let i = 1; i < path.length; i++) {
      const [before, after] = [path[i - 1]!, path[i]!];
      expect(compareDecimal(after.high, before.high)).toBeGreaterThanOrEqual(0);
      expect(compareDecimal(after.low, before.low)).toBeLessThanOrEqual(0);
      for (const field of ['volume', 'quoteVolume', 'takerBuyVolume', 'takerBuyQuoteVolume'] as const) {
        expect(compareDecimal(after[field], before[field])).toBeGreaterThanOrEqual(0);
      }
      expect(after.trades).toBeGreaterThanOrEqual(before.trades);
    }
  });

  it('writes intermediate amounts with the final amount\'s number of decimals', () => {
    const path = buildMinutePath(CANDLE, createRandom(9));
    expect(path[10]!.volume).toMatch(/^\d+\.\d{5}$/);
    expect(path[10]!.quoteVolume).toMatch(/^\d+\.\d{7}$/);
  });

  it('follows a flat candle without moving', () => {
    const flat = { ...CANDLE, open: '100.5', high: '100.5', low: '100.5', close: '100.5' };
    const path = buildMinutePath(flat, createRandom(2));
    expect(new Set(path.map((s) => `${s.high} ${s.low} ${s.close}`))).toEqual(new Set(['100.5 100.5 100.5']));
  });

  it('refuses a candle whose close lies outside its range', () => {
    expect(() => buildMinutePath({ ...CANDLE, close: '115800' }, createRandom(1))).toThrow(expect.objectContaining({ code: 'INVALID_CANDLE' }));
  });
});
