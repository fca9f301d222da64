// Reads a live_candles_1m row as it arrives from Realtime (`postgres_changes` payload.new) or from the
// candles API into a Candle: numbers may come as numbers or decimal strings, times as ISO strings.
import type { Candle } from './candle.ts';

/** The candle a row describes, or null when the row is not a valid candle for `symbol`. */
export function parseCandleRow(row: unknown, symbol: string): Candle | null {
  if (typeof row !== 'object' || row === null) return null;
  const r = row as Record<string, unknown>;
  if (r.symbol !== symbol) return null;
  const candle: Candle = {
    time: toTime(r.timestamp),
    open: toNumber(r.open),
    high: toNumber(r.high),
    low: toNumber(r.low),
    close: toNumber(r.close),
    volume: toNumber(r.volume),
    trades: toNumber(r.trades),
    closed: toBoolean(r.is_closed),
    eventTime: toTime(r.event_time),
  };
  return isValid(candle) ? candle : null;
}

function isValid(c: Candle): boolean {
  const finite = [c.time, c.open, c.high, c.low, c.close, c.volume, c.trades, c.eventTime].every(Number.isFinite);
  return finite && c.low <= Math.min(c.open, c.close) && c.high >= Math.max(c.open, c.close) && c.low > 0;
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

function toTime(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Date.parse(value);
  return Number.NaN;
}

function toBoolean(value: unknown): boolean {
  return value === true || value === 't' || value === 'true';
}
