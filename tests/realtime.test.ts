// The Realtime stand-in with everything real: logical replication from the test database, Postgres
// deciding visibility per role, and the unmodified supabase-js client (transport `ws`, as on Node 20).
import { createClient, type RealtimeChannel, type SupabaseClient } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGateway, type Gateway } from '../local/gateway.ts';
import { startRealtime, type RealtimeServer } from '../local/realtime/server.ts';
import { buildKlineEvent, MINUTE_MS } from '../supabase/functions/_shared/kline-event.ts';
import { connectTestDatabase, describeWithDatabase, testDatabaseUrl } from './support/database.ts';

const SECRET = `realtime-integration-${Math.random().toString(36).slice(2)}-secret-padding`;
type Change = { eventType: string; new: Record<string, unknown>; old: Record<string, unknown> };

describeWithDatabase('Realtime stand-in with real Postgres and the unmodified supabase-js', () => {
  const sql = connectTestDatabase();
  let gateway: Gateway;
  let realtime: RealtimeServer;
  const clients: SupabaseClient[] = [];

  beforeAll(async () => {
    await sql`do $$ begin if not exists (select 1 from pg_roles where rolname = 'rt_no_select') then create role rt_no_select nologin; end if; end $$`;
    await sql`grant usage on schema public to rt_no_select`;
    // Reruns against a kept database start from fresh rows (deleting before anyone subscribes).
    await sql`delete from public.live_candles_1m where symbol like 'RT%USDT'`;
    ({ gateway, realtime } = await startStack(0));
  });
  afterAll(async () => {
    for (const client of clients) await client.removeAllChannels();
    await realtime.stop();
    await gateway.close();
    await sql.end();
  });

  const startStack = async (port: number) => {
    const gw = await startGateway({ port, portVariable: 'API_PORT', functionNames: () => [], functionPort: () => undefined, health: () => ({}), log: () => {} });
    return { gateway: gw, realtime: await startRealtime({ gateway: gw, databaseUrl: testDatabaseUrl!, jwtSecret: SECRET, log: () => {} }) };
  };
  const client = async (role = 'anon', options: { vsn?: string } = {}) => {
    const key = await sign({ role });
    const made = createClient(gateway.url, key, { realtime: { transport: WebSocket as never, ...(options.vsn ? { vsn: options.vsn } : {}) } });
    clients.push(made);
    return made;
  };

  it('delivers an INSERT then an UPDATE ingested through ingest_klines, numbers as numbers', async () => {
    const changes = await subscribeAndCollect(await client(), 'symbol=eq.RTINSERTUSDT');
    const minute = currentMinute();
    await ingest('RTINSERTUSDT', minute, 1, '100.5', false);
    await ingest('RTINSERTUSDT', minute, 2, '101.25', true);
    await waitFor(() => changes.length >= 2);
    expect(changes.map((c) => c.eventType)).toEqual(['INSERT', 'UPDATE']);
    expect(changes[1]!.new).toMatchObject({ symbol: 'RTINSERTUSDT', close: 101.25, is_closed: true, trades: 2 });
    expect(typeof changes[1]!.new.volume).toBe('number');
    expect(changes[1]!.old).toMatchObject({ symbol: 'RTINSERTUSDT' });
  });

  it('delivers exactly the rows matching eq, in and neq filters', async () => {
    const supabase = await client();
    const eq = await subscribeAndCollect(supabase, 'symbol=eq.RTFILTERAUSDT', 'eq');
    const within = await subscribeAndCollect(supabase, 'symbol=in.(RTFILTERAUSDT,RTFILTERBUSDT)', 'in');
    const notA = await subscribeAndCollect(supabase, 'symbol=neq.RTFILTERAUSDT', 'neq');
    const minute = currentMinute();
    for (const symbol of ['RTFILTERAUSDT', 'RTFILTERBUSDT', 'RTFILTERCUSDT']) await ingest(symbol, minute, 1, '50', false);
    await waitFor(() => eq.length >= 1 && within.length >= 2 && notA.some((c) => c.new.symbol === 'RTFILTERCUSDT')).catch((e) => {
      throw new Error(`${e.message}: eq ${JSON.stringify(eq.map((c) => c.new.symbol))} in ${JSON.stringify(within.map((c) => c.new.symbol))} neq ${JSON.stringify(notA.map((c) => c.new.symbol))}`);
    });
    await sleep(300);
    expect(eq.map((c) => c.new.symbol)).toEqual(['RTFILTERAUSDT']);
    expect(within.map((c) => c.new.symbol).sort()).toEqual(['RTFILTERAUSDT', 'RTFILTERBUSDT']);
    const notASymbols = notA.map((c) => c.new.symbol);
    expect(notASymbols).toContain('RTFILTERBUSDT');
    expect(notASymbols).not.toContain('RTFILTERAUSDT');
  });

  it('refuses, from the real catalog, a filter column or a table that does not exist', async () => {
    const supabase = await client();
    const refusals = await Promise.all([
      ['live_candles_1m', 'symbl=eq.RTTYPOUSDT'],
      ['live_candles_5m', 'symbol=eq.RTTYPOUSDT'],
    ].map(([table, filter]) => new Promise<string>((resolve) => {
      supabase.channel(`refused-${table}`)
        .on('postgres_changes' as never, { event: '*', schema: 'public', table, filter }, () => {})
        .on('system', {}, (payload: { status: string; message: string }) => payload.status === 'error' && resolve(payload.message))
        .subscribe();
    })));
    expect(refusals[0]).toContain('invalid column for filter symbl');
    expect(refusals[1]).toContain('relation "public.live_candles_5m" does not exist');
  });

  it('gives an INSERT-only binding no updates', async () => {
    const inserts = await subscribeAndCollect(await client(), 'symbol=eq.RTONLYINSUSDT', 'inserts', 'INSERT');
    const minute = currentMinute();
    await ingest('RTONLYINSUSDT', minute, 1, '10', false);
    await ingest('RTONLYINSUSDT', minute, 2, '11', false);
    await ingest('RTONLYINSUSDT', minute, 3, '12', true);
    await waitFor(() => inserts.length >= 1);
    await sleep(500);
    expect(inserts.map((c) => c.eventType)).toEqual(['INSERT']);
  });

  it('works for a vsn 1.0.0 client', async () => {
    const changes = await subscribeAndCollect(await client('anon', { vsn: '1.0.0' }), 'symbol=eq.RTVSN1USDT');
    await ingest('RTVSN1USDT', currentMinute(), 1, '7.5', false);
    await waitFor(() => changes.length >= 1);
    expect(changes[0]!.new.close).toBe(7.5);
  });

  it('never emits for a table outside the supabase_realtime publication', async () => {
    const supabase = await client('service_role');
    const seen: unknown[] = [];
    await subscribed(supabase.channel('status-table').on('postgres_changes', { event: '*', schema: 'public', table: 'stream_status' }, (p) => seen.push(p)));
    await ingest('RTNOPUBUSDT', currentMinute(), 1, '3', false);
    await sleep(1_000);
    expect(seen).toEqual([]);
  });

  it('sends nothing to a role that may not select the table', async () => {
    const changes = await subscribeAndCollect(await client('rt_no_select'), 'symbol=eq.RTNOSELECTUSDT');
    const control = await subscribeAndCollect(await client(), 'symbol=eq.RTNOSELECTUSDT', 'control');
    await ingest('RTNOSELECTUSDT', currentMinute(), 1, '4', false);
    await waitFor(() => control.length >= 1);
    await sleep(300);
    expect(changes).toEqual([]);
  });

  it('refuses a token signed with another secret: the channel errors and never subscribes', async () => {
    const forged = await new SignJWT({ role: 'anon' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode('not-the-secret-of-this-stack-000000'));
    const supabase = createClient(gateway.url, forged, { realtime: { transport: WebSocket as never } });
    clients.push(supabase);
    const statuses: string[] = [];
    supabase.channel('forged').on('postgres_changes', { event: '*', schema: 'public', table: 'live_candles_1m' }, () => {}).subscribe((status) => statuses.push(status));
    await waitFor(() => statuses.length > 0);
    await sleep(300);
    expect(statuses).not.toContain('SUBSCRIBED');
    expect(statuses[0]).toBe('CHANNEL_ERROR');
  });

  it('after the gateway restarts, the client rejoins by itself and receives later changes', async () => {
    const supabase = await client();
    const statuses: string[] = [];
    const changes: Change[] = [];
    supabase
      .channel('restart')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'live_candles_1m', filter: 'symbol=eq.RTRESTARTUSDT' }, (p) => changes.push(p as unknown as Change))
      .subscribe((status) => statuses.push(status));
    await waitFor(() => statuses.includes('SUBSCRIBED'));
    const port = gateway.port;
    await realtime.stop();
    await gateway.close();
    await waitFor(() => statuses.includes('CHANNEL_ERROR'));
    ({ gateway, realtime } = await startStack(port));
    await waitFor(() => statuses.lastIndexOf('SUBSCRIBED') > statuses.indexOf('CHANNEL_ERROR'), 20_000);
    await ingest('RTRESTARTUSDT', currentMinute(), 1, '9', false);
    await waitFor(() => changes.length >= 1);
    expect(changes[0]!.new.symbol).toBe('RTRESTARTUSDT');
  }, 40_000);

  async function ingest(symbol: string, minute: number, n: number, close: string, closed: boolean): Promise<void> {
    const event = buildKlineEvent({
      symbol, openTime: minute, eventTime: minute + n, open: close, high: close, low: close, close,
      volume: String(n), quoteVolume: String(n * 10), trades: n, closed,
    });
    await sql`select public.ingest_klines(${JSON.stringify(event)}::text::jsonb)`;
  }
});

async function subscribeAndCollect(supabase: SupabaseClient, filter: string, name = 'candles', event: '*' | 'INSERT' = '*'): Promise<Change[]> {
  const changes: Change[] = [];
  const channel = supabase.channel(`${name}-${filter}`).on(
    'postgres_changes' as never,
    { event, schema: 'public', table: 'live_candles_1m', filter },
    (payload: unknown) => changes.push(payload as Change),
  );
  await subscribed(channel);
  return changes;
}

function subscribed(channel: RealtimeChannel): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') resolve();
      else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(new Error(`${status}: ${error?.message ?? ''}`));
    });
  });
}

function sign(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
}

/** A minute a little in the past, so every test's events are valid and distinct per symbol. */
function currentMinute(): number {
  return Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - MINUTE_MS;
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
