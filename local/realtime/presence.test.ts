import { describe, expect, it } from 'vitest';
import type { Channel } from './channel.ts';
import { createPresenceRegistry } from './presence.ts';
import { closeClient, joined, useTestRealtime, waitFor } from './test-kit.ts';

/** Just what the registry reads of a channel. */
function fakeChannel(topic: string, key: string): Channel {
  return { topic, presence: { enabled: true, key } } as Channel;
}

describe('createPresenceRegistry', () => {
  it('answers a track with a join diff under the presence key, and lists it in the state', () => {
    const presence = createPresenceRegistry();
    const diff = presence.track(fakeChannel('realtime:room', 'ada'), { online_at: 1 });
    expect(diff).toEqual({ joins: { ada: { metas: [{ online_at: 1, phx_ref: expect.any(String) }] } }, leaves: {} });
    expect(presence.state('realtime:room')).toEqual(diff.joins);
    expect(presence.state('realtime:elsewhere')).toEqual({});
  });

  it('keeps one meta per channel under a shared key', () => {
    const presence = createPresenceRegistry();
    presence.track(fakeChannel('realtime:room', 'ada'), { device: 'phone' });
    presence.track(fakeChannel('realtime:room', 'ada'), { device: 'laptop' });
    expect(presence.state('realtime:room').ada?.metas.map((meta) => meta.device)).toEqual(['phone', 'laptop']);
  });

  it('replaces a channel meta on a second track: the old ref leaves, a new one joins with phx_ref_prev', () => {
    const presence = createPresenceRegistry();
    const channel = fakeChannel('realtime:room', 'ada');
    const first = presence.track(channel, { status: 'away' });
    const second = presence.track(channel, { status: 'here' });
    const oldRef = first.joins.ada!.metas[0]!.phx_ref;
    expect(second.leaves).toEqual(first.joins);
    expect(second.joins.ada!.metas).toEqual([{ status: 'here', phx_ref: expect.not.stringMatching(`^${oldRef}$`), phx_ref_prev: oldRef }]);
  });

  it('answers an untrack with a leave diff, and a second untrack with nothing', () => {
    const presence = createPresenceRegistry();
    const channel = fakeChannel('realtime:room', 'ada');
    const { joins } = presence.track(channel, {});
    expect(presence.untrack(channel)).toEqual({ joins: {}, leaves: joins });
    expect(presence.untrack(channel)).toBeUndefined();
    expect(presence.state('realtime:room')).toEqual({});
  });

  it('treats a key named __proto__ as an ordinary key', () => {
    const presence = createPresenceRegistry();
    presence.track(fakeChannel('realtime:room', '__proto__'), { evil: false });
    const state = presence.state('realtime:room');
    expect(Object.keys(state)).toEqual(['__proto__']);
    expect(JSON.stringify(state)).toMatch(/^\{"__proto__":\{"metas":\[\{"evil":false,"phx_ref":"[^"]+"\}\]\}\}$/);
  });
});

describe('presence between unmodified supabase-js clients', () => {
  const realtime = useTestRealtime();
  const member = async (key: string) => {
    const client = realtime.client();
    const events: string[] = [];
    const channel = await joined(client.channel('lobby', { config: { presence: { key } } })
      .on('presence', { event: 'join' }, ({ key: who }) => events.push(`join ${who}`))
      .on('presence', { event: 'leave' }, ({ key: who }) => events.push(`leave ${who}`)));
    return { client, channel, events };
  };

  it('gives a late joiner the tracked state, then each join and leave of the others', async () => {
    const ada = await member('ada');
    expect(await ada.channel.track({ name: 'Ada' })).toBe('ok');
    const bob = await member('bob');
    await waitFor('ada in the state bob got on join', () => bob.channel.presenceState().ada !== undefined);
    expect(bob.channel.presenceState().ada).toEqual([{ name: 'Ada', presence_ref: expect.any(String) }]);
    const cyd = await member('cyd');
    await cyd.channel.track({ name: 'Cyd' });
    await waitFor('cyd joining', () => bob.events.includes('join cyd'));
    await ada.channel.untrack();
    await waitFor('ada leaving', () => bob.events.includes('leave ada'));
    await closeClient(cyd.client);
    await waitFor('cyd leaving with the socket', () => bob.events.includes('leave cyd'));
    expect(bob.events).toEqual(['join ada', 'join cyd', 'leave ada', 'leave cyd']);
    expect(Object.keys(ada.channel.presenceState())).toEqual([]);
  });
});
