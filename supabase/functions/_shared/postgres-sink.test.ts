import { describe, expect, it } from 'vitest';
import { createPostgresSink, createStreamLease, type SqlClient } from './postgres-sink.ts';

/** A SqlClient that records every query with its parameters and answers each with the next canned rows. */
function fakeSql(...answers: Record<string, unknown>[][]) {
  const queries: { query: string; params: unknown[] | undefined }[] = [];
  const sql: SqlClient = {
    unsafe(query, params) {
      queries.push({ query, params });
      return Promise.resolve(answers.shift() ?? []);
    },
  };
  return { sql, queries };
}

const BATCH = '[{"e":"kline","E":1},"not json"]';

describe('createPostgresSink', () => {
  describe('ingest', () => {
    it('sends the batch text as the single parameter of public.ingest_klines and returns its counts', async () => {
      const { sql, queries } = fakeSql([{ result: { accepted: 5, stale: 2, rejected: 1 } }]);
      const counts = await createPostgresSink(sql).ingest(BATCH);
      expect(counts).toEqual({ accepted: 5, stale: 2, rejected: 1 });
      expect(queries).toHaveLength(1);
      expect(queries[0]!.query).toContain('public.ingest_klines($1::text::jsonb)');
      expect(queries[0]!.params).toEqual([BATCH]);
    });

    it('reads counts the driver returned as a JSON string', async () => {
      const { sql } = fakeSql([{ result: '{"accepted":3,"stale":0,"rejected":0}' }]);
      expect(await createPostgresSink(sql).ingest(BATCH)).toEqual({ accepted: 3, stale: 0, rejected: 0 });
    });

    it('keeps only the three counts when the result carries more', async () => {
      const { sql } = fakeSql([{ result: { accepted: 1, stale: 0, rejected: 0, elapsed_ms: 4 } }]);
      expect(await createPostgresSink(sql).ingest(BATCH)).toEqual({ accepted: 1, stale: 0, rejected: 0 });
    });

    it.each([
      ['no row', []],
      ['a null result', [{ result: null }]],
      ['a number', [{ result: 7 }]],
      ['a JSON string of null', [{ result: 'null' }]],
      ['a count that is a string', [{ result: { accepted: '5', stale: 0, rejected: 0 } }]],
      ['a missing count', [{ result: { accepted: 5, stale: 0 } }]],
      ['an array', [{ result: [5, 0, 0] }]],
    ])('throws on %s', async (_what, rows) => {
      const { sql } = fakeSql(rows);
      await expect(createPostgresSink(sql).ingest(BATCH)).rejects.toThrow();
    });
  });

  describe('backfillFrom', () => {
    it('asks public.live_candles_1m for the symbol and returns the open time in epoch ms', async () => {
      const { sql, queries } = fakeSql([{ open_time: 1754006400000 }]);
      expect(await createPostgresSink(sql).backfillFrom('BTCUSDT')).toBe(1754006400000);
      expect(queries[0]!.query).toContain('public.live_candles_1m');
      expect(queries[0]!.params).toEqual(['BTCUSDT']);
    });

    it('returns null when the symbol has no candles yet', async () => {
      const { sql } = fakeSql([{ open_time: null }]);
      expect(await createPostgresSink(sql).backfillFrom('BTCUSDT')).toBeNull();
    });
  });
});

describe('createStreamLease', () => {
  it('claims with the stream, the holder and the TTL in seconds, and reports the answer', async () => {
    const { sql, queries } = fakeSql([{ ok: true }], [{ ok: false }]);
    const lease = createStreamLease(sql, 'exchange-stream', 'holder-1');
    expect(await lease.claim(60)).toBe(true);
    expect(await lease.claim(60)).toBe(false);
    expect(queries[0]!.query).toContain('public.claim_stream_lease($1, $2, make_interval(secs => $3))');
    expect(queries[0]!.params).toEqual(['exchange-stream', 'holder-1', 60]);
  });

  it('releases with the stream and the holder', async () => {
    const { sql, queries } = fakeSql([{ ok: true }]);
    expect(await createStreamLease(sql, 'exchange-stream', 'holder-1').release()).toBe(true);
    expect(queries[0]!.query).toContain('public.release_stream_lease($1, $2)');
    expect(queries[0]!.params).toEqual(['exchange-stream', 'holder-1']);
  });

  it.each([
    ['no row', []],
    ['a null answer', [{ ok: null }]],
    ['a truthy non-boolean', [{ ok: 't' }]],
  ])('counts %s as not holding the lease', async (_what, rows) => {
    const { sql } = fakeSql(rows);
    const lease = createStreamLease(sql, 'exchange-stream', 'holder-1');
    expect(await lease.claim(60)).toBe(false);
  });
});
