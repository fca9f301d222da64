// The HTTP side of the simulator: Binance's kline REST endpoints (spot and USD-M futures paths), answered
// from exactly the history the stream emitted, plus the simulator's own status and fault endpoints.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KlineEvent } from '../../supabase/functions/_shared/kline-event.ts';
import { parseFaultRequest, type FaultRequest } from './faults.ts';

export interface SimulatorStatus {
  symbols: string[];
  speed: number;
  simulatedNow: number;
  source: 'synthetic' | 'replay';
  /** Open time of the first simulated candle. */
  start: number;
  /** Whether a replay has sent its dump's last candle. */
  ended: boolean;
  clients: number;
}

export interface RestContext {
  symbols: readonly string[];
  history(symbol: string): readonly KlineEvent[] | undefined;
  status(): SimulatorStatus;
  applyFault(fault: FaultRequest): void;
}

/** Binance's error body: a numeric code and a message. */
export interface BinanceError {
  code: number;
  msg: string;
}

export interface KlinesQuery {
  symbol: string;
  startTime: number | undefined;
  endTime: number | undefined;
  limit: number;
}

/** A kline as Binance's REST API returns it. */
export type KlineRow = [number, string, string, string, string, string, number, string, number, string, string, string];

const KLINE_PATHS = new Set(['/api/v3/klines', '/fapi/v1/klines']);
const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 1000;
const MAX_BODY_BYTES = 64 * 1024;

/** The request handler for the simulator's HTTP server (upgrades are handled by ws-server.ts). */
export function createRestHandler(context: RestContext): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://simulator');
    // Both Binance kline paths share one route; the name has no slash, so no other path can match it.
    const route = `${request.method ?? 'GET'} ${KLINE_PATHS.has(url.pathname) ? 'klines' : url.pathname}`;
    switch (route) {
      case 'GET klines':
        return onGetKlines(context, url.searchParams, response);
      case 'GET /_sim/status':
        return sendJson(response, 200, context.status());
      case 'POST /_sim/faults':
        return onPostFault(context, request, response);
      default:
        return sendJson(response, 404, { code: 'NOT_FOUND', message: `no endpoint ${request.method} ${url.pathname} on the exchange simulator` });
    }
  };
}

/** Reads klines query parameters as Binance validates them. */
export function parseKlinesQuery(params: URLSearchParams, symbols: readonly string[]): { ok: true; query: KlinesQuery } | { ok: false; error: BinanceError } {
  const symbol = params.get('symbol');
  const interval = params.get('interval');
  for (const [name, value] of [['symbol', symbol], ['interval', interval]] as const) {
    if (!value) return fail(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
  }
  if (interval !== '1m') return fail(-1120, 'Invalid interval.');
  if (!symbols.includes(symbol!)) return fail(-1121, 'Invalid symbol.');
  const numbers: Partial<Record<'startTime' | 'endTime' | 'limit', number>> = {};
  for (const name of ['startTime', 'endTime', 'limit'] as const) {
    const value = params.get(name);
    if (value === null || value === '') continue;
    if (!/^[0-9]{1,20}$/.test(value)) return fail(-1100, `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`);
    numbers[name] = Number(value);
  }
  const limit = numbers.limit ?? DEFAULT_LIMIT;
  if (limit < 1 || limit > MAX_LIMIT) return fail(-1130, `Data sent for parameter 'limit' is not valid (1..${MAX_LIMIT}).`);
  if (numbers.startTime !== undefined && numbers.endTime !== undefined && numbers.startTime > numbers.endTime) {
    return fail(-1023, 'Start time is greater than end time.');
  }
  return { ok: true, query: { symbol: symbol!, startTime: numbers.startTime, endTime: numbers.endTime, limit } };
}

/**
 * Binance's selection: from startTime, the first `limit` candles opening at or after it (and at or
 * before endTime); without startTime, the latest `limit` candles opening at or before endTime.
 */
export function selectKlines(history: readonly KlineEvent[], query: KlinesQuery): readonly KlineEvent[] {
  const end = query.endTime === undefined ? history.length : firstOpeningAfter(history, query.endTime);
  if (query.startTime === undefined) return history.slice(Math.max(0, end - query.limit), end);
  const begin = firstOpeningAfter(history, query.startTime - 1);
  return history.slice(begin, Math.min(end, begin + query.limit));
}

/** The REST row of a candle in the state one of its events carried. */
export function klineRow({ k }: KlineEvent): KlineRow {
  return [k.t, k.o, k.h, k.l, k.c, k.v, k.T, k.q, k.n, k.V, k.Q, '0'];
}

function onGetKlines(context: RestContext, params: URLSearchParams, response: ServerResponse): void {
  const parsed = parseKlinesQuery(params, context.symbols);
  if (!parsed.ok) return sendJson(response, 400, parsed.error);
  const history = context.history(parsed.query.symbol) ?? [];
  sendJson(response, 200, selectKlines(history, parsed.query).map(klineRow));
}

function onPostFault(context: RestContext, request: IncomingMessage, response: ServerResponse): void {
  readBody(request).then(
    (text) => {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return sendJson(response, 400, { code: 'INVALID_FAULT', message: `the fault body is not JSON: ${JSON.stringify(text.slice(0, 200))}` });
      }
      const parsed = parseFaultRequest(body);
      if (!parsed.ok) return sendJson(response, 400, parsed.error);
      context.applyFault(parsed.fault);
      sendJson(response, 200, { ok: true });
    },
    (error: Error) => sendJson(response, 400, { code: 'INVALID_FAULT', message: error.message }),
  );
}

/** Index of the first candle opening after `time` (history is ordered by open time). */
function firstOpeningAfter(history: readonly KlineEvent[], time: number): number {
  let low = 0;
  let high = history.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (history[middle]!.k.t <= time) low = middle + 1;
    else high = middle;
  }
  return low;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the answer can still be sent.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new Error(`the fault body is larger than ${MAX_BODY_BYTES} bytes (${size})`));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function fail(code: number, msg: string): { ok: false; error: BinanceError } {
  return { ok: false, error: { code, msg } };
}
