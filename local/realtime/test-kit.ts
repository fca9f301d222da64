// Test helpers for the Realtime stand-in: a change source to push RowChanges into, an authorizer that
// decides by role, the server on a free gateway port, and unmodified supabase-js clients over `ws`.
import { createClient, type RealtimeChannel, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { SignJWT } from 'jose';
import { WebSocket } from 'ws';
import { startGateway, type Gateway } from '../gateway.ts';
import type { Authorizer, Viewer } from './authorizer.ts';
import { firstRefusal, type BindingChecker } from './binding-check.ts';
import type { ChangeSourceOptions, JsonValue, RowChange } from './change-source.ts';
import type { Channel } from './channel.ts';
import type { Connection } from './connection.ts';
import { parseBinding } from './join.ts';
import type { Frame, Vsn } from './protocol.ts';
import { startRealtime, type RealtimeLimits, type RealtimeServer } from './server.ts';

export const TEST_SECRET = 'realtime-test-secret-0123456789abcdef';

/** A change source whose changes and status the test drives. */
export interface FakeChangeSource {
  start(options: ChangeSourceOptions): Promise<{ stop(): Promise<void> }>;
  push(change: RowChange): void;
  status(status: 'connected' | 'lost' | 'reconnecting', detail: string): void;
  running(): boolean;
}

export function createFakeChangeSource(): FakeChangeSource {
  let current: ChangeSourceOptions | undefined;
  return {
    async start(options) {
      current = options;
      options.onStatus('connected', 'fake change source streaming');
      return { stop: async () => void (current = undefined) };
    },
    push: (change) => current?.onChange(change),
    status: (status, detail) => current?.onStatus(status, detail),
    running: () => current !== undefined,
  };
}

/** An authorizer that lets a viewer see a change when `allow` says so, and records each call. */
export interface FakeAuthorizer extends Authorizer {
  calls: Array<{ change: RowChange; viewers: Viewer[] }>;
  allow: (change: RowChange, viewer: Viewer) => boolean;
}

export function createFakeAuthorizer(allow: FakeAuthorizer['allow'] = () => true): FakeAuthorizer {
  const fake: FakeAuthorizer = {
    calls: [],
    allow,
    async visible(change, viewers) {
      fake.calls.push({ change, viewers });
      return new Set(viewers.flatMap((viewer, index) => (fake.allow(change, viewer) ? [index] : [])));
    },
    queryCount: () => fake.calls.length,
    close: async () => {},
  };
  return fake;
}

export interface TestRealtime {
  gateway: Gateway;
  realtime: RealtimeServer;
  url: string;
  source: FakeChangeSource;
  authorizer: FakeAuthorizer;
  anonKey: string;
  serviceRoleKey: string;
  logs: string[];
  /** Stops the server and its gateway, then starts both again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestRealtime(options: { limits?: Partial<RealtimeLimits>; port?: number } = {}): Promise<TestRealtime> {
  const logs: string[] = [];
  const source = createFakeChangeSource();
  const authorizer = createFakeAuthorizer();
  const start = async (port: number) => {
    const gateway = await startGateway({
      port, portVariable: 'API_PORT', functionPort: () => undefined, functionNames: () => [], health: () => ({}), log: (line) => logs.push(line),
    });
    const realtime = await startRealtime({
      gateway, databaseUrl: 'postgresql://unused', jwtSecret: TEST_SECRET, log: (line) => logs.push(line),
      changeSource: source.start, authorizer, bindingChecker: createFakeBindingChecker(), ...(options.limits ? { limits: options.limits } : {}),
    });
    return { gateway, realtime };
  };
  const kit: TestRealtime = {
    ...(await start(options.port ?? 0)),
    url: '',
    source,
    authorizer,
    anonKey: await signToken({ role: 'anon' }),
    serviceRoleKey: await signToken({ role: 'service_role' }),
    logs,
    async restart() {
      const port = kit.gateway.port;
      await kit.stop();
      Object.assign(kit, await start(port));
    },
    async stop() {
      await kit.realtime.stop();
      await kit.gateway.close();
    },
  };
  kit.url = kit.gateway.url;
  return kit;
}

/** Knows one table, public.live_candles_1m with CANDLE_COLUMNS, as the database would. */
export function createFakeBindingChecker(): BindingChecker {
  const candles = new Set(CANDLE_COLUMNS.map((column) => column.name));
  const columnsOf = (schema: string, table: string) => (schema === 'public' && table === 'live_candles_1m' ? candles : undefined);
  return { check: async (bindings) => firstRefusal(bindings, columnsOf), checkKnown: (bindings) => firstRefusal(bindings, columnsOf), prefetch: async () => {}, close: async () => {} };
}

/** A JWT signed like the local keys; `expiresIn` seconds from now (negative: already expired). */
export function signToken(claims: Record<string, unknown>, options: { secret?: string; expiresIn?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(new TextEncoder().encode(options.secret ?? TEST_SECRET));
}

/** The unmodified client, as an app on Node 20 creates it. */
export function connectClient(url: string, key: string, realtime: { vsn?: string; heartbeatIntervalMs?: number } = {}): SupabaseClient {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never, ...realtime },
  });
}

/**
 * One stand-in for a describe block: started before its tests, stopped after them; clients made with
 * client() are closed after each test.
 */
export function useTestRealtime(): { stack: () => TestRealtime; client: (realtime?: { vsn?: string }) => SupabaseClient } {
  let stack: TestRealtime | undefined;
  const clients: SupabaseClient[] = [];
  beforeAll(async () => {
    stack = await startTestRealtime();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(closeClient));
  });
  afterAll(async () => {
    await stack?.stop();
  });
  return {
    stack: () => stack!,
    client: (realtime = {}) => {
      const client = connectClient(stack!.url, stack!.anonKey, realtime);
      clients.push(client);
      return client;
    },
  };
}

/** Subscribes and resolves once the server confirmed the join. */
export function joined<T extends RealtimeChannel>(channel: T): Promise<T> {
  return new Promise((resolve) => channel.subscribe((status) => status === 'SUBSCRIBED' && resolve(channel)));
}

/** Removes the client's channels and closes its socket. */
export async function closeClient(client: SupabaseClient): Promise<void> {
  await client.removeAllChannels();
  client.realtime.disconnect();
}

/** Polls until `predicate` holds, failing with `what` after `timeoutMs`. */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const CANDLE_COLUMNS = [
  { name: 'symbol', type: 'text' }, { name: 'timestamp', type: 'timestamptz' }, { name: 'open', type: 'numeric' },
  { name: 'high', type: 'numeric' }, { name: 'low', type: 'numeric' }, { name: 'close', type: 'numeric' },
  { name: 'volume', type: 'numeric' }, { name: 'trades', type: 'int4' }, { name: 'is_closed', type: 'bool' },
  { name: 'event_time', type: 'timestamptz' },
];

/** A live_candles_1m change, values typed as the real server sends them (numbers, booleans). */
export function candleChange(type: RowChange['type'], values: Record<string, JsonValue> = {}): RowChange {
  const record: Record<string, JsonValue> = {
    symbol: 'BTCUSDT', timestamp: '2025-01-01T12:34:00+00:00', open: 67000.1, high: 67010.5, low: 66990, close: 67005.25,
    volume: 12.3456, trades: 42, is_closed: false, event_time: '2025-01-01T12:34:05.123+00:00', ...values,
  };
  const oldRecord = { symbol: record.symbol ?? null, timestamp: record.timestamp ?? null };
  return {
    schema: 'public', table: 'live_candles_1m', type, commitTimestamp: '2025-01-01T12:34:05.200Z', columns: CANDLE_COLUMNS,
    ...(type === 'DELETE' ? {} : { record }),
    ...(type === 'INSERT' ? {} : { oldRecord }),
    key: [{ name: 'symbol', value: String(record.symbol) }, { name: 'timestamp', value: '2025-01-01 12:34:00+00' }],
  };
}

/** A bare WebSocket speaking the protocol by hand, for what supabase-js never sends. */
export interface RawClient {
  socket: WebSocket;
  /** Every frame received, decoded (JSON text, or a kind-4 binary broadcast as {kind, topic, event, payload}). */
  frames: unknown[];
  send(message: unknown): void;
  /** Resolves with the first received frame (from the start) that `match` accepts. */
  frame(match: (frame: unknown) => boolean, timeoutMs?: number): Promise<unknown>;
  closed: Promise<{ code: number; reason: string }>;
}

export async function openRawClient(baseUrl: string, query: Record<string, string>): Promise<RawClient> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/realtime/v1/websocket?${new URLSearchParams(query)}`);
  const frames: unknown[] = [];
  socket.on('message', (data: Buffer, isBinary) => frames.push(isBinary ? decodeKind4(data) : JSON.parse(data.toString())));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    closed,
    send: (message) => socket.send(typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message)),
    async frame(match, timeoutMs = 5_000) {
      await waitFor('a matching frame', () => frames.some(match), timeoutMs);
      return frames.find(match);
    },
  };
}

function decodeKind4(data: Buffer): unknown {
  const [kind = 0, topicLength = 0, eventLength = 0, metaLength = 0, encoding = 0] = data;
  let offset = 5;
  const topic = data.toString('utf8', offset, (offset += topicLength));
  const event = data.toString('utf8', offset, (offset += eventLength));
  offset += metaLength;
  const body = data.subarray(offset);
  return { kind, topic, event, payload: encoding === 1 ? JSON.parse(body.toString()) : body };
}

/** A connection that keeps what it is sent. */
export interface FakeConnection extends Connection {
  sent: Frame[];
  /** The sent text frames, parsed. */
  messages(): unknown[];
}

let fakeConnectionIds = 0;

export function createFakeConnection(vsn: Vsn = '2.0.0'): FakeConnection {
  const sent: Frame[] = [];
  let open = true;
  return {
    id: ++fakeConnectionIds,
    vsn,
    sent,
    send: (frame) => open && sent.push(frame) > 0,
    close: () => void (open = false),
    isOpen: () => open,
    messages: () => sent.filter((frame) => !frame.binary).map((frame) => JSON.parse(frame.data.toString()) as unknown),
  };
}

/** A joined channel for unit tests, its bindings given as the client's params. */
export function createFakeChannel(options: { connection?: FakeConnection; topic?: string; bindings?: unknown[]; role?: string; presence?: boolean }): Channel & { connection: FakeConnection } {
  const role = options.role ?? 'anon';
  const bindings = (options.bindings ?? []).map((params) => {
    const result = parseBinding(params);
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result.value;
  });
  const topic = options.topic ?? 'realtime:test';
  return {
    connection: options.connection ?? createFakeConnection(), topic, name: topic.slice('realtime:'.length), joinRef: '1',
    broadcast: { ack: false, self: false }, presence: { enabled: options.presence ?? false, key: 'key' }, bindings,
    accessToken: `token-of-${role}`, viewer: { role, claims: { role } }, viewerKey: `{"role":"${role}"}`, expiresAt: Date.now() + 3_600_000,
    pgSubscribed: true, active: true,
  };
}
