import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKlineEvent, MINUTE_MS } from '../../supabase/functions/_shared/kline-event.ts';
import { connectTestDatabase, describeWithDatabase, testDatabaseUrl } from '../../tests/support/database.ts';
import { createAuthorizer, type Authorizer, type Viewer } from './authorizer.ts';
import type { RowChange } from './change-source.ts';

// Names of this run only: the test database is shared with suites running in parallel.
const RUN = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
const SYMBOL = `CSAZ${RUN}`;
const SCHEMA = `authorizer_test_${RUN}`;
const AUDITOR = `authorizer_test_${RUN}_auditor`;
const ALICE = '0a6f1b2c-0000-4000-8000-00000000a11c';
const BOB = '0b0b0b0b-0000-4000-8000-000000000b0b';

const anon: Viewer = { role: 'anon', claims: { role: 'anon' } };
const alice: Viewer = { role: 'authenticated', claims: { role: 'authenticated', sub: ALICE } };
const bob: Viewer = { role: 'authenticated', claims: { role: 'authenticated', sub: BOB } };
const serviceRole: Viewer = { role: 'service_role', claims: { role: 'service_role' } };
const auditor: Viewer = { role: AUDITOR, claims: { role: AUDITOR } };

function change(table: string, type: RowChange['type'], key: RowChange['key'], schema = SCHEMA): RowChange {
  return { schema, table, type, commitTimestamp: '2026-01-01T00:00:00.000Z', columns: [], key, ...(type === 'DELETE' ? { oldRecord: {} } : { record: {} }) };
}

describeWithDatabase('createAuthorizer', () => {
  let sql: postgres.Sql;
  let authorizer: Authorizer;
  const logs: string[] = [];
  let candleKey: RowChange['key'];

  beforeAll(async () => {
    sql = connectTestDatabase();
    await sql.unsafe(`
      create schema ${SCHEMA};
      create role ${AUDITOR} nologin;
      grant usage on schema ${SCHEMA} to anon, authenticated, service_role, ${AUDITOR};
      create table ${SCHEMA}.notes (id int primary key, owner uuid not null, body text);
      alter table ${SCHEMA}.notes enable row level security;
      create policy "Owners read their notes" on ${SCHEMA}.notes for select to authenticated using (owner = auth.uid());
      revoke all on ${SCHEMA}.notes from public;
      grant select on ${SCHEMA}.notes to authenticated, service_role;
      insert into ${SCHEMA}.notes values (1, '${ALICE}', 'for alice');
      create table ${SCHEMA}."Odd ""Table""" ("Key ""Col""" text primary key);
      grant select on ${SCHEMA}."Odd ""Table""" to anon;
      insert into ${SCHEMA}."Odd ""Table""" values ('it''s; here');`);
    const openTime = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - MINUTE_MS;
    const event = buildKlineEvent({
      symbol: SYMBOL, openTime, eventTime: openTime + 1_000, open: '1', high: '1', low: '1', close: '1',
      volume: '0', quoteVolume: '0', trades: 0, closed: false,
    });
    await sql`select public.ingest_klines(${JSON.stringify(event)}::text::jsonb)`;
    const [row] = await sql<Array<{ ts: string }>>`select "timestamp"::text as ts from public.live_candles_1m where symbol = ${SYMBOL}`;
    candleKey = [{ name: 'symbol', value: SYMBOL }, { name: 'timestamp', value: row!.ts }];
    authorizer = createAuthorizer({ databaseUrl: testDatabaseUrl!, log: (line) => logs.push(line) });
  });
  afterAll(async () => {
    await authorizer?.close();
    await sql.unsafe(`drop schema if exists ${SCHEMA} cascade; drop role if exists ${AUDITOR}`);
    await sql`delete from public.live_candles_1m where symbol = ${SYMBOL}`;
    await sql`delete from public.stream_status where symbol = ${SYMBOL}`;
    await sql.end();
  });

  describe('for an insert or update', () => {
    it('lets anon see a candle, as "Candles are readable by everyone" says', async () => {
      expect(await authorizer.visible(change('live_candles_1m', 'INSERT', candleKey, 'public'), [anon])).toEqual(new Set([0]));
    });

    it('shows a row only to the viewer whose claims.sub the policy matches', async () => {
      const visible = await authorizer.visible(change('notes', 'UPDATE', [{ name: 'id', value: '1' }]), [bob, alice]);
      expect(visible).toEqual(new Set([1]));
    });

    it('shows nothing to a role without SELECT on the table, and runs no query for it', async () => {
      const before = authorizer.queryCount();
      expect(await authorizer.visible(change('notes', 'INSERT', [{ name: 'id', value: '1' }]), [anon, auditor])).toEqual(new Set());
      expect(authorizer.queryCount()).toBe(before);
    });

    it('lets service_role see every row it may select, whatever RLS says', async () => {
      expect(await authorizer.visible(change('notes', 'INSERT', [{ name: 'id', value: '1' }]), [serviceRole])).toEqual(new Set([0]));
    });

    it('shows nothing for a row that is no longer there', async () => {
      expect(await authorizer.visible(change('notes', 'UPDATE', [{ name: 'id', value: '999' }]), [alice, serviceRole])).toEqual(new Set());
    });

    it('shows nothing to a role that does not exist', async () => {
      const ghost: Viewer = { role: `ghost_${RUN}`, claims: {} };
      expect(await authorizer.visible(change('notes', 'INSERT', [{ name: 'id', value: '1' }]), [ghost, alice])).toEqual(new Set([1]));
    });

    it('quotes identifiers and binds key values, whatever they contain', async () => {
      const key = [{ name: 'Key "Col"', value: "it's; here" }];
      expect(await authorizer.visible(change('Odd "Table"', 'INSERT', key), [anon])).toEqual(new Set([0]));
      const injected = [{ name: 'Key "Col"', value: "x' or '1'='1" }];
      expect(await authorizer.visible(change('Odd "Table"', 'INSERT', injected), [anon])).toEqual(new Set());
    });

    it('keeps a failing check to its own viewer and logs it', async () => {
      const broken: Viewer = { role: 'authenticated', claims: { role: 'authenticated', sub: 'not-a-uuid' } };
      const visible = await authorizer.visible(change('notes', 'INSERT', [{ name: 'id', value: '1' }]), [broken, alice]);
      expect(visible).toEqual(new Set([1]));
      expect(logs.some((line) => line.includes('invalid input syntax for type uuid'))).toBe(true);
    });

    it('shows nothing for a table without a primary key value', async () => {
      expect(await authorizer.visible(change('notes', 'INSERT', []), [serviceRole])).toEqual(new Set());
    });
  });

  describe('for a delete', () => {
    it('shows the old key to every role with SELECT, RLS aside, and runs no query', async () => {
      const before = authorizer.queryCount();
      const viewers = [anon, auditor, bob, serviceRole];
      const visible = await authorizer.visible(change('notes', 'DELETE', [{ name: 'id', value: '1' }]), viewers);
      expect(visible).toEqual(new Set([2, 3]));
      expect(authorizer.queryCount()).toBe(before);
    });
  });

  describe('queryCount', () => {
    it('grows by exactly the number of distinct roles per change', async () => {
      const viewers = [anon, alice, bob, serviceRole];
      const candle = change('live_candles_1m', 'UPDATE', candleKey, 'public');
      const before = authorizer.queryCount();
      expect(await authorizer.visible(candle, viewers)).toEqual(new Set([0, 1, 2, 3]));
      expect(authorizer.queryCount()).toBe(before + 3);
      await Promise.all([authorizer.visible(candle, viewers), authorizer.visible(candle, [bob])]);
      expect(authorizer.queryCount()).toBe(before + 3 + 3 + 1);
    });
  });
});
