// The local Supabase Realtime stand-in: WebSocket upgrades at /realtime/v1/websocket and the REST broadcast
// API mounted on the API gateway; row changes from logical replication are filtered, authorized per role
// and fanned out to subscribers over the protocol of docs/realtime-protocol.md.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Gateway } from '../gateway.ts';
import { createTokenVerifier } from './auth.ts';
import { createAuthorizer, type Authorizer } from './authorizer.ts';
import { createBindingChecker, type BindingChecker } from './binding-check.ts';
import { startChangeSource, type ChangeSourceOptions } from './change-source.ts';
import { pushSystem } from './channel.ts';
import { createConnection, createWriteBatcher, type SendCounters } from './connection.ts';
import { createDispatcher, type Dispatcher } from './dispatch.ts';
import { createPresenceRegistry } from './presence.ts';
import { CLOSE_CODES, SUPPORTED_VSNS, realtimeError } from './protocol.ts';
import { createRestBroadcastHandler } from './rest-broadcast.ts';
import { announceSubscribed, createSession, type Session, type SessionContext, type SessionLimits } from './socket-session.ts';
import { createSubscriptions } from './subscriptions.ts';

export type StartChangeSource = (options: ChangeSourceOptions) => Promise<{ stop(): Promise<void> }>;

export interface RealtimeLimits extends SessionLimits {
  /** Bytes a socket may have waiting to be sent before it is dropped as a slow consumer. */
  maxBufferedBytes: number;
  /** Largest WebSocket message accepted from a client. */
  maxFrameBytes: number;
  /** A socket silent this long (no heartbeat) is closed. */
  idleTimeoutMs: number;
  maxRestBodyBytes: number;
}

export interface RealtimeOptions {
  gateway: Pick<Gateway, 'onUpgrade' | 'onRequest'>;
  databaseUrl: string;
  /** The secret the apikey and access tokens are signed with (HS256). */
  jwtSecret: string;
  log: (line: string) => void;
  /** Starts the change feed; logical replication on supabase_realtime (startChangeSource) unless given. */
  changeSource?: StartChangeSource;
  /** Decides which viewers may see a change; Postgres grants and RLS (createAuthorizer) unless given. stop() closes only one it made. */
  authorizer?: Authorizer;
  /** Checks postgres_changes bindings against the database's tables (createBindingChecker) unless given. */
  bindingChecker?: BindingChecker;
  limits?: Partial<RealtimeLimits>;
}

export type ReplicationState = 'starting' | 'connected' | 'lost' | 'reconnecting';

export interface RealtimeStats {
  sockets: number;
  channels: number;
  topics: number;
  groups: number;
  replication: ReplicationState;
  changes: number;
  backlog: number;
  authorizations: number;
  authorizationFailures: number;
  authorizerQueries: number;
  framesSent: number;
  slowConsumersDropped: number;
}

export interface RealtimeServer {
  /** Unmounts the routes, stops the change feed, and closes every socket with 1001. */
  stop(): Promise<void>;
  stats(): RealtimeStats;
}

const DEFAULT_LIMITS: RealtimeLimits = {
  joinsPerWindow: 100,
  joinWindowMs: 10_000,
  maxChannelsPerSocket: 100,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxFrameBytes: 1024 * 1024,
  idleTimeoutMs: 60_000,
  maxRestBodyBytes: 1024 * 1024,
};

const WEBSOCKET_PATH = '/realtime/v1/websocket';
const SWEEP_INTERVAL_MS = 1_000;
const MAX_INTERNED_APIKEYS = 1_000;
const MAX_INTERNED_APIKEY_LENGTH = 4_096;

/** Starts the stand-in on `gateway`; resolves once the change feed has started. */
export async function startRealtime(options: RealtimeOptions): Promise<RealtimeServer> {
  const { log } = options;
  const limits: RealtimeLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const authorizer = options.authorizer ?? createAuthorizer({ databaseUrl: options.databaseUrl, log });
  const bindings = options.bindingChecker ?? createBindingChecker({ databaseUrl: options.databaseUrl, log });
  void bindings.prefetch().catch((error: Error) => log(`realtime: could not look up the published tables: ${error.message}`));
  const closeOwned = async () => {
    if (!options.authorizer) await authorizer.close();
    if (!options.bindingChecker) await bindings.close();
  };
  const subscriptions = createSubscriptions();
  const dispatcher = createDispatcher({ subscriptions, authorizer, log });
  const replication = { state: 'starting' as ReplicationState };
  const context: SessionContext = {
    subscriptions, limits, log,
    presence: createPresenceRegistry(),
    verifier: createTokenVerifier(options.jwtSecret),
    replicationLive: () => replication.state === 'connected',
    bindings,
  };
  const feed = await startFeed(options, context, replication, dispatcher).catch(async (error: unknown) => {
    await closeOwned();
    throw error;
  });
  const sockets = acceptSockets(context, limits);
  const unmount = [
    options.gateway.onUpgrade(WEBSOCKET_PATH, sockets.onUpgrade),
    options.gateway.onRequest('/realtime/v1/', createRestBroadcastHandler({ subscriptions, verifier: context.verifier, maxBodyBytes: limits.maxRestBodyBytes, log })),
  ];
  let stopped: Promise<void> | undefined;
  const stop = async () => {
    unmount.forEach((remove) => remove());
    await feed.stop().catch((error: unknown) => log(`realtime: stopping the change source failed: ${(error as Error).message}`));
    await dispatcher.drained();
    await sockets.closeAll();
    await closeOwned();
  };
  return {
    stop: () => (stopped ??= stop()),
    stats: () => ({
      sockets: sockets.count(), ...subscriptions.counts(), replication: replication.state,
      ...dispatcher.stats(), authorizerQueries: authorizer.queryCount(), ...sockets.counters,
    }),
  };
}

/** Starts the change source, its changes going to the dispatcher and its status to the channels. */
async function startFeed(options: RealtimeOptions, context: SessionContext, replication: { state: ReplicationState }, dispatcher: Dispatcher): Promise<{ stop(): Promise<void> }> {
  const { log } = options;
  const feed = await (options.changeSource ?? startChangeSource)({
    databaseUrl: options.databaseUrl,
    log,
    onChange: (change) => dispatcher.dispatch(change),
    onStatus: (status, detail) => {
      log(`realtime: replication ${status}: ${detail}`);
      replication.state = status;
      announceReplication(context, status, detail);
    },
  });
  // A source that started without a word is streaming.
  if (replication.state === 'starting') replication.state = 'connected';
  return feed;
}

/** Replication came or went: channels with postgres_changes are told with a `system` message (§6). */
function announceReplication(context: SessionContext, status: Exclude<ReplicationState, 'starting'>, detail: string): void {
  for (const channel of context.subscriptions.changeChannels()) {
    if (status === 'connected' && !channel.pgSubscribed) announceSubscribed(channel);
    if (status !== 'connected' && channel.pgSubscribed) {
      channel.pgSubscribed = false;
      pushSystem(channel, 'postgres_changes', 'error', `ReplicationLost: ${detail}`);
    }
  }
}

interface SocketRegistry {
  onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  count(): number;
  counters: SendCounters;
  closeAll(): Promise<void>;
}

/** Upgrades /realtime/v1/websocket requests into sessions, and sweeps idle sockets and expired tokens. */
function acceptSockets(context: SessionContext, limits: RealtimeLimits): SocketRegistry {
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: limits.maxFrameBytes });
  const sessions = new Map<WebSocket, Session>();
  const counters: SendCounters = { framesSent: 0, slowConsumersDropped: 0 };
  const batcher = createWriteBatcher();
  const internApikey = createInterner(MAX_INTERNED_APIKEYS);
  const listeners = socketListeners(sessions, context);
  let nextId = 1;
  let stopping = false;
  const sweeper = setInterval(() => sweep(sessions, limits, Date.now()), SWEEP_INTERVAL_MS).unref();
  return {
    onUpgrade(request, raw, head) {
      raw.on('error', destroySelf);
      const url = new URL(request.url ?? '/', 'http://gateway');
      if (url.pathname !== WEBSOCKET_PATH) return refuseUpgrade(raw, 404, `NotFound: no Realtime socket at ${url.pathname}`);
      if (stopping) return refuseUpgrade(raw, 503, 'RealtimeRestarting: Realtime is restarting, please standby');
      const requested = url.searchParams.get('vsn') ?? '1.0.0';
      // The constant, not the socket's own copy of "2.0.0".
      const vsn = SUPPORTED_VSNS.find((supported) => supported === requested);
      if (!vsn) return refuseUpgrade(raw, 400, `UnsupportedVsn: vsn "${requested}" is not 1.0.0 or 2.0.0`);
      const apikey = internApikey(url.searchParams.get('apikey') ?? headerValue(request.headers.apikey));
      wss.handleUpgrade(request, raw, head, (socket) => {
        const connection = createConnection({ id: nextId++, vsn, socket, raw, maxBufferedBytes: limits.maxBufferedBytes, batcher, counters, log: context.log });
        sessions.set(socket, createSession(connection, apikey, context));
        socket.on('message', listeners.message);
        socket.on('error', listeners.error);
        socket.on('close', listeners.close);
      });
    },
    count: () => sessions.size,
    counters,
    async closeAll() {
      stopping = true;
      clearInterval(sweeper);
      batcher.flush();
      await Promise.all([...sessions.keys()].map((socket) => closeSocket(socket)));
    },
  };
}

/** One set of listeners for every socket, each finding its session by `this`, not closures per socket. */
function socketListeners(sessions: Map<WebSocket, Session>, context: SessionContext) {
  return {
    message(this: WebSocket, data: RawData, isBinary: boolean): void {
      sessions.get(this)?.receive(toBuffer(data), isBinary);
    },
    error(this: WebSocket, error: Error): void {
      context.log(`realtime: socket #${sessions.get(this)?.connection.id} error: ${error.message}`);
      this.terminate();
    },
    close(this: WebSocket): void {
      const session = sessions.get(this);
      sessions.delete(this);
      session?.closed();
    },
  };
}

function destroySelf(this: Duplex): void {
  this.destroy();
}

/**
 * One copy of each apikey for every socket presenting it (most present the anon key), so that an idle
 * socket keeps neither its own copy nor the request URL its apikey was sliced from. Bounded: past `max`
 * distinct keys, or for an oversized key, a socket keeps its own copy.
 */
function createInterner(max: number): (value: string | undefined) => string | undefined {
  const known = new Map<string, string>();
  return (value) => {
    if (value === undefined) return undefined;
    const existing = known.get(value);
    if (existing !== undefined) return existing;
    const copy = Buffer.from(value, 'utf8').toString('utf8');
    if (known.size < max && copy.length <= MAX_INTERNED_APIKEY_LENGTH) known.set(copy, copy);
    return copy;
  };
}

function sweep(sessions: Map<WebSocket, Session>, limits: RealtimeLimits, now: number): void {
  for (const session of sessions.values()) {
    if (now - session.lastActivity() > limits.idleTimeoutMs) {
      session.connection.close(CLOSE_CODES.idle, 'heartbeat timeout');
      continue;
    }
    for (const channel of session.channels()) {
      if (channel.expiresAt > now) continue;
      const ago = Math.floor((now - channel.expiresAt) / 1000);
      session.shutDownChannel(channel, realtimeError('InvalidJWTToken', `Token has expired ${ago} seconds ago`));
    }
  }
}

/** Closes with 1001 and a reason; a socket that has not finished closing within a second is cut. */
function closeSocket(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve();
    socket.once('close', () => resolve());
    socket.close(CLOSE_CODES.goingAway, 'server stopping');
    setTimeout(() => socket.terminate(), 1_000).unref();
  });
}

function refuseUpgrade(raw: Duplex, status: number, reason: string): void {
  const body = JSON.stringify({ reason });
  const text = { 400: 'Bad Request', 404: 'Not Found', 503: 'Service Unavailable' }[status] ?? 'Error';
  raw.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
