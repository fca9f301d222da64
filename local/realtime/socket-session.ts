// One client socket's protocol state: its joined channels and a handler per client event (onPhxJoin,
// onPhxLeave, onHeartbeat, onAccessToken, onBroadcast, onPresence). Messages are handled in order; a
// malformed frame or an unknown event closes this socket only.
import type { BindingChecker } from './binding-check.ts';
import type { TokenVerifier } from './auth.ts';
import { fanOutBroadcast, fanOutPresenceDiff } from './broadcast.ts';
import { push, pushClose, pushSystem, reply, type Channel } from './channel.ts';
import type { Connection } from './connection.ts';
import { parseJoin } from './join.ts';
import type { PresenceRegistry } from './presence.ts';
import { CLOSE_CODES, fail, isJsonObject, ok, realtimeError, reasonOf, type RealtimeError, type Result } from './protocol.ts';
import { decodeFrame, type InboundMessage, type UserBroadcast } from './serializer.ts';
import type { Subscriptions } from './subscriptions.ts';

export interface SessionLimits {
  /** Joins allowed per socket within `joinWindowMs`; more get ClientJoinRateLimitReached. */
  joinsPerWindow: number;
  joinWindowMs: number;
  maxChannelsPerSocket: number;
}

/** What every session shares: the registries, the token verifier, limits, and replication's state. */
export interface SessionContext {
  subscriptions: Subscriptions;
  presence: PresenceRegistry;
  verifier: TokenVerifier;
  limits: SessionLimits;
  /** True while the change source is streaming, so a pg join can be told "Subscribed to PostgreSQL". */
  replicationLive(): boolean;
  /** Refuses postgres_changes bindings on a table or filter column that does not exist. */
  bindings: BindingChecker;
  log: (line: string) => void;
}

export interface Session {
  readonly connection: Connection;
  /** Handles one WebSocket message. */
  receive(data: Buffer, isBinary: boolean): void;
  /** When the last message arrived (Date.now()). */
  lastActivity(): number;
  /** The joined channels; a list that is replaced, never changed, when one joins or leaves. */
  channels(): readonly Channel[];
  /** Sends a `system` error to the channel, closes it, and forgets it (token expiry, failed refresh). */
  shutDownChannel(channel: Channel, error: RealtimeError): void;
  /** Forgets every channel once the socket has closed. */
  closed(): void;
}

interface SessionState {
  connection: Connection;
  apikey: string | undefined;
  /**
   * Joined channels, one per topic: an exactly sized list, replaced on change, as a socket joins a few
   * and then idles for hours (a Map, or an array grown by push, costs several times the bytes).
   */
  joined: readonly Channel[];
  /** Recent join times, oldest first; exactly sized too. */
  joinTimes: readonly number[];
  context: SessionContext;
}

type Handler = (state: SessionState, message: InboundMessage) => void | Promise<void>;

const CHANNEL_HANDLERS = new Map<string, Handler>([
  ['phx_join', onPhxJoin],
  ['phx_leave', onPhxLeave],
  ['access_token', onAccessToken],
  ['broadcast', onBroadcast],
  ['presence', onPresence],
]);

export function createSession(connection: Connection, apikey: string | undefined, context: SessionContext): Session {
  return new SocketSession(connection, apikey, context);
}

/** A class, not a closure per method: thousands of idle sockets each hold one of these. */
class SocketSession implements Session, SessionState {
  joined: readonly Channel[] = [];
  joinTimes: readonly number[] = [];
  private queue = Promise.resolve();
  private lastMessageAt = Date.now();
  private closing = false;

  constructor(readonly connection: Connection, readonly apikey: string | undefined, readonly context: SessionContext) {}

  receive(data: Buffer, isBinary: boolean): void {
    if (this.closing) return;
    this.lastMessageAt = Date.now();
    const decoded = decodeFrame(this.connection.vsn, data, isBinary);
    if (!decoded.ok) return this.refuse(CLOSE_CODES.unsupportedData, decoded.error);
    const handler = handlerFor(decoded.value);
    if (!handler.ok) return this.refuse(CLOSE_CODES.policyViolation, handler.error);
    this.queue = this.queue.then(() => (this.closing ? undefined : handler.value(this, decoded.value))).catch((error: unknown) => {
      this.context.log(`realtime: socket #${this.connection.id} ${decoded.value.event} on ${decoded.value.topic} failed: ${(error as Error).stack ?? error}`);
    });
  }

  lastActivity(): number {
    return this.lastMessageAt;
  }

  channels(): readonly Channel[] {
    return this.joined;
  }

  shutDownChannel(channel: Channel, error: RealtimeError): void {
    pushSystem(channel, 'system', 'error', reasonOf(error));
    pushClose(channel);
    removeChannel(this, channel);
  }

  closed(): void {
    this.closing = true;
    for (const channel of this.joined) removeChannel(this, channel);
  }

  private refuse(code: number, error: RealtimeError): void {
    this.closing = true;
    this.context.log(`realtime: socket #${this.connection.id} closed (${code}): ${reasonOf(error)}`);
    this.connection.close(code, reasonOf(error));
  }
}

/** The handler of a message's event: heartbeats on `phoenix`, channel events on any other topic. */
function handlerFor(message: InboundMessage): Result<Handler> {
  if (message.topic === 'phoenix') {
    return message.event === 'heartbeat' ? ok(onHeartbeat) : fail('UnknownEvent', `event "${message.event}" is not allowed on topic "phoenix"`);
  }
  const handler = CHANNEL_HANDLERS.get(message.event);
  return handler ? ok(handler) : fail('UnknownEvent', `event "${message.event}" is not part of the Realtime protocol`);
}

function onHeartbeat(state: SessionState, message: InboundMessage): void {
  reply(state.connection, message, 'ok', {});
}

async function onPhxJoin(state: SessionState, message: InboundMessage): Promise<void> {
  const { connection, context } = state;
  const refused = (error: RealtimeError) => reply(connection, message, 'error', { reason: reasonOf(error) });
  if (!allowJoin(state, Date.now())) return refused(realtimeError('ClientJoinRateLimitReached', `Too many joins per second: at most ${context.limits.joinsPerWindow} per ${context.limits.joinWindowMs / 1000} s on one socket`));
  const name = channelName(message.topic);
  if (!name.ok) return refused(name.error);
  const request = parseJoin(message.payload);
  if (!request.ok) return refused(request.error);
  if (request.value.private) return refused(realtimeError('Unauthorized', `You do not have permissions to read from this Channel topic: ${name.value} (private channels need realtime.messages policies, which the local stand-in does not evaluate)`));
  const existing = joinedTo(state, message.topic);
  if (!existing && state.joined.length >= context.limits.maxChannelsPerSocket) return refused(realtimeError('ChannelRateLimitReached', `Too many channels: at most ${context.limits.maxChannelsPerSocket} per socket`));
  const accessToken = request.value.accessToken ?? state.apikey ?? '';
  const verified = await context.verifier.verify(accessToken);
  if (!verified.ok) return refused(verified.error);
  if (!connection.isOpen()) return;
  // A second join of a joined topic replaces the first, as Phoenix does for a rejoin.
  if (existing) removeChannel(state, existing);
  const { broadcast, presence, bindings, echo } = request.value;
  const channel: Channel = {
    connection, topic: message.topic, name: name.value, joinRef: message.joinRef ?? message.ref, broadcast, bindings,
    presence: { enabled: presence.enabled, key: presence.key }, accessToken,
    viewer: verified.value.viewer, viewerKey: verified.value.viewerKey, expiresAt: verified.value.expiresAt, pgSubscribed: false, active: true,
  };
  state.joined = [...state.joined, channel];
  context.subscriptions.add(channel);
  reply(connection, message, 'ok', { postgres_changes: echo });
  if (channel.presence.enabled) push(channel, 'presence_state', context.presence.state(channel.topic));
  if (bindings.length === 0) return;
  const known = context.bindings.checkKnown(bindings);
  const refusal = known !== undefined ? known : await context.bindings.check(bindings);
  if (!channel.active) return;
  if (refusal !== null) {
    // As the real server: the reason as a postgres_changes system error, then the channel closes.
    context.log(`realtime: channel ${channel.topic} on socket #${connection.id} closed: ${refusal}`);
    pushSystem(channel, 'postgres_changes', 'error', refusal);
    pushClose(channel);
    removeChannel(state, channel);
    return;
  }
  if (context.replicationLive()) announceSubscribed(channel);
}

/** Tells a channel its postgres_changes are live (§6). */
export function announceSubscribed(channel: Channel): void {
  channel.pgSubscribed = true;
  pushSystem(channel, 'postgres_changes', 'ok', 'Subscribed to PostgreSQL');
}

function onPhxLeave(state: SessionState, message: InboundMessage): void {
  const channel = joinedTo(state, message.topic);
  reply(state.connection, message, 'ok', {});
  // A leave for an older join of the topic must not close the current one.
  if (!channel || (message.joinRef !== null && message.joinRef !== channel.joinRef)) return;
  removeChannel(state, channel);
  pushClose(channel);
}

async function onAccessToken(state: SessionState, message: InboundMessage): Promise<void> {
  const channel = joinedChannel(state, message);
  const token = message.payload.access_token;
  if (!channel || typeof token !== 'string' || token === '' || token === channel.accessToken) return;
  const verified = await state.context.verifier.verify(token);
  if (!channel.active) return;
  if (!verified.ok) {
    state.context.log(`realtime: channel ${channel.topic} on socket #${state.connection.id} closed: refreshed token refused: ${reasonOf(verified.error)}`);
    pushSystem(channel, 'system', 'error', reasonOf(verified.error));
    pushClose(channel);
    removeChannel(state, channel);
    return;
  }
  Object.assign(channel, { accessToken: token, ...verified.value });
}

function onBroadcast(state: SessionState, message: InboundMessage): void {
  const channel = joinedChannel(state, message);
  if (!channel) return;
  const broadcast = message.userBroadcast ?? jsonBroadcast(message.payload);
  if (!broadcast) return reply(state.connection, message, 'error', { reason: 'InvalidBroadcast: a broadcast needs a string `event`' });
  fanOutBroadcast(state.context.subscriptions, channel.topic, broadcast, channel);
  if (channel.broadcast.ack) reply(state.connection, message, 'ok', {});
}

function jsonBroadcast(payload: InboundMessage['payload']): UserBroadcast | undefined {
  if (typeof payload.event !== 'string') return undefined;
  return { event: payload.event, body: { encoding: 'json', json: JSON.stringify(payload.payload ?? {}) } };
}

function onPresence(state: SessionState, message: InboundMessage): void {
  const channel = joinedChannel(state, message);
  if (!channel) return;
  const { subscriptions, presence } = state.context;
  const { event, payload } = message.payload;
  if (event === 'untrack') {
    reply(state.connection, message, 'ok', {});
    const diff = presence.untrack(channel);
    if (diff) fanOutPresenceDiff(subscriptions, channel.topic, diff);
    return;
  }
  if (event !== 'track' || !isJsonObject(payload ?? {})) {
    return reply(state.connection, message, 'error', { reason: 'InvalidPresencePayload: Presence track payload must be a map' });
  }
  const diff = presence.track(channel, isJsonObject(payload) ? payload : {});
  reply(state.connection, message, 'ok', {});
  // Tracking enables presence for a channel that joined without it; it first needs the whole state.
  if (!channel.presence.enabled) {
    channel.presence.enabled = true;
    push(channel, 'presence_state', presence.state(channel.topic));
  }
  fanOutPresenceDiff(subscriptions, channel.topic, diff);
}

/** The channel a message is for; a message for a topic this socket has not joined gets an error reply. */
function joinedChannel(state: SessionState, message: InboundMessage): Channel | undefined {
  const channel = joinedTo(state, message.topic);
  if (channel) return channel;
  reply(state.connection, message, 'error', { reason: `UnmatchedTopic: this socket has not joined "${message.topic}"` });
  return undefined;
}

function removeChannel(state: SessionState, channel: Channel): void {
  channel.active = false;
  state.joined = state.joined.filter((joined) => joined !== channel);
  state.context.subscriptions.remove(channel);
  const diff = state.context.presence.untrack(channel);
  if (diff) fanOutPresenceDiff(state.context.subscriptions, channel.topic, diff);
}

function channelName(topic: string): Result<string> {
  if (!topic.startsWith('realtime:')) return fail('UnmatchedTopic', `topic "${topic}" does not start with "realtime:"`);
  const name = topic.slice('realtime:'.length);
  return name === '' ? fail('TopicNameRequired', 'You must provide a topic name') : ok(name);
}

/** A sliding window of this socket's join times. */
function allowJoin(state: SessionState, now: number): boolean {
  const { joinsPerWindow, joinWindowMs } = state.context.limits;
  const recent = state.joinTimes.filter((time) => now - time < joinWindowMs);
  if (recent.length >= joinsPerWindow) {
    state.joinTimes = recent;
    return false;
  }
  state.joinTimes = [...recent, now];
  return true;
}

function joinedTo(state: SessionState, topic: string): Channel | undefined {
  return state.joined.find((channel) => channel.topic === topic);
}
