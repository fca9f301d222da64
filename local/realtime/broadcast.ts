// Fan-out for a topic: a user broadcast (from a socket or the REST API) or a presence diff is encoded at
// most once per serializer and the same frame is written to every channel that should get it.
import type { Channel } from './channel.ts';
import type { PresenceDiff } from './presence.ts';
import type { Frame, Vsn } from './protocol.ts';
import { encodeMessage, encodeUserBroadcast, type UserBroadcast } from './serializer.ts';
import type { Subscriptions } from './subscriptions.ts';

/** Sends to every channel of `topic`; the sender gets its own message only if it joined with `self`. Returns the count. */
export function fanOutBroadcast(subscriptions: Subscriptions, topic: string, broadcast: UserBroadcast, sender?: Channel): number {
  const frames = new Map<Vsn, Frame | undefined>();
  let sent = 0;
  for (const channel of subscriptions.channelsOf(topic)) {
    if (channel === sender && !channel.broadcast.self) continue;
    const vsn = channel.connection.vsn;
    if (!frames.has(vsn)) frames.set(vsn, encodeUserBroadcast(vsn, topic, broadcast));
    const frame = frames.get(vsn);
    // A vsn 1.0.0 socket cannot carry a binary payload; the real server skips it too.
    if (frame && channel.connection.send(frame)) sent++;
  }
  return sent;
}

/** Sends a `presence_diff` to every channel of the topic that has presence enabled. */
export function fanOutPresenceDiff(subscriptions: Subscriptions, topic: string, diff: PresenceDiff): void {
  const frames = new Map<Vsn, Frame>();
  for (const channel of subscriptions.channelsOf(topic)) {
    if (!channel.presence.enabled) continue;
    const vsn = channel.connection.vsn;
    let frame = frames.get(vsn);
    if (!frame) frames.set(vsn, (frame = encodeMessage(vsn, { joinRef: null, ref: null, topic, event: 'presence_diff', payload: diff })));
    channel.connection.send(frame);
  }
}
