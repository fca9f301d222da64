// A channel one socket has joined: the settings of its join, whose token it holds, and the pushes
// addressed to it (replies, system messages, phx_close) in its socket's serializer.
import type { Viewer } from './authorizer.ts';
import type { Connection } from './connection.ts';
import type { Binding } from './join.ts';
import type { JsonObject } from './protocol.ts';
import { encodeMessage, type InboundMessage } from './serializer.ts';

export interface Channel {
  readonly connection: Connection;
  /** `realtime:<name>`. */
  readonly topic: string;
  readonly name: string;
  readonly joinRef: string | null;
  readonly broadcast: { readonly ack: boolean; readonly self: boolean };
  /** `key` is "" until the channel first tracks, when a channel joined without one gets a random key. */
  presence: { enabled: boolean; key: string };
  readonly bindings: readonly Binding[];
  /** The token the channel was joined (or last refreshed) with, and what it grants. */
  accessToken: string;
  viewer: Viewer;
  viewerKey: string;
  expiresAt: number;
  /** Told "Subscribed to PostgreSQL" since it joined or since replication was last lost. */
  pgSubscribed: boolean;
  /** False once left or closed: queued deliveries skip it. */
  active: boolean;
}

/** Answers a client push (`phx_reply` with the push's refs). */
export function reply(connection: Connection, to: InboundMessage, status: 'ok' | 'error', response: JsonObject): void {
  connection.send(encodeMessage(connection.vsn, { joinRef: to.joinRef, ref: to.ref, topic: to.topic, event: 'phx_reply', payload: { status, response } }));
}

/** A regular channel push: the channel's join_ref, no ref. */
export function push(channel: Channel, event: string, payload: JsonObject): void {
  const { connection, joinRef, topic } = channel;
  connection.send(encodeMessage(connection.vsn, { joinRef, ref: null, topic, event, payload }));
}

/** A `system` message (§6); `extension` is "postgres_changes" or "system". */
export function pushSystem(channel: Channel, extension: string, status: 'ok' | 'error', message: string): void {
  push(channel, 'system', { extension, status, message, channel: channel.name });
}

/** Tells the client the channel is closed (`[jr, jr, topic, "phx_close", {}]`); it will not rejoin. */
export function pushClose(channel: Channel): void {
  const { connection, joinRef, topic } = channel;
  connection.send(encodeMessage(connection.vsn, { joinRef, ref: joinRef, topic, event: 'phx_close', payload: {} }));
}
