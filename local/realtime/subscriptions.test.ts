import { describe, expect, it } from 'vitest';
import { createSubscriptions } from './subscriptions.ts';
import { createFakeChannel, createFakeConnection } from './test-kit.ts';

const CANDLES = { event: '*', schema: 'public', table: 'live_candles_1m' };
const BTC = { ...CANDLES, filter: 'symbol=eq.BTCUSDT' };

describe('createSubscriptions', () => {
  it('groups channels with equal vsn, topic and binding ids, and separates those that differ in any', () => {
    const subscriptions = createSubscriptions();
    const same = [createFakeChannel({ bindings: [BTC] }), createFakeChannel({ bindings: [BTC], role: 'service_role' })];
    const others = [
      createFakeChannel({ bindings: [BTC], topic: 'realtime:other' }),
      createFakeChannel({ bindings: [BTC], connection: createFakeConnection('1.0.0') }),
      createFakeChannel({ bindings: [BTC, CANDLES] }),
    ];
    [...same, ...others].forEach((channel) => subscriptions.add(channel));
    const groups = subscriptions.groupsFor('public', 'live_candles_1m');
    expect(groups).toHaveLength(4);
    expect(groups.find((group) => group.members.has(same[0]!))?.members).toEqual(new Set(same));
    expect(subscriptions.counts()).toEqual({ channels: 5, topics: 2, groups: 4 });
  });

  it('finds a group by its table or by a schema-wide binding, and only once', () => {
    const subscriptions = createSubscriptions();
    subscriptions.add(createFakeChannel({ bindings: [CANDLES, { event: 'INSERT', schema: 'public' }] }));
    subscriptions.add(createFakeChannel({ bindings: [{ event: '*', schema: 'audit', table: 'log' }] }));
    expect(subscriptions.groupsFor('public', 'live_candles_1m')).toHaveLength(1);
    expect(subscriptions.groupsFor('public', 'anything')).toHaveLength(1);
    expect(subscriptions.groupsFor('audit', 'live_candles_1m')).toHaveLength(0);
    expect(subscriptions.groupsFor('audit', 'log')).toHaveLength(1);
  });

  it('counts a binding repeated on one channel once in its group', () => {
    const subscriptions = createSubscriptions();
    subscriptions.add(createFakeChannel({ bindings: [BTC, BTC] }));
    expect(subscriptions.groupsFor('public', 'live_candles_1m')[0]?.bindings).toHaveLength(1);
  });

  it('forgets a group, and its table index, with its last member', () => {
    const subscriptions = createSubscriptions();
    const [first, second] = [createFakeChannel({ bindings: [BTC] }), createFakeChannel({ bindings: [BTC] })];
    subscriptions.add(first);
    subscriptions.add(second);
    subscriptions.remove(first);
    expect(subscriptions.groupsFor('public', 'live_candles_1m')[0]?.members).toEqual(new Set([second]));
    subscriptions.remove(second);
    subscriptions.remove(second);
    expect(subscriptions.groupsFor('public', 'live_candles_1m')).toEqual([]);
    expect(subscriptions.counts()).toEqual({ channels: 0, topics: 0, groups: 0 });
  });

  it('lists every channel of a topic for broadcast, with or without bindings', () => {
    const subscriptions = createSubscriptions();
    const channels = [createFakeChannel({ topic: 'realtime:room' }), createFakeChannel({ topic: 'realtime:room', bindings: [CANDLES] })];
    channels.forEach((channel) => subscriptions.add(channel));
    expect([...subscriptions.channelsOf('realtime:room')]).toEqual(channels);
    expect(subscriptions.changeChannels()).toEqual([channels[1]]);
    expect(subscriptions.channelsOf('realtime:nobody').size).toBe(0);
  });
});
