// The database side of a stream session, over any postgres.js-compatible client (npm:postgres in the
// Edge Function, the `postgres` package in Node): ingest batches, find where a backfill must start,
// and hold the stream lease.

import type { IngestCounts, IngestSink } from './stream-session.ts';

/** The one method of postgres.js these queries need. */
export interface SqlClient {
  unsafe(query: string, params?: unknown[]): PromiseLike<Record<string, unknown>[]>;
}

export function createPostgresSink(sql: SqlClient): IngestSink {
  return {
    async ingest(batchJson) {
      // Passed as text and cast in SQL: the frames are already JSON, so nothing is parsed twice.
      const [row] = await sql.unsafe('select public.ingest_klines($1::text::jsonb) as result', [batchJson]);
      return readCounts(row?.result);
    },
    async backfillFrom(symbol) {
      // Not simply the newest candle: a connection can drop before a candle's final update while the
      // next candle's first updates are already stored, and that candle must be fetched again.
      const [row] = await sql.unsafe(
        `select (extract(epoch from coalesce(
                  (select min(c."timestamp") from public.live_candles_1m c
                   where c.symbol = $1 and not c.is_closed and c."timestamp" >= m.newest - interval '1 day'),
                  m.newest)) * 1000)::float8 as open_time
         from (select max("timestamp") as newest from public.live_candles_1m where symbol = $1) m`,
        [symbol],
      );
      return typeof row?.open_time === 'number' ? row.open_time : null;
    },
  };
}

export interface StreamLease {
  claim(ttlSeconds: number): Promise<boolean>;
  release(): Promise<boolean>;
}

export function createStreamLease(sql: SqlClient, stream: string, holder: string): StreamLease {
  return {
    async claim(ttlSeconds) {
      const [row] = await sql.unsafe('select public.claim_stream_lease($1, $2, make_interval(secs => $3)) as ok', [stream, holder, ttlSeconds]);
      return row?.ok === true;
    },
    async release() {
      const [row] = await sql.unsafe('select public.release_stream_lease($1, $2) as ok', [stream, holder]);
      return row?.ok === true;
    },
  };
}

function readCounts(value: unknown): IngestCounts {
  const counts = typeof value === 'string' ? JSON.parse(value) : value;
  if (typeof counts !== 'object' || counts === null) throw new Error(`ingest_klines returned ${String(value)}`);
  const { accepted, stale, rejected } = counts as Record<string, unknown>;
  if (typeof accepted !== 'number' || typeof stale !== 'number' || typeof rejected !== 'number') {
    throw new Error(`ingest_klines returned unexpected counts: ${JSON.stringify(counts)}`);
  }
  return { accepted, stale, rejected };
}
