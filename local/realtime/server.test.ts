import type { RealtimeChannel, RealtimePostgresChangesPayload, SupabaseClient } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RowChange } from './change-source.ts';
import { candleChange, closeClient, connectClient, signToken, startTestRealtime, waitFor, type TestRealtime } from './test-kit.ts';

type Change = RealtimePostgresChangesPayload<Record<string, unknown>>;

const row = (change: Change) => (change.eventType === 'DELETE' ? change.old : change.new) as Record<string, unknown>;

const TABLE = { schema: 'public', table: 'live_candles_1m' } as const;

describe('startRealtime with the unmodified supabase-js client', () => {
  let stack: TestRealtime;
  const clients: SupabaseClient[] = [];
  const client = (key = stack.anonKey, realtime: { vsn?: string } = {}) => {
    const created = connectClient(stack.url, key, realtime);
    clients.push(created);
    return created;
  };
  /** A channel on `supabase` collecting the changes that match `filter`. */
  const watch = (supabase: SupabaseClient, name: string, options: { event?: '*' | 'INSERT' | 'UPDATE' | 'DELETE'; filter?: string } = {}) => {
    const changes: Change[] = [];
    const channel = supabase.channel(name).on('postgres_changes', { event: options.event ?? '*', ...TABLE, ...(options.filter ? { filter: options.filter } : {}) } as never, (change: Change) => changes.push(change));
    return { channel, changes, symbols: () => changes.map((change) => row(change).symbol) };
  };

  beforeAll(async () => {
    stack = await startTestRealtime();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(closeClient));
    stack.authorizer.allow = () => true;
    stack.authorizer.calls.length = 0;
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('subscribes, then delivers an INSERT and an UPDATE with numbers as numbers and booleans as booleans', async () => {
    const { channel, changes } = watch(client(), 'candles');
    expect(await subscribed(channel)).toBe('SUBSCRIBED');
    stack.source.push(candleChange('INSERT'));
    stack.source.push(candleChange('UPDATE', { close: 67015.75, is_closed: true, trades: 57 }));
    await waitFor('two changes', () => changes.length === 2);
    const [insert, update] = changes as [Change, Change];
    expect(insert).toMatchObject({ eventType: 'INSERT', schema: 'public', table: 'live_candles_1m', old: {}, errors: null, commit_timestamp: '2025-01-01T12:34:05.200Z' });
    expect(insert.new).toMatchObject({ symbol: 'BTCUSDT', open: 67000.1, close: 67005.25, trades: 42, is_closed: false, timestamp: '2025-01-01T12:34:00+00:00' });
    expect(update).toMatchObject({ eventType: 'UPDATE', new: { close: 67015.75, is_closed: true, trades: 57 }, old: { symbol: 'BTCUSDT' } });
    expect(typeof row(update).close).toBe('number');
  });

  it('tells the channel "Subscribed to PostgreSQL" after a join with postgres_changes', async () => {
    const systems: unknown[] = [];
    const { channel } = watch(client(), 'system-ok');
    channel.on('system', {}, (payload) => systems.push(payload));
    await subscribed(channel);
    await waitFor('the system message', () => systems.length === 1);
    expect(systems[0]).toEqual({ extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL', channel: 'system-ok' });
  });

  it('refuses a filter on a column the table lacks: a postgres_changes system error naming it, then the channel closes', async () => {
    const systems: Array<{ extension: string; status: string; message: string }> = [];
    const statuses: string[] = [];
    const { channel } = watch(client(), 'typo', { filter: 'symbl=eq.BTCUSDT' });
    channel.on('system', {}, (payload) => systems.push(payload));
    channel.subscribe((status) => statuses.push(status));
    await waitFor('the refusal', () => systems.length === 1);
    expect(systems[0]).toMatchObject({ extension: 'postgres_changes', status: 'error' });
    expect(systems[0]!.message).toContain('invalid column for filter symbl');
    await waitFor('the channel to close', () => statuses.includes('CLOSED'));
    expect(stack.logs.some((line) => line.includes('invalid column for filter symbl'))).toBe(true);
  });

  it('delivers exactly the rows that eq, in, neq and AND-ed filters match', async () => {
    const supabase = client();
    const eq = watch(supabase, 'eq', { filter: 'symbol=eq.BTCUSDT' });
    const within = watch(supabase, 'in', { filter: 'symbol=in.(ETHUSDT,SOLUSDT)' });
    const neq = watch(supabase, 'neq', { filter: 'symbol=neq.BTCUSDT' });
    const both = watch(supabase, 'and', { filter: 'symbol=eq.BTCUSDT,close=gte.67010' });
    const all = watch(supabase, 'all');
    await Promise.all([eq, within, neq, both, all].map(({ channel }) => subscribed(channel)));
    for (const [symbol, close] of [['BTCUSDT', 67000], ['ETHUSDT', 3500], ['SOLUSDT', 150], ['BTCUSDT', 67020], ['XRPUSDT', 1]] as const) {
      stack.source.push(candleChange('INSERT', { symbol, close }));
    }
    await waitFor('every change on the unfiltered channel', () => all.changes.length === 5);
    expect(eq.symbols()).toEqual(['BTCUSDT', 'BTCUSDT']);
    expect(within.symbols()).toEqual(['ETHUSDT', 'SOLUSDT']);
    expect(neq.symbols()).toEqual(['ETHUSDT', 'SOLUSDT', 'XRPUSDT']);
    expect(both.changes.map((change) => row(change).close)).toEqual([67020]);
  });

  it('ignores updates on an INSERT-only binding, and applies a DELETE filter to the old record', async () => {
    const supabase = client();
    const inserts = watch(supabase, 'inserts', { event: 'INSERT' });
    const deletes = watch(supabase, 'deletes', { event: 'DELETE', filter: 'symbol=eq.BTCUSDT' });
    const all = watch(supabase, 'all');
    await Promise.all([inserts, deletes, all].map(({ channel }) => subscribed(channel)));
    stack.source.push(candleChange('UPDATE'));
    stack.source.push(candleChange('DELETE', { symbol: 'ETHUSDT' }));
    stack.source.push(candleChange('DELETE'));
    stack.source.push(candleChange('INSERT', { symbol: 'SOLUSDT' }));
    await waitFor('every change on the unfiltered channel', () => all.changes.length === 4);
    expect(inserts.changes.map((change) => change.eventType)).toEqual(['INSERT']);
    expect(deletes.changes).toHaveLength(1);
    expect(deletes.changes[0]).toMatchObject({ eventType: 'DELETE', new: {}, old: { symbol: 'BTCUSDT', timestamp: '2025-01-01T12:34:00+00:00' } });
  });

  it('serves two channels on one socket, each with its own changes', async () => {
    const supabase = client();
    const btc = watch(supabase, 'btc', { filter: 'symbol=eq.BTCUSDT' });
    const eth = watch(supabase, 'eth', { filter: 'symbol=eq.ETHUSDT' });
    await Promise.all([subscribed(btc.channel), subscribed(eth.channel)]);
    expect(stack.realtime.stats()).toMatchObject({ sockets: 1, channels: 2 });
    stack.source.push(candleChange('INSERT', { symbol: 'ETHUSDT' }));
    stack.source.push(candleChange('INSERT', { symbol: 'BTCUSDT' }));
    await waitFor('one change on each channel', () => btc.changes.length === 1 && eth.changes.length === 1);
    expect([btc.symbols(), eth.symbols()]).toEqual([['BTCUSDT'], ['ETHUSDT']]);
  });

  it('speaks vsn 1.0.0 JSON objects to a client that asks for it', async () => {
    const { channel, changes } = watch(client(stack.anonKey, { vsn: '1.0.0' }), 'v1');
    expect(await subscribed(channel)).toBe('SUBSCRIBED');
    stack.source.push(candleChange('INSERT', { close: 1.5 }));
    await waitFor('the change', () => changes.length === 1);
    expect(changes[0]!.new).toMatchObject({ symbol: 'BTCUSDT', close: 1.5, is_closed: false });
  });

  it('sends nothing to a role the authorizer refuses, and asks once per distinct viewer', async () => {
    stack.authorizer.allow = (change, viewer) => viewer.role === 'service_role' || change.record?.symbol === 'ETHUSDT';
    const anon = [watch(client(), 'anon-1'), watch(client(), 'anon-2')];
    const service = watch(client(stack.serviceRoleKey), 'service');
    await Promise.all([...anon, service].map(({ channel }) => subscribed(channel)));
    stack.source.push(candleChange('INSERT', { symbol: 'BTCUSDT' }));
    stack.source.push(candleChange('INSERT', { symbol: 'ETHUSDT' }));
    await waitFor('both changes for service_role', () => service.changes.length === 2);
    await waitFor('the permitted change for anon', () => anon.every(({ changes }) => changes.length === 1));
    expect(anon.map(({ symbols }) => symbols())).toEqual([['ETHUSDT'], ['ETHUSDT']]);
    expect(stack.authorizer.calls.map(({ viewers }) => viewers.map((viewer) => viewer.role).sort())).toEqual([['anon', 'service_role'], ['anon', 'service_role']]);
  });

  it.each([
    ['malformed', async () => 'not-a-jwt', 'MalformedJWT'],
    ['wrongly signed', () => signToken({ role: 'anon' }, { secret: 'another-secret-0123456789abcdef' }), 'JwtSignatureError'],
    ['expired', () => signToken({ role: 'anon' }, { expiresIn: -60 }), 'InvalidJWTToken: Token has expired'],
    ['without a role', () => signToken({ sub: 'nobody' }), 'InvalidJWTToken'],
  ])('refuses a %s key with CHANNEL_ERROR and never subscribes', async (_, makeKey, reason) => {
    const { channel, changes } = watch(client(await makeKey()), 'refused');
    const statuses: Array<[string, string | undefined]> = [];
    channel.subscribe((status, error) => statuses.push([status, error?.message]));
    await waitFor('the join error', () => statuses.length > 0);
    expect(statuses[0]![0]).toBe('CHANNEL_ERROR');
    expect(statuses[0]![1]).toContain(reason);
    stack.source.push(candleChange('INSERT'));
    expect(stack.realtime.stats().channels).toBe(0);
    expect(changes).toEqual([]);
  });

  it('refuses a join without any token with InvalidJWTToken', async () => {
    const socket = await openRawSocket(`${stack.url.replace('http', 'ws')}/realtime/v1/websocket?vsn=2.0.0`);
    socket.send(JSON.stringify(['1', '1', 'realtime:x', 'phx_join', { config: { postgres_changes: [] } }]));
    const [reply] = await nextFrames(socket, 1);
    expect(reply).toMatchObject(['1', '1', 'realtime:x', 'phx_reply', { status: 'error', response: { reason: expect.stringMatching(/^InvalidJWTToken: /) } }]);
    socket.close();
  });

  it('re-verifies a refreshed access token: a bad one gets a system error and closes the channel', async () => {
    const supabase = client();
    const { channel } = watch(supabase, 'refresh');
    const systems: unknown[] = [];
    const statuses: string[] = [];
    channel.on('system', {}, (payload) => systems.push(payload));
    channel.subscribe((status) => statuses.push(status));
    await waitFor('SUBSCRIBED', () => statuses.includes('SUBSCRIBED'));
    await supabase.realtime.setAuth('not-a-jwt');
    await waitFor('CLOSED', () => statuses.includes('CLOSED'));
    expect(systems).toContainEqual({ extension: 'system', status: 'error', message: 'MalformedJWT: The token provided is not a valid JWT', channel: 'refresh' });
    expect(stack.realtime.stats().channels).toBe(0);
  });

  it('authorizes with the refreshed token once it verifies', async () => {
    const supabase = client();
    const { channel, changes } = watch(supabase, 'upgrade');
    await subscribed(channel);
    await supabase.realtime.setAuth(stack.serviceRoleKey);
    await waitFor('the new role', () => {
      stack.source.push(candleChange('INSERT'));
      return stack.authorizer.calls.at(-1)?.viewers[0]?.role === 'service_role';
    });
    expect(changes.length).toBeGreaterThan(0);
  });

  it('sends each channel a system error when replication is lost, and "Subscribed" again when it is back', async () => {
    const systems: Array<{ status: string; message: string }> = [];
    const { channel } = watch(client(), 'replication');
    channel.on('system', {}, (payload) => systems.push(payload));
    await subscribed(channel);
    await waitFor('the first system message', () => systems.length === 1);
    stack.source.status('lost', 'connection terminated');
    stack.source.status('reconnecting', 'attempt 1 in 250 ms');
    stack.source.status('connected', 'streaming again');
    await waitFor('two more system messages', () => systems.length === 3);
    expect(systems.map(({ status, message }) => `${status}: ${message}`)).toEqual([
      'ok: Subscribed to PostgreSQL', 'error: ReplicationLost: connection terminated', 'ok: Subscribed to PostgreSQL',
    ]);
  });

  it('closes only the socket that sent a malformed frame or an unknown event', async () => {
    const { channel, changes } = watch(client(), 'survivor');
    await subscribed(channel);
    const ws = stack.url.replace('http', 'ws');
    const garbled = await openRawSocket(`${ws}/realtime/v1/websocket?vsn=2.0.0&apikey=${stack.anonKey}`);
    const unknown = await openRawSocket(`${ws}/realtime/v1/websocket?vsn=2.0.0&apikey=${stack.anonKey}`);
    const closes = [closeOf(garbled), closeOf(unknown)];
    garbled.send('{not json');
    unknown.send(JSON.stringify([null, '1', 'realtime:survivor', 'shout', {}]));
    expect(await Promise.all(closes)).toEqual([
      { code: 1003, reason: expect.stringContaining('MalformedFrame') },
      { code: 1008, reason: expect.stringContaining('UnknownEvent') },
    ]);
    stack.source.push(candleChange('INSERT'));
    await waitFor('the change on the other socket', () => changes.length === 1);
  });
});

describe('startRealtime across a restart and under load', () => {
  let stack: TestRealtime;
  afterEach(async () => {
    await stack.stop();
  });

  it('is rejoined by the client by itself after a restart on the same port, which then gets later changes', async () => {
    stack = await startTestRealtime();
    const supabase = connectClient(stack.url, stack.anonKey);
    const statuses: string[] = [];
    const changes: RowChange['type'][] = [];
    supabase.channel('restart').on('postgres_changes', { event: '*', ...TABLE }, (change) => changes.push(change.eventType)).subscribe((status) => statuses.push(status));
    await waitFor('SUBSCRIBED', () => statuses.includes('SUBSCRIBED'));
    await stack.restart();
    await waitFor('the rejoin', () => statuses.filter((status) => status === 'SUBSCRIBED').length === 2, 8_000);
    expect(statuses).toEqual(['SUBSCRIBED', 'CHANNEL_ERROR', 'SUBSCRIBED']);
    stack.source.push(candleChange('INSERT'));
    await waitFor('the change after the restart', () => changes.length === 1);
    await closeClient(supabase);
  });

  it('closes every socket with 1001 on stop', async () => {
    stack = await startTestRealtime();
    const socket = await openRawSocket(`${stack.url.replace('http', 'ws')}/realtime/v1/websocket?vsn=2.0.0`);
    const closed = closeOf(socket);
    await stack.realtime.stop();
    expect(await closed).toEqual({ code: 1001, reason: 'server stopping' });
    expect(stack.realtime.stats().sockets).toBe(0);
  });

  it('drops a consumer that stops reading once its send queue passes the bound, and keeps serving the others', async () => {
    stack = await startTestRealtime({ limits: { maxBufferedBytes: 256 * 1024 } });
    const healthy = connectClient(stack.url, stack.anonKey);
    const received: unknown[] = [];
    await subscribed(healthy.channel('load').on('postgres_changes', { event: '*', ...TABLE }, (change) => received.push(change)));
    const slow = await openRawSocket(`${stack.url.replace('http', 'ws')}/realtime/v1/websocket?vsn=2.0.0&apikey=${stack.anonKey}`);
    slow.send(JSON.stringify(['1', '1', 'realtime:load', 'phx_join', { config: { postgres_changes: [{ event: '*', ...TABLE }] } }]));
    await nextFrames(slow, 1);
    slow.pause();
    const big = 'x'.repeat(32 * 1024);
    let pushed = 0;
    // One change per turn of the event loop, so the healthy client (in this process) reads as it goes.
    while (stack.realtime.stats().slowConsumersDropped === 0 && pushed < 3_000) {
      stack.source.push(candleChange('INSERT', { symbol: big }));
      pushed++;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect(stack.realtime.stats().slowConsumersDropped).toBe(1);
    await waitFor('every change on the healthy client', () => received.length === pushed, 20_000);
    await waitFor('the slow socket gone', () => stack.realtime.stats().sockets === 1);
    slow.terminate();
    await closeClient(healthy);
  });
});

/** The first status the channel's subscribe callback reports. */
function subscribed(channel: RealtimeChannel): Promise<string> {
  return new Promise((resolve) => channel.subscribe((status) => resolve(status)));
}

function openRawSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

function nextFrames(socket: WebSocket, count: number): Promise<unknown[]> {
  return new Promise((resolve) => {
    const frames: unknown[] = [];
    const onMessage = (data: Buffer) => {
      frames.push(JSON.parse(data.toString()));
      if (frames.length < count) return;
      socket.off('message', onMessage);
      resolve(frames);
    };
    socket.on('message', onMessage);
  });
}

function closeOf(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}
