// Who listens to what: joined channels by topic (broadcast, presence), and postgres_changes groups —
// channels with equal (vsn, topic, binding ids) — indexed by schema and table, so that filters are
// evaluated and frames encoded once per group, not once per socket.
import type { Channel } from './channel.ts';
import type { Binding } from './join.ts';
import type { Vsn } from './protocol.ts';

export interface ChangeGroup {
  readonly key: string;
  readonly vsn: Vsn;
  readonly topic: string;
  /** The members' bindings, one per distinct id. */
  readonly bindings: readonly Binding[];
  readonly members: Set<Channel>;
}

export interface Subscriptions {
  add(channel: Channel): void;
  remove(channel: Channel): void;
  channelsOf(topic: string): ReadonlySet<Channel>;
  /** Groups with at least one binding on the table (or on every table of its schema). */
  groupsFor(schema: string, table: string): ChangeGroup[];
  /** Every joined channel with postgres_changes bindings. */
  changeChannels(): Channel[];
  counts(): { channels: number; topics: number; groups: number };
}

const NO_CHANNELS: ReadonlySet<Channel> = new Set();

export function createSubscriptions(): Subscriptions {
  const topics = new Map<string, Set<Channel>>();
  const groups = new Map<string, ChangeGroup>();
  const tables = new Map<string, Set<ChangeGroup>>();
  let channelCount = 0;
  return {
    add(channel) {
      addTo(topics, channel.topic, channel);
      channelCount++;
      if (channel.bindings.length > 0) joinGroup(groups, tables, channel);
    },
    remove(channel) {
      if (!topics.get(channel.topic)?.has(channel)) return;
      removeFrom(topics, channel.topic, channel);
      channelCount--;
      if (channel.bindings.length > 0) leaveGroup(groups, tables, channel);
    },
    channelsOf: (topic) => topics.get(topic) ?? NO_CHANNELS,
    groupsFor(schema, table) {
      const exact = tables.get(tableKey(schema, table));
      const wildcard = tables.get(tableKey(schema, '*'));
      if (!wildcard) return exact ? [...exact] : [];
      if (!exact) return [...wildcard];
      return [...new Set([...exact, ...wildcard])];
    },
    changeChannels: () => [...groups.values()].flatMap((group) => [...group.members]),
    counts: () => ({ channels: channelCount, topics: topics.size, groups: groups.size }),
  };
}

function joinGroup(groups: Map<string, ChangeGroup>, tables: Map<string, Set<ChangeGroup>>, channel: Channel): void {
  const key = groupKey(channel);
  let group = groups.get(key);
  if (!group) {
    const bindings = distinctBindings(channel.bindings);
    group = { key, vsn: channel.connection.vsn, topic: channel.topic, bindings, members: new Set() };
    groups.set(key, group);
    for (const table of new Set(bindings.map((binding) => tableKey(binding.schema, binding.table)))) addTo(tables, table, group);
  }
  group.members.add(channel);
}

function leaveGroup(groups: Map<string, ChangeGroup>, tables: Map<string, Set<ChangeGroup>>, channel: Channel): void {
  const group = groups.get(groupKey(channel));
  if (!group?.members.delete(channel) || group.members.size > 0) return;
  groups.delete(group.key);
  for (const binding of group.bindings) removeFrom(tables, tableKey(binding.schema, binding.table), group);
}

function groupKey(channel: Channel): string {
  const ids = distinctBindings(channel.bindings).map((binding) => binding.id);
  return `${channel.connection.vsn}\u0000${channel.topic}\u0000${ids.join(',')}`;
}

function distinctBindings(bindings: readonly Binding[]): Binding[] {
  const seen = new Set<number>();
  return bindings.filter((binding) => !seen.has(binding.id) && seen.add(binding.id));
}

function tableKey(schema: string, table: string): string {
  return `${schema}\u0000${table}`;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set?.delete(value) && set.size === 0) map.delete(key);
}
