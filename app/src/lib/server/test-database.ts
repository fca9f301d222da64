// Test helpers for the server's reads: the throwaway database `npm test` provides (tests skip
// without it), a superuser client to arrange rows, and kline events for ingest_klines.
import postgres from 'postgres';
import { describe } from 'vitest';

export const testDatabaseUrl = process.env.CANDLESTREAM_TEST_DATABASE_URL;

/** describe() for suites that need the test database; skipped without one. */
export const describeWithDatabase = testDatabaseUrl ? describe : describe.skip;

/** A superuser client for arranging rows (connects lazily, so a skipped suite may create one). */
export function connectAsOwner(): postgres.Sql {
  return postgres(testDatabaseUrl ?? 'postgresql://unused@127.0.0.1:1/unused', { max: 2, onnotice: () => {} });
}

/** A Binance kline event for a 1m candle, in the shape public.ingest_klines takes. */
export function klineEvent(symbol: string, openTime: number, close: number, options: { eventTime?: number; closed?: boolean; volume?: number } = {}) {
  const price = (value: number) => value.toFixed(2);
  return {
    e: 'kline',
    E: options.eventTime ?? openTime + 30_000,
    s: symbol,
    k: {
      t: openTime,
      T: openTime + 59_999,
      s: symbol,
      i: '1m',
      f: -1,
      L: -1,
      o: price(close - 1),
      c: price(close),
      h: price(close + 2),
      l: price(close - 3),
      v: String(options.volume ?? 1.5),
      n: 12,
      x: options.closed ?? true,
      q: '100',
      V: '0',
      Q: '0',
      B: '0',
    },
  };
}

/** Ingests events as the service role under a named source, as the Edge Function does. */
export async function ingest(owner: postgres.Sql, events: unknown[], source = 'binance'): Promise<void> {
  await owner.begin(async (tx) => {
    await tx`select set_config('candlestream.source', ${source}, true)`;
    await tx`set local role service_role`;
    await tx`select public.ingest_klines(${JSON.stringify(events)}::text::jsonb)`;
  });
}

/** Removes a test symbol's rows. */
export async function removeSymbol(owner: postgres.Sql, symbol: string): Promise<void> {
  await owner`delete from public.live_candles_1m where symbol = ${symbol}`;
  await owner`delete from public.stream_status where symbol = ${symbol}`;
}
