// The dispatcher: a RowChange → the groups whose bindings match it (event, table, filter) → one
// authorization for all distinct viewers → one encoding per distinct payload → the same frame written
// to every permitted socket. Changes are delivered in the order they arrive.
import type { Authorizer, Viewer } from './authorizer.ts';
import { filteredRow, encodeChangeData } from './change-payload.ts';
import type { RowChange } from './change-source.ts';
import type { Channel } from './channel.ts';
import { matchesFilter } from './filters.ts';
import type { Binding } from './join.ts';
import type { Frame } from './protocol.ts';
import { encodePostgresChanges } from './serializer.ts';
import type { ChangeGroup, Subscriptions } from './subscriptions.ts';

export interface Dispatcher {
  dispatch(change: RowChange): void;
  /** Resolves once every change received so far has been delivered. */
  drained(): Promise<void>;
  stats(): DispatchStats;
}

export interface DispatchStats {
  changes: number;
  /** Changes received and not yet delivered (waiting on the authorizer or on an earlier change). */
  backlog: number;
  authorizations: number;
  authorizationFailures: number;
}

export interface DispatcherOptions {
  subscriptions: Subscriptions;
  authorizer: Authorizer;
  log: (line: string) => void;
}

/** A group the change matched: its matching ids, and its members with the viewer each had when planned. */
interface Delivery {
  group: ChangeGroup;
  ids: number[];
  select: ReadonlySet<string> | undefined;
  members: Array<{ channel: Channel; viewerKey: string }>;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const stats: DispatchStats = { changes: 0, backlog: 0, authorizations: 0, authorizationFailures: 0 };
  let tail = Promise.resolve();
  return {
    dispatch(change) {
      stats.changes++;
      const deliveries = planDeliveries(change, options.subscriptions.groupsFor(change.schema, change.table));
      if (deliveries.length === 0) return;
      const { viewers, indexOf } = distinctViewers(deliveries);
      stats.backlog++;
      stats.authorizations++;
      // Authorization starts at once; delivery waits for every earlier change, keeping commit order.
      const verdict = authorize(options.authorizer, change, viewers);
      tail = tail
        .then(() => verdict)
        .then((visible) => deliver(change, deliveries, (key) => visible.has(indexOf.get(key) ?? -1)))
        .catch((error: unknown) => {
          stats.authorizationFailures++;
          options.log(`realtime: ${change.type} on ${change.schema}.${change.table} not delivered: authorization failed: ${(error as Error).message ?? error}`);
        })
        .finally(() => void stats.backlog--);
    },
    drained: () => tail,
    stats: () => ({ ...stats }),
  };
}

/** The authorizer's answer; a synchronous throw becomes a rejection, and a rejection is handled later. */
function authorize(authorizer: Authorizer, change: RowChange, viewers: Viewer[]): Promise<Set<number>> {
  let verdict: Promise<Set<number>>;
  try {
    verdict = authorizer.visible(change, viewers);
  } catch (error) {
    verdict = Promise.reject(error);
  }
  // Marked as handled now: the delivery chain only reaches it after the changes before it.
  verdict.catch(() => {});
  return verdict;
}

/** Evaluates each distinct binding once, and keeps the groups with at least one matching id. */
function planDeliveries(change: RowChange, groups: readonly ChangeGroup[]): Delivery[] {
  const verdicts = new Map<number, boolean>();
  const row = filteredRow(change);
  const deliveries: Delivery[] = [];
  for (const group of groups) {
    const matched = group.bindings.filter((binding) => {
      let verdict = verdicts.get(binding.id);
      if (verdict === undefined) verdicts.set(binding.id, (verdict = bindingMatches(binding, change, row)));
      return verdict;
    });
    if (matched.length === 0 || group.members.size === 0) continue;
    const members = [...group.members].map((channel) => ({ channel, viewerKey: channel.viewerKey }));
    deliveries.push({ group, ids: matched.map((binding) => binding.id), select: selectOf(matched), members });
  }
  return deliveries;
}

function bindingMatches(binding: Binding, change: RowChange, row: RowChange['record']): boolean {
  return (binding.event === '*' || binding.event === change.type) &&
    binding.schema === change.schema &&
    (binding.table === '*' || binding.table === change.table) &&
    matchesFilter(binding.filter, row, change.columns);
}

/** The columns to send: every column unless each matching binding asked for a subset. */
function selectOf(matched: readonly Binding[]): ReadonlySet<string> | undefined {
  if (matched.some((binding) => !binding.select)) return undefined;
  return new Set(matched.flatMap((binding) => binding.select ?? []));
}

function distinctViewers(deliveries: readonly Delivery[]): { viewers: Viewer[]; indexOf: Map<string, number> } {
  const viewers: Viewer[] = [];
  const indexOf = new Map<string, number>();
  for (const { members } of deliveries) {
    for (const { channel, viewerKey } of members) {
      if (indexOf.has(viewerKey)) continue;
      indexOf.set(viewerKey, viewers.length);
      viewers.push(channel.viewer);
    }
  }
  return { viewers, indexOf };
}

/** Encodes once per (vsn, topic, ids) and writes that frame to each permitted, still-joined member. */
function deliver(change: RowChange, deliveries: readonly Delivery[], permitted: (viewerKey: string) => boolean): void {
  const frames = new Map<string, Frame>();
  const data = new Map<string, string>();
  for (const { group, ids, select, members } of deliveries) {
    let frame: Frame | undefined;
    for (const { channel, viewerKey } of members) {
      // A member that left, or changed token since it was planned, is skipped rather than guessed at.
      if (!channel.active || channel.viewerKey !== viewerKey || !permitted(viewerKey)) continue;
      frame ??= frameFor(frames, data, change, group, ids, select);
      channel.connection.send(frame);
    }
  }
}

function frameFor(frames: Map<string, Frame>, data: Map<string, string>, change: RowChange, group: ChangeGroup, ids: number[], select: ReadonlySet<string> | undefined): Frame {
  const selectKey = select ? [...select].sort().join(',') : '*';
  const key = `${group.vsn}\u0000${group.topic}\u0000${ids.join(',')}\u0000${selectKey}`;
  let frame = frames.get(key);
  if (!frame) {
    let json = data.get(selectKey);
    if (json === undefined) data.set(selectKey, (json = encodeChangeData(change, select)));
    frames.set(key, (frame = encodePostgresChanges(group.vsn, group.topic, ids, json)));
  }
  return frame;
}
