// Reads for the dashboard: candles through public.get_candles, the symbols and the freshest
// stream_status row of a symbol. Numbers and times are converted in SQL so rows arrive as numbers.
import type { Candle, Interval } from '../candles/candle.ts';
import type { Sql } from './db.ts';

export interface CandleRequest {
  symbol: string;
  interval: Interval;
  /** Open time (ms) to read from; null for the latest `limit` candles. */
  since: number | null;
  limit: number;
}

/** The stream_status facts the page shows. */
export interface FeedStatus {
  source: string;
  lastEventTime: number | null;
  lastIngestedAt: number | null;
}

const INTERVAL_SQL: Record<Interval, string> = { '1m': '1 minute', '5m': '5 minutes', '15m': '15 minutes', '1h': '1 hour' };

/** Candles oldest first. */
export async function readCandles(sql: Sql, request: CandleRequest): Promise<Candle[]> {
  const since = request.since === null ? null : new Date(request.since);
  const rows = await sql<CandleRecord[]>`
    select ${candleColumns(sql)}
    from public.get_candles(${request.symbol}, ${request.interval}, ${since}::timestamptz, ${request.limit}::int)`;
  return rows.map(toCandle);
}

/** The 1m candles of the current and the previous bucket of `interval`: what live folding starts from. */
export async function readFoldingMinutes(sql: Sql, symbol: string, interval: Interval): Promise<Candle[]> {
  const step = INTERVAL_SQL[interval];
  const rows = await sql<CandleRecord[]>`
    select ${candleColumns(sql)}
    from public.get_candles(${symbol}, '1m',
      (select date_bin(${step}::interval, max(c."timestamp"), timestamptz '2000-01-01') - ${step}::interval
         from public.live_candles_1m c where c.symbol = ${symbol}),
      120)`;
  return rows.map(toCandle);
}

/** The open of the first minute of the 24 h that end with the newest minute: what "24h change" compares with. */
export async function readOpen24hAgo(sql: Sql, symbol: string): Promise<number | null> {
  const [row] = await sql<{ open: number }[]>`
    select c."open"::float8 as open
    from public.live_candles_1m c
    where c.symbol = ${symbol}
      and c."timestamp" >= (select max(m."timestamp") from public.live_candles_1m m where m.symbol = ${symbol}) - interval '1439 minutes'
    order by c."timestamp"
    limit 1`;
  return row?.open ?? null;
}

/** Every symbol with a stream, alphabetically. */
export async function readSymbols(sql: Sql): Promise<string[]> {
  const rows = await sql<{ symbol: string }[]>`select distinct symbol from public.stream_status order by symbol`;
  return rows.map((row) => row.symbol);
}

/** The most recently ingested stream_status row of a symbol, if any. */
export async function readFeedStatus(sql: Sql, symbol: string): Promise<FeedStatus | null> {
  const [row] = await sql<{ source: string; last_event_ms: number | null; last_ingested_ms: number | null }[]>`
    select source,
           (extract(epoch from last_event_time) * 1000)::float8 as last_event_ms,
           (extract(epoch from last_ingested_at) * 1000)::float8 as last_ingested_ms
    from public.stream_status
    where symbol = ${symbol}
    order by last_ingested_at desc nulls last
    limit 1`;
  return row ? { source: row.source, lastEventTime: row.last_event_ms, lastIngestedAt: row.last_ingested_ms } : null;
}

interface CandleRecord {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n: number;
  x: boolean;
  e: number;
}

function candleColumns(sql: Sql) {
  return sql`(extract(epoch from "timestamp") * 1000)::float8 as t,
    "open"::float8 as o, high::float8 as h, low::float8 as l, "close"::float8 as c,
    volume::float8 as v, trades::float8 as n, is_closed as x,
    (extract(epoch from event_time) * 1000)::float8 as e`;
}

function toCandle(row: CandleRecord): Candle {
  return {
    time: row.t,
    open: row.o,
    high: row.h,
    low: row.l,
    close: row.c,
    volume: row.v,
    trades: row.n,
    closed: row.x,
    eventTime: row.e,
  };
}
