import { afterAll, expect, it } from 'vitest';
import { connectReadOnly } from './db.ts';
import { describeWithDatabase, testDatabaseUrl } from './test-database.ts';

describeWithDatabase('connectReadOnly', () => {
  const sql = connectReadOnly(testDatabaseUrl ?? '');
  afterAll(() => sql.end());

  it('runs as anon in read-only transactions', async () => {
    const [row] = await sql<{ role: string; read_only: string }[]>`select current_user as role, current_setting('transaction_read_only') as read_only`;
    expect(row).toEqual({ role: 'anon', read_only: 'on' });
  });

  it('is refused an insert into the candles', async () => {
    const insert = sql`insert into public.live_candles_1m (symbol, "timestamp", "open", high, low, "close", volume, quote_volume, trades, event_time)
      values ('ZZREFUSED', date_trunc('minute', now()), 1, 1, 1, 1, 0, 0, 0, now())`;
    await expect(insert).rejects.toMatchObject({ code: '25006' });
  });

  it('is refused ingest_klines even outside a read-only transaction', async () => {
    const call = sql.unsafe(`set transaction read write; select public.ingest_klines('[]'::jsonb)`);
    await expect(call).rejects.toHaveProperty('code');
  });

  it('can read candles through get_candles', async () => {
    const rows = await sql`select * from public.get_candles('BTCUSDT', '1m', null, 1)`;
    expect(Array.isArray(rows)).toBe(true);
  });
});
