// Everything the dashboard's first paint needs, read in parallel on the read-only connection.
import { encodeCandles, stepOf, type CandleColumns, type Interval } from '../candles/candle.ts';
import { readCandles, readFeedStatus, readFoldingMinutes, readOpen24hAgo, readSymbols, type FeedStatus } from './candles.ts';
import type { Sql } from './db.ts';
import { publicConfig, type PublicConfig } from './public-config.ts';

export const DEFAULT_SYMBOL = 'BTCUSDT';
export const FIRST_PAINT_CANDLES = 1_440;

export interface DashboardData {
  symbol: string;
  interval: Interval;
  /** The last 1,440 candles of the interval. */
  candles: CandleColumns;
  /** For intervals above 1m: the 1m candles of the last two buckets, which live minutes fold into. */
  minutes: CandleColumns | null;
  /** Above 1m: the open 24 h before the newest minute, for the 24 h change. */
  reference24h: number | null;
  symbols: string[];
  status: FeedStatus | null;
  realtime: PublicConfig;
}

/** Reads the dashboard of one symbol at one interval. */
export async function loadDashboard(sql: Sql, symbol: string, interval: Interval): Promise<DashboardData> {
  const [candles, minutes, reference24h, symbols, status] = await Promise.all([
    readCandles(sql, { symbol, interval, since: null, limit: FIRST_PAINT_CANDLES }),
    interval === '1m' ? null : readFoldingMinutes(sql, symbol, interval),
    interval === '1m' ? null : readOpen24hAgo(sql, symbol),
    readSymbols(sql),
    readFeedStatus(sql, symbol),
  ]);
  return {
    symbol,
    interval,
    candles: encodeCandles(candles, stepOf(interval)),
    minutes: minutes && encodeCandles(minutes, stepOf('1m')),
    reference24h,
    symbols: symbols.includes(symbol) ? symbols : [...symbols, symbol].sort(),
    status,
    realtime: publicConfig(),
  };
}
