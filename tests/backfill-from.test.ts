// Where a backfill starts, asked of the real table: a candle left open by a dropped connection is
// fetched again even when the next candle's first updates are already stored.
import { afterAll, expect, it } from 'vitest';
import { buildKlineEvent, MINUTE_MS } from '../supabase/functions/_shared/kline-event.ts';
import { createPostgresSink } from '../supabase/functions/_shared/postgres-sink.ts';
import { connectTestDatabase, describeWithDatabase } from './support/database.ts';

const SYMBOL = 'BFFROMUSDT';

describeWithDatabase('postgres sink backfillFrom on public.live_candles_1m', () => {
  const sql = connectTestDatabase();
  const sink = createPostgresSink(sql);
  const now = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  afterAll(async () => {
    await sql`delete from public.live_candles_1m where symbol = ${SYMBOL}`;
    await sql.end();
  });

  /** Stores one candle as the stream would have: closed or still open at its last update. */
  const store = (openTime: number, closed: boolean) => sink.ingest(JSON.stringify([buildKlineEvent({
    symbol: SYMBOL, openTime, eventTime: openTime + (closed ? MINUTE_MS - 1 : 30_000), closed,
    open: '100', high: '101', low: '99', close: '100.5', volume: '1', quoteVolume: '100', trades: 3,
  })]));

  it('is null for a symbol with no candles', async () => {
    await sql`delete from public.live_candles_1m where symbol = ${SYMBOL}`;
    expect(await sink.backfillFrom(SYMBOL)).toBeNull();
  });

  it('starts at the newest candle when every older one is closed', async () => {
    await store(now - 3 * MINUTE_MS, true);
    await store(now - 2 * MINUTE_MS, true);
    await store(now - MINUTE_MS, false);
    expect(await sink.backfillFrom(SYMBOL)).toBe(now - MINUTE_MS);
  });

  it('starts at an older candle a dropped connection left open, though a newer one is stored', async () => {
    await store(now, false);
    expect(await sink.backfillFrom(SYMBOL)).toBe(now - MINUTE_MS);
  });

  it('ignores a candle left open more than a day before the newest', async () => {
    await sql`delete from public.live_candles_1m where symbol = ${SYMBOL}`;
    await store(now - 2 * 1440 * MINUTE_MS, false);
    await store(now - MINUTE_MS, true);
    await store(now, false);
    expect(await sink.backfillFrom(SYMBOL)).toBe(now);
  });
});
