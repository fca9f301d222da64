// Gap backfill: after every (re)connect, the exchange's REST klines from the newest stored candle
// onward are fetched (1,000 a call) and sent through the same ingest path as live events, so a
// disconnect leaves no hole. The newest row a page returns may still be open; it is left to the stream.

import { buildKlineEvent, type KlineEvent } from './kline-event.ts';

export const REST_PAGE_LIMIT = 1000;

export interface BackfillOptions {
  restBaseUrl: string;
  /** `/fapi/v1/klines` (USD-M futures) or `/api/v3/klines` (spot): the same row format. */
  restPath: string;
  symbol: string;
  /** Open time of the first candle wanted (epoch ms, minute-aligned). */
  fromOpenTime: number;
  fetch: typeof fetch;
  /** Called with each page's closed candles as kline events, oldest first. */
  onEvents: (events: KlineEvent[]) => Promise<void>;
  signal?: AbortSignal;
}

/** Fetches and hands on every closed candle from fromOpenTime; returns how many it handed on. */
export async function backfillKlines(options: BackfillOptions): Promise<number> {
  let startTime = options.fromOpenTime;
  let handed = 0;
  for (;;) {
    const rows = await fetchPage(options, startTime);
    // Only a row followed by a later one is certainly closed: the last row of a page may be the open
    // minute, so it is held back and the next page starts at it.
    const closed = rows.slice(0, -1);
    if (closed.length > 0) {
      await options.onEvents(closed.map((row) => restRowToEvent(options.symbol, row)));
      handed += closed.length;
    }
    if (rows.length < REST_PAGE_LIMIT) return handed;
    startTime = rows[rows.length - 1]!.openTime;
  }
}

interface RestKline {
  openTime: number;
  open: string; high: string; low: string; close: string; volume: string;
  closeTime: number;
  quoteVolume: string;
  trades: number;
  takerBuyVolume: string;
  takerBuyQuoteVolume: string;
}

async function fetchPage(options: BackfillOptions, startTime: number): Promise<RestKline[]> {
  const url = new URL(options.restPath, options.restBaseUrl);
  url.search = new URLSearchParams({
    symbol: options.symbol, interval: '1m', startTime: String(startTime), limit: String(REST_PAGE_LIMIT),
  }).toString();
  const response = await options.fetch(url, { signal: options.signal });
  const body = await response.text();
  if (!response.ok) throw new Error(`backfill: GET ${url} answered ${response.status}: ${body.slice(0, 200)}`);
  return parseRestKlines(body, url.toString());
}

/** Parses Binance's kline rows: [openTime, o, h, l, c, v, closeTime, q, n, V, Q, ignore]. */
export function parseRestKlines(body: string, source: string): RestKline[] {
  let rows: unknown;
  try {
    rows = JSON.parse(body);
  } catch {
    rows = undefined; // a proxy's HTML page, say: reported below with the source, like any non-array
  }
  if (!Array.isArray(rows)) throw new Error(`backfill: ${source} did not answer an array of klines`);
  return rows.map((row, index) => {
    if (!Array.isArray(row) || row.length < 9 || typeof row[0] !== 'number' || typeof row[6] !== 'number' || typeof row[8] !== 'number') {
      throw new Error(`backfill: ${source} row ${index} is not a kline row: ${JSON.stringify(row).slice(0, 120)}`);
    }
    const text = (i: number) => String(row[i]);
    return {
      openTime: row[0], open: text(1), high: text(2), low: text(3), close: text(4), volume: text(5),
      closeTime: row[6], quoteVolume: text(7), trades: row[8],
      takerBuyVolume: row[9] === undefined ? '0' : text(9), takerBuyQuoteVolume: row[10] === undefined ? '0' : text(10),
    };
  });
}

/** A closed REST candle as the final stream event Binance would have sent for it. */
function restRowToEvent(symbol: string, row: RestKline): KlineEvent {
  return buildKlineEvent({
    symbol, openTime: row.openTime, eventTime: row.closeTime, open: row.open, high: row.high, low: row.low,
    close: row.close, volume: row.volume, quoteVolume: row.quoteVolume, trades: row.trades, closed: true,
    takerBuyVolume: row.takerBuyVolume, takerBuyQuoteVolume: row.takerBuyQuoteVolume,
  });
}
