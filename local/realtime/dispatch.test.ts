import { describe, expect, it } from 'vitest';
import type { Authorizer, Viewer } from './authorizer.ts';
import type { RowChange } from './change-source.ts';
import { createDispatcher } from './dispatch.ts';
import { createSubscriptions } from './subscriptions.ts';
import { candleChange, createFakeAuthorizer, createFakeChannel, createFakeConnection } from './test-kit.ts';

const CANDLES = { event: '*', schema: 'public', table: 'live_candles_1m' };
const BTC = { ...CANDLES, filter: 'symbol=eq.BTCUSDT' };
const ETH = { ...CANDLES, filter: 'symbol=eq.ETHUSDT' };

function setUp(authorizer: Authorizer = createFakeAuthorizer()) {
  const subscriptions = createSubscriptions();
  const logs: string[] = [];
  const dispatcher = createDispatcher({ subscriptions, authorizer, log: (line) => logs.push(line) });
  const join = (options: Parameters<typeof createFakeChannel>[0]) => {
    const channel = createFakeChannel(options);
    subscriptions.add(channel);
    return channel;
  };
  return { subscriptions, dispatcher, join, logs };
}

type Delivered = [null, null, string, string, { ids: number[]; data: Record<string, unknown> }];

describe('createDispatcher', () => {
  it('asks the authorizer once per change, with each distinct viewer once', async () => {
    const authorizer = createFakeAuthorizer();
    const { dispatcher, join } = setUp(authorizer);
    for (const role of ['anon', 'anon', 'anon', 'service_role']) join({ bindings: [CANDLES], role });
    dispatcher.dispatch(candleChange('INSERT'));
    await dispatcher.drained();
    expect(authorizer.calls.map(({ viewers }) => viewers.map((viewer) => viewer.role))).toEqual([['anon', 'service_role']]);
  });

  it('writes the very same encoded frame to every socket of a group', async () => {
    const { dispatcher, join } = setUp();
    const channels = [join({ bindings: [BTC] }), join({ bindings: [BTC] }), join({ bindings: [BTC], role: 'authenticated' })];
    dispatcher.dispatch(candleChange('UPDATE'));
    await dispatcher.drained();
    const frames = channels.map((channel) => channel.connection.sent[0]!.data);
    expect(frames[1]).toBe(frames[0]);
    expect(frames[2]).toBe(frames[0]);
  });

  it('lists in ids only the bindings of the channel that the change matched', async () => {
    const { dispatcher, join } = setUp();
    const channel = join({ bindings: [BTC, ETH, { ...CANDLES, event: 'DELETE' }] });
    dispatcher.dispatch(candleChange('INSERT', { symbol: 'ETHUSDT' }));
    await dispatcher.drained();
    const [message] = channel.connection.messages() as [Delivered];
    expect(message[4].ids).toEqual([channel.bindings[1]!.id]);
    expect(message.slice(0, 4)).toEqual([null, null, 'realtime:test', 'postgres_changes']);
    expect(message[4].data).toMatchObject({ type: 'INSERT', schema: 'public', table: 'live_candles_1m', errors: null, record: { symbol: 'ETHUSDT' } });
  });

  it('asks no one and sends nothing when no binding matches', async () => {
    const authorizer = createFakeAuthorizer();
    const { dispatcher, join } = setUp(authorizer);
    const channel = join({ bindings: [BTC, { event: 'INSERT', schema: 'public', table: 'other' }] });
    dispatcher.dispatch(candleChange('INSERT', { symbol: 'SOLUSDT' }));
    dispatcher.dispatch({ ...candleChange('INSERT'), table: 'unwatched' });
    await dispatcher.drained();
    expect([authorizer.calls.length, channel.connection.sent.length]).toEqual([0, 0]);
  });

  it('sends nothing to a viewer the authorizer refuses', async () => {
    const { dispatcher, join } = setUp(createFakeAuthorizer((_, viewer) => viewer.role !== 'anon'));
    const [anon, service] = [join({ bindings: [CANDLES] }), join({ bindings: [CANDLES], role: 'service_role' })];
    dispatcher.dispatch(candleChange('INSERT'));
    await dispatcher.drained();
    expect([anon.connection.sent.length, service.connection.sent.length]).toEqual([0, 1]);
  });

  it('delivers in arrival order when a later change is authorized first', async () => {
    const answers: Array<(visible: Set<number>) => void> = [];
    const slow: Authorizer = { visible: () => new Promise((resolve) => answers.push(resolve)), queryCount: () => answers.length, close: async () => {} };
    const { dispatcher, join } = setUp(slow);
    const channel = join({ bindings: [CANDLES] });
    dispatcher.dispatch(candleChange('INSERT', { trades: 1 }));
    dispatcher.dispatch(candleChange('UPDATE', { trades: 2 }));
    expect(dispatcher.stats().backlog).toBe(2);
    answers[1]!(new Set([0]));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(channel.connection.sent).toHaveLength(0);
    answers[0]!(new Set([0]));
    await dispatcher.drained();
    expect((channel.connection.messages() as Delivered[]).map((message) => message[4].data.type)).toEqual(['INSERT', 'UPDATE']);
  });

  it('drops a change whose authorization fails, logs it, and goes on with the next', async () => {
    let calls = 0;
    const flaky: Authorizer = {
      visible: async (_change: RowChange, viewers: Viewer[]) => {
        if (calls++ === 0) throw new Error('connection refused');
        return new Set(viewers.map((_, index) => index));
      },
      queryCount: () => calls,
      close: async () => {},
    };
    const { dispatcher, join, logs } = setUp(flaky);
    const channel = join({ bindings: [CANDLES] });
    dispatcher.dispatch(candleChange('INSERT'));
    dispatcher.dispatch(candleChange('UPDATE'));
    await dispatcher.drained();
    expect((channel.connection.messages() as Delivered[]).map((message) => message[4].data.type)).toEqual(['UPDATE']);
    expect(logs).toEqual([expect.stringContaining('authorization failed: connection refused')]);
    expect(dispatcher.stats()).toMatchObject({ changes: 2, backlog: 0, authorizations: 2, authorizationFailures: 1 });
  });

  it('skips a channel that left, or changed its token, while its change was being authorized', async () => {
    const { dispatcher, join, subscriptions } = setUp();
    const [gone, switched, stayed] = [join({ bindings: [CANDLES] }), join({ bindings: [CANDLES] }), join({ bindings: [CANDLES] })];
    dispatcher.dispatch(candleChange('INSERT'));
    subscriptions.remove(gone);
    gone.active = false;
    switched.viewerKey = '{"role":"authenticated"}';
    await dispatcher.drained();
    expect([gone, switched, stayed].map((channel) => channel.connection.sent.length)).toEqual([0, 0, 1]);
  });

  it('sends only the selected columns when every matching binding asked for a subset', async () => {
    const { dispatcher, join } = setUp();
    const narrow = join({ bindings: [{ ...CANDLES, select: ['symbol', 'close'] }] });
    const wide = join({ bindings: [{ ...CANDLES, select: ['symbol'] }, BTC] });
    dispatcher.dispatch(candleChange('UPDATE'));
    await dispatcher.drained();
    const [narrowData, wideData] = [narrow, wide].map((channel) => (channel.connection.messages() as Delivered[])[0]![4].data);
    expect(narrowData).toMatchObject({ record: { symbol: 'BTCUSDT', close: 67005.25 }, old_record: { symbol: 'BTCUSDT' } });
    expect(Object.keys(narrowData!.record as object)).toEqual(['symbol', 'close']);
    expect((narrowData!.columns as Array<{ name: string }>).map(({ name }) => name)).toEqual(['symbol', 'close']);
    expect(Object.keys(wideData!.record as object)).toHaveLength(10);
  });

  it('encodes vsn 1.0.0 groups as JSON objects', async () => {
    const { dispatcher, join } = setUp();
    const channel = join({ connection: createFakeConnection('1.0.0'), bindings: [CANDLES] });
    dispatcher.dispatch(candleChange('DELETE'));
    await dispatcher.drained();
    expect(channel.connection.messages()).toEqual([{
      topic: 'realtime:test', event: 'postgres_changes', ref: null, join_ref: null,
      payload: { ids: [channel.bindings[0]!.id], data: expect.objectContaining({ type: 'DELETE', old_record: { symbol: 'BTCUSDT', timestamp: '2025-01-01T12:34:00+00:00' } }) },
    }]);
  });
});
