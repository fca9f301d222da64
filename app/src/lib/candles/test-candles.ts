// Test helpers: candles with memorable defaults.
import { MINUTE_MS, type Candle } from './candle.ts';

export const T0 = Date.UTC(2026, 10, 25, 12, 0);

/** A candle `minutes` after T0 with the given overrides (1m by default). */
export function candleAt(minutes: number, overrides: Partial<Candle> = {}): Candle {
  const time = T0 + minutes * MINUTE_MS;
  return {
    time,
    open: 100,
    high: 110,
    low: 90,
    close: 105,
    volume: 1,
    trades: 10,
    closed: false,
    eventTime: time + 1_000,
    ...overrides,
  };
}
