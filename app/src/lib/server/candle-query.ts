// Validates the query of GET /api/candles into a typed request, or an error with a stable code.
import { isInterval, INTERVALS } from '../candles/candle.ts';
import type { CandleRequest } from './candles.ts';

export interface QueryError {
  code: 'INVALID_SYMBOL' | 'INVALID_INTERVAL' | 'INVALID_SINCE' | 'INVALID_LIMIT';
  message: string;
}

export type QueryResult = { ok: true; request: CandleRequest } | { ok: false; error: QueryError };

export const MAX_LIMIT = 10_000;
export const DEFAULT_LIMIT = 1_440;

/** Reads symbol (required), interval (default 1m), since (ISO time or epoch ms) and limit. */
export function parseCandleQuery(params: URLSearchParams): QueryResult {
  const symbol = params.get('symbol') ?? '';
  if (!/^[A-Za-z0-9]{2,20}$/.test(symbol)) {
    return fail('INVALID_SYMBOL', `symbol must be 2 to 20 letters or digits, got "${symbol}"`);
  }
  const interval = params.get('interval') ?? '1m';
  if (!isInterval(interval)) {
    return fail('INVALID_INTERVAL', `interval must be one of ${INTERVALS.join(', ')}, got "${interval}"`);
  }
  const sinceText = params.get('since');
  const since = sinceText === null || sinceText === '' ? null : parseTime(sinceText);
  if (Number.isNaN(since)) return fail('INVALID_SINCE', `since must be an ISO time or epoch milliseconds, got "${sinceText}"`);
  const limitText = params.get('limit');
  const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return fail('INVALID_LIMIT', `limit must be an integer from 1 to ${MAX_LIMIT}, got "${limitText}"`);
  }
  return { ok: true, request: { symbol: symbol.toUpperCase(), interval, since, limit } };
}

function parseTime(text: string): number {
  if (/^\d{1,16}$/.test(text)) return Number(text);
  return /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : Number.NaN;
}

function fail(code: QueryError['code'], message: string): QueryResult {
  return { ok: false, error: { code, message } };
}
