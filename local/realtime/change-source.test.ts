import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgresClient from 'postgres';
import type postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildKlineEvent, MINUTE_MS } from '../../supabase/functions/_shared/kline-event.ts';
import { connectTestDatabase, describeWithDatabase, testDatabaseUrl } from '../../tests/support/database.ts';
import { waitFor } from '../exchange/test-client.ts';
import { findPostgres } from '../postgres/binaries.ts';
import { ensureCluster } from '../postgres/cluster.ts';
import { startEphemeralCluster, type EphemeralCluster } from '../postgres/ephemeral-cluster.ts';
import { SLOT_PREFIX, startChangeSource, type JsonValue, type RowChange } from './change-source.ts';

// Names of this run only: the test database is shared with suites running in parallel.
const RUN = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
const SYMBOL = `CSRT${RUN}`;
const SCHEMA = `change_source_test_${RUN}`;
const PUBLICATION = `change_source_test_${RUN}`;

const CANDLE_COLUMNS = [
  { name: 'symbol', type: 'text' },
  { name: 'timestamp', type: 'timestamptz' },
  { name: 'open', type: 'numeric' },
  { name: 'high', type: 'numeric' },
  { name: 'low', type: 'numeric' },
  { name: 'close', type: 'numeric' },
  { name: 'volume', type: 'numeric' },
  { name: 'quote_volume', type: 'numeric' },
  { name: 'trades', type: 'int4' },
  { name: 'is_closed', type: 'bool' },
  { name: 'event_time', type: 'timestamptz' },
  { name: 'ingested_at', type: 'timestamptz' },
];

interface Running {
  changes: RowChange[];
  statuses: string[];
  logs: string[];
  stop(): Promise<void>;
}

describeWithDatabase('startChangeSource', () => {
  let sql: postgres.Sql;
  const running: Running[] = [];
  // A whole minute in the past, so every event time below is after the open and before now + 5 min.
  const openTime = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 2 * MINUTE_MS;

  beforeAll(async () => {
    sql = connectTestDatabase();
    await sql.unsafe(`create schema ${SCHEMA}`);
    await sql.unsafe(`create table ${SCHEMA}.outside (id int primary key, note text)`);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((source) => source.stop()));
  });
  afterAll(async () => {
    await sql.unsafe(`drop publication if exists ${PUBLICATION}`);
    await sql.unsafe(`drop schema if exists ${SCHEMA} cascade`);
    await sql`delete from public.live_candles_1m where symbol like ${`${SYMBOL}%`}`;
    await sql`delete from public.stream_status where symbol like ${`${SYMBOL}%`}`;
    await sql`delete from public.ingest_rejects where event ->> 's' like ${`${SYMBOL}%`}`;
    await sql.end();
  });

  async function start(publication?: string): Promise<Running> {
    const changes: RowChange[] = [];
    const statuses: string[] = [];
    const logs: string[] = [];
    const source = await startChangeSource({
      databaseUrl: testDatabaseUrl!,
      ...(publication ? { publication } : {}),
      onChange: (change) => changes.push(change),
      onStatus: (status) => statuses.push(status),
      log: (line) => logs.push(line),
    });
    const handle = { changes, statuses, logs, stop: () => source.stop() };
    running.push(handle);
    return handle;
  }

  async function ingest(symbol: string, eventOffsetMs: number, closed: boolean, close = '100.75'): Promise<void> {
    const event = buildKlineEvent({
      symbol, openTime, eventTime: openTime + eventOffsetMs, open: '100.5', high: '101', low: '99.25', close,
      volume: '12.3456', quoteVolume: '1234.5', trades: 7 + eventOffsetMs, closed,
    });
    await sql`select public.ingest_klines(${JSON.stringify(event)}::text::jsonb)`;
  }

  function candleChanges(source: Running, symbol: string): RowChange[] {
    return source.changes.filter((c) => c.table === 'live_candles_1m' && (c.record ?? c.oldRecord)?.symbol === symbol);
  }

  /** The row as realtime.cast would type it: to_jsonb of each value. */
  async function asToJsonb(query: string): Promise<Record<string, JsonValue>> {
    const text = await sql.begin(async (tx) => {
      await tx`set local timezone = 'UTC'`;
      const [row] = await tx.unsafe<Array<{ row: string }>>(`select to_jsonb(t)::text as row from (${query}) t`);
      return row!.row;
    });
    return JSON.parse(text) as Record<string, JsonValue>;
  }

  describe('on public.live_candles_1m through ingest_klines', () => {
    const symbol = `${SYMBOL}A`;
    const openIso = () => new Date(openTime).toISOString().replace('.000Z', '+00:00');

    it('delivers an insert, then an update, with typed values, typnames and the key as old record', async () => {
      const source = await start();
      const before = Date.now();
      await ingest(symbol, 1_000, false);
      const inserted = await asToJsonb(`select ingested_at from public.live_candles_1m where symbol = '${symbol}'`);
      await ingest(symbol, 59_999, true, '100.25');
      const updated = await asToJsonb(`select ingested_at from public.live_candles_1m where symbol = '${symbol}'`);

      const [insert, update] = await waitFor('two candle changes', () => candleChanges(source, symbol).length >= 2 && candleChanges(source, symbol));
      const key = [{ name: 'symbol', value: symbol }, { name: 'timestamp', value: new Date(openTime).toISOString().replace('T', ' ').replace('.000Z', '+00') }];
      expect(insert).toEqual({
        schema: 'public', table: 'live_candles_1m', type: 'INSERT', commitTimestamp: expect.any(String), columns: CANDLE_COLUMNS,
        record: {
          symbol, timestamp: openIso(), open: 100.5, high: 101, low: 99.25, close: 100.75, volume: 12.3456, quote_volume: 1234.5,
          trades: 1007, is_closed: false, event_time: new Date(openTime + 1_000).toISOString().replace('.000Z', '+00:00'),
          ingested_at: inserted.ingested_at!,
        },
        key,
      });
      expect(update).toEqual({
        schema: 'public', table: 'live_candles_1m', type: 'UPDATE', commitTimestamp: expect.any(String), columns: CANDLE_COLUMNS,
        record: {
          symbol, timestamp: openIso(), open: 100.5, high: 101, low: 99.25, close: 100.25, volume: 12.3456, quote_volume: 1234.5,
          trades: 60006, is_closed: true, event_time: new Date(openTime + 59_999).toISOString().replace('Z', '+00:00'),
          ingested_at: updated.ingested_at!,
        },
        oldRecord: { symbol, timestamp: openIso() },
        key,
      });
      for (const change of [insert!, update!]) {
        expect(change.commitTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(Date.parse(change.commitTimestamp)).toBeGreaterThanOrEqual(before - 1_000);
        expect(Date.parse(change.commitTimestamp)).toBeLessThanOrEqual(Date.now() + 1_000);
      }
      expect(Date.parse(update!.commitTimestamp)).toBeGreaterThanOrEqual(Date.parse(insert!.commitTimestamp));
    });

    it('gives a delete only the old key', async () => {
      const source = await start();
      const doomed = `${SYMBOL}H`;
      await ingest(doomed, 1_000, false);
      await sql`delete from public.live_candles_1m where symbol = ${doomed}`;
      const [, deleted] = await waitFor('the delete', () => candleChanges(source, doomed).length >= 2 && candleChanges(source, doomed));
      expect(deleted).toMatchObject({ type: 'DELETE', columns: CANDLE_COLUMNS, oldRecord: { symbol: doomed, timestamp: openIso() } });
      expect(Object.keys(deleted!.oldRecord!)).toEqual(['symbol', 'timestamp']);
      expect(deleted!.record).toBeUndefined();
      expect(deleted!.key.map((k) => k.name)).toEqual(['symbol', 'timestamp']);
    });

    it('delivers changes in commit order', async () => {
      const source = await start();
      const symbols = [`${SYMBOL}B`, `${SYMBOL}C`, `${SYMBOL}D`];
      for (const s of symbols) await ingest(s, 1_000, false);
      await ingest(symbols[0]!, 2_000, false);
      const mine = () => source.changes.filter((c) => symbols.includes(String(c.record?.symbol)));
      await waitFor('four changes', () => mine().length >= 4);
      expect(mine().map((c) => `${c.type} ${String(c.record?.symbol)}`)).toEqual([
        `INSERT ${symbols[0]}`, `INSERT ${symbols[1]}`, `INSERT ${symbols[2]}`, `UPDATE ${symbols[0]}`,
      ]);
    });
  });

  it('never emits changes of tables outside the publication', async () => {
    const source = await start();
    const symbol = `${SYMBOL}E`;
    await sql.unsafe(`insert into ${SCHEMA}.outside values (1, 'not published')`);
    // A symbol mismatch is rejected: ingest_klines writes public.ingest_rejects (and stream_status).
    const event = buildKlineEvent({
      symbol, openTime, eventTime: openTime + 1, open: '1', high: '1', low: '1', close: '1', volume: '0', quoteVolume: '0', trades: 0, closed: false,
    });
    await sql`select public.ingest_klines(${JSON.stringify({ ...event, k: { ...event.k, s: 'OTHER' } })}::text::jsonb)`;
    await ingest(symbol, 1_000, false); // the sentinel: every earlier commit is delivered before it
    await waitFor('the sentinel', () => candleChanges(source, symbol).length >= 1);
    expect(source.changes.filter((c) => c.table !== 'live_candles_1m')).toEqual([]);
  });

  it('does not replay changes committed before it started', async () => {
    const symbol = `${SYMBOL}F`;
    await ingest(symbol, 1_000, false);
    const source = await start();
    await ingest(symbol, 2_000, false);
    await waitFor('the later update', () => candleChanges(source, symbol).length >= 1);
    expect(candleChanges(source, symbol).map((c) => c.type)).toEqual(['UPDATE']);
  });

  describe('with a publication of its own', () => {
    beforeAll(async () => {
      await sql.unsafe(`create publication ${PUBLICATION}`);
    });

    it('types every value as to_jsonb does, for types created after it started', async () => {
      const source = await start(PUBLICATION);
      await sql.unsafe(`
        create type ${SCHEMA}.mood as enum ('calm', 'wild');
        create domain ${SCHEMA}.price as numeric check (value > 0);
        create table ${SCHEMA}.typed (
          id int8 primary key, small int2, whole int4, real4 float4, real8 float8, exact numeric, flag bool,
          label text, code varchar(8), doc json, docb jsonb, day date, local timestamp, moment timestamptz,
          clock time, clock_tz timetz, span interval, uid uuid, raw bytea, ints int4[], texts text[], docs jsonb[],
          grid numeric[], flags bool[], moments timestamptz[], boxes box[], cash money, ref oid, addr inet,
          spot point, mood ${SCHEMA}.mood, price ${SCHEMA}.price, "Mixed Case" text
        );
        alter publication ${PUBLICATION} add table ${SCHEMA}.typed;`);
      await sql.unsafe(`
        insert into ${SCHEMA}.typed values
          (9007199254740993, -32768, 2147483647, 0.1, 1e-7, 67000.123456789012345678, true,
           'héllo "quoted"', 'abc', '{"a": [1, 2.5, null]}', '{"b": {"c": true}}', '2025-01-01', '2025-01-01 12:34:00.5',
           '2025-01-01 12:34:00.123456+00', '12:34:56', '12:34:56+05:30', '1 day 02:00:00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
           '\\x0102ff', '{1,NULL,3}', '{"a b","c\\"d",NULL,"NULL",""}', '{"{\\"k\\": 1}"}', '{{1.5,NaN},{-2,3}}',
           '{t,f}', '{"2025-01-01 00:00:00+00","infinity"}', '{(1,1),(0,0);(2,2),(1,1)}', 12.5, 42, '10.0.0.1/8',
           '(1.5,2)', 'wild', 3.25, 'mixed'),
          (2, null, null, 'NaN', '-Infinity', 'NaN', false, '', null, 'null', '[]', '0044-03-15 BC', '0044-03-15 12:00 BC',
           '0044-03-15 12:00+00 BC', null, null, null, null, null, '{}', '{}', '{}', '[0:1]={7,8}', null, '{"1850-06-01 00:00:00+00"}',
           null, null, null, null, null, 'calm', null, null),
          (3, 0, 0, 0, 0, 1e20, null, null, null, null, null, 'infinity', '-infinity', '-infinity', null, null, null, null, null,
           null, null, null, null, null, null, null, null, null, null, null, null, null, null)`);
      const typed = () => source.changes.filter((c) => c.table === 'typed');
      await waitFor('three typed inserts', () => typed().length >= 3);
      for (const change of typed()) {
        const id = String(change.record!.id === 9007199254740992 ? '9007199254740993' : change.record!.id);
        expect(change.record).toEqual(await asToJsonb(`select * from ${SCHEMA}.typed where id = ${id}`));
      }
      expect(typed()[0]!.columns.map((c) => c.type)).toEqual([
        'int8', 'int2', 'int4', 'float4', 'float8', 'numeric', 'bool', 'text', 'varchar', 'json', 'jsonb', 'date', 'timestamp',
        'timestamptz', 'time', 'timetz', 'interval', 'uuid', 'bytea', '_int4', '_text', '_jsonb', '_numeric', '_bool',
        '_timestamptz', '_box', 'money', 'oid', 'inet', 'point', 'mood', 'price', 'text',
      ]);
      expect(typed()[0]!.key).toEqual([{ name: 'id', value: '9007199254740993' }]);
    });

    it('gives the full old row under REPLICA IDENTITY FULL and the old key when the key changes', async () => {
      const source = await start(PUBLICATION);
      await sql.unsafe(`
        create table ${SCHEMA}.notes (id int primary key, body text, stars int);
        create table ${SCHEMA}.ledger (id int primary key, amount numeric);
        alter table ${SCHEMA}.ledger replica identity full;
        alter publication ${PUBLICATION} add table ${SCHEMA}.notes, ${SCHEMA}.ledger;
        insert into ${SCHEMA}.notes values (1, 'first', 1);
        insert into ${SCHEMA}.ledger values (1, 10.5);
        update ${SCHEMA}.notes set id = 2, stars = 2 where id = 1;
        update ${SCHEMA}.ledger set amount = 11 where id = 1;
        delete from ${SCHEMA}.ledger where id = 1;`);
      const updates = () => source.changes.filter((c) => c.type !== 'INSERT' && (c.table === 'notes' || c.table === 'ledger'));
      await waitFor('three changes', () => updates().length >= 3);
      expect(updates().map(({ table, type, record, oldRecord, key }) => ({ table, type, record, oldRecord, key }))).toEqual([
        { table: 'notes', type: 'UPDATE', record: { id: 2, body: 'first', stars: 2 }, oldRecord: { id: 1 }, key: [{ name: 'id', value: '2' }] },
        { table: 'ledger', type: 'UPDATE', record: { id: 1, amount: 11 }, oldRecord: { id: 1, amount: 10.5 }, key: [{ name: 'id', value: '1' }] },
        { table: 'ledger', type: 'DELETE', record: undefined, oldRecord: { id: 1, amount: 11 }, key: [{ name: 'id', value: '1' }] },
      ]);
    });

    it('leaves an unchanged TOASTed value out of an update, as Postgres does not send it', async () => {
      const source = await start(PUBLICATION);
      await sql.unsafe(`
        create table ${SCHEMA}.documents (id int primary key, body text, version int);
        alter publication ${PUBLICATION} add table ${SCHEMA}.documents;
        insert into ${SCHEMA}.documents select 1, string_agg(md5(i::text), ''), 1 from generate_series(1, 500) i;
        update ${SCHEMA}.documents set version = 2 where id = 1;`);
      const documents = () => source.changes.filter((c) => c.table === 'documents');
      await waitFor('insert and update', () => documents().length >= 2);
      expect(String(documents()[0]!.record!.body)).toHaveLength(16_000);
      expect(documents()[1]!.record).toEqual({ id: 1, version: 2 });
    });
  });

  it('reports the loss of replication, reconnects with backoff and keeps delivering', async () => {
    const source = await start();
    const symbol = `${SYMBOL}G`;
    const [walsender] = await sql<Array<{ pid: number }>>`
      select active_pid as pid from pg_replication_slots where slot_name like ${`${SLOT_PREFIX}%`} and active_pid is not null`;
    await sql`select pg_terminate_backend(${walsender!.pid}::int)`;
    await waitFor('a new connection', () => source.statuses.filter((s) => s === 'connected').length >= 2, 15_000);
    expect(source.statuses.slice(0, 3)).toEqual(['connected', 'lost', 'reconnecting']);
    expect(source.statuses.at(-1)).toBe('connected');
    await ingest(symbol, 1_000, false);
    await waitFor('a change after the reconnect', () => candleChanges(source, symbol).length >= 1);
    expect(candleChanges(source, symbol)[0]!.record!.trades).toBe(1007);
  });

  it('leaves no replication slot behind after stop', async () => {
    const mine = () => sql`select slot_name, temporary from pg_replication_slots where slot_name like ${`${SLOT_PREFIX}%`}`;
    const source = await start();
    expect(await mine()).toEqual([expect.objectContaining({ temporary: true })]);
    await source.stop();
    expect(await mine()).toEqual([]);
  });

  it('refuses to start on a publication that does not exist', async () => {
    await expect(start(`missing_${RUN}`)).rejects.toMatchObject({ code: 'PUBLICATION_NOT_FOUND' });
  });
});

const found = findPostgres();
const describeWithServer = testDatabaseUrl && 'install' in found ? describe : describe.skip;

describeWithServer('startChangeSource across a server restart', () => {
  let cluster: EphemeralCluster;

  beforeAll(async () => {
    if (!('install' in found)) return;
    cluster = await startEphemeralCluster(found.install, { durable: false });
    const sql = connectTestDatabaseAt(cluster.url);
    await sql.unsafe(`create table public.ticks (id int primary key); create publication restart_test for table public.ticks`);
    await sql.end();
  });
  afterAll(() => cluster?.dispose());

  it('reports the loss, retries with backoff until the server is back, and keeps delivering', async () => {
    if (!('install' in found)) return;
    const changes: RowChange[] = [];
    const statuses: string[] = [];
    const source = await startChangeSource({
      databaseUrl: cluster.url, publication: 'restart_test', onChange: (c) => changes.push(c), onStatus: (s) => statuses.push(s), log: () => {},
    });
    try {
      // Not stopCluster: pg_ctl -w would block this process, and a shutting-down walsender waits for
      // the client to confirm what it was sent.
      const postmaster = Number(readFileSync(join(cluster.spec.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(postmaster, 'SIGINT'); // fast shutdown
      await waitFor('the loss', () => statuses.includes('lost'));
      await waitFor('the server to exit', () => !isAlive(postmaster), 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // refused attempts meanwhile
      await ensureCluster(found.install, cluster.spec);
      await waitFor('a new connection', () => statuses.filter((s) => s === 'connected').length >= 2, 20_000);
      expect(statuses.slice(0, 3)).toEqual(['connected', 'lost', 'reconnecting']);
      expect(statuses.filter((s) => s === 'reconnecting').length).toBeGreaterThanOrEqual(2);
      const sql = connectTestDatabaseAt(cluster.url);
      await sql`insert into public.ticks values (1)`;
      await sql.end();
      await waitFor('the insert after the restart', () => changes.length >= 1);
      expect(changes[0]).toMatchObject({ table: 'ticks', type: 'INSERT', record: { id: 1 } });
    } finally {
      await source.stop();
    }
  });
});

function connectTestDatabaseAt(url: string): postgres.Sql {
  return postgresClient(url, { max: 1, onnotice: () => {} });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
