// Presence per topic in Phoenix Presence's shape: `{key: {metas: [{phx_ref, ...meta}]}}` as the state a
// joining channel receives, and `{joins, leaves}` diffs when a channel tracks, untracks or goes away.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Channel } from './channel.ts';
import type { JsonObject } from './protocol.ts';

export interface PresenceMeta extends JsonObject {
  phx_ref: string;
  phx_ref_prev?: string;
}

export type PresenceState = Record<string, { metas: PresenceMeta[] }>;

export interface PresenceDiff {
  joins: PresenceState;
  leaves: PresenceState;
}

export interface PresenceRegistry {
  /** Tracks (or replaces) the channel's meta under its presence key. */
  track(channel: Channel, meta: JsonObject): PresenceDiff;
  /** Forgets the channel's meta; undefined when it tracked nothing. */
  untrack(channel: Channel): PresenceDiff | undefined;
  state(topic: string): PresenceState;
}

interface Entry {
  key: string;
  meta: PresenceMeta;
}

export function createPresenceRegistry(): PresenceRegistry {
  const topics = new Map<string, Map<Channel, Entry>>();
  // Refs unique across restarts too: a client keeps its old state until the next presence_state.
  const prefix = randomBytes(6).toString('base64url');
  let counter = 0;
  return {
    track(channel, meta) {
      let entries = topics.get(channel.topic);
      if (!entries) topics.set(channel.topic, (entries = new Map()));
      const previous = entries.get(channel);
      const ref = `${prefix}${(counter++).toString(36)}`;
      // A channel joined without a key gets a random one when it first tracks, not when it joins.
      const key = (channel.presence.key ||= randomUUID());
      const entry: Entry = { key, meta: { ...meta, phx_ref: ref, ...(previous ? { phx_ref_prev: previous.meta.phx_ref } : {}) } };
      entries.set(channel, entry);
      return { joins: stateOf([entry]), leaves: previous ? stateOf([previous]) : {} };
    },
    untrack(channel) {
      const entries = topics.get(channel.topic);
      const previous = entries?.get(channel);
      if (!entries || !previous) return undefined;
      entries.delete(channel);
      if (entries.size === 0) topics.delete(channel.topic);
      return { joins: {}, leaves: stateOf([previous]) };
    },
    state: (topic) => stateOf(topics.get(topic)?.values() ?? []),
  };
}

function stateOf(entries: Iterable<Entry>): PresenceState {
  // Keys come from clients: no prototype, so a key like "__proto__" is just a key.
  const state = Object.create(null) as PresenceState;
  for (const { key, meta } of entries) (state[key] ??= { metas: [] }).metas.push(meta);
  return state;
}
