import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openRawClient, signToken, startTestRealtime, type RawClient, type TestRealtime } from './test-kit.ts';

const CANDLES = { event: '*', schema: 'public', table: 'live_candles_1m' };

describe('createSession, driven over a raw socket', () => {
  let stack: TestRealtime;
  const sockets: RawClient[] = [];
  const open = async (query: Record<string, string> = {}) => {
    const client = await openRawClient(stack.url, { apikey: stack.anonKey, vsn: '2.0.0', ...query });
    sockets.push(client);
    return client;
  };
  const join = (topic: string, config: Record<string, unknown> = {}, ref = '1') =>
    [ref, ref, topic, 'phx_join', { config: { broadcast: { ack: false, self: false }, presence: { key: '', enabled: false }, postgres_changes: [], private: false, ...config } }];
  const replyTo = (ref: string) => (frame: unknown) => Array.isArray(frame) && frame[1] === ref && frame[3] === 'phx_reply';

  beforeAll(async () => {
    stack = await startTestRealtime();
  });
  afterEach(() => {
    sockets.splice(0).forEach(({ socket }) => socket.terminate());
  });
  afterAll(async () => {
    await stack.stop();
  });

  describe('onHeartbeat', () => {
    it('answers with an ok reply carrying the heartbeat ref and a null join_ref', async () => {
      const client = await open();
      client.send([null, '8', 'phoenix', 'heartbeat', {}]);
      expect(await client.frame(replyTo('8'))).toEqual([null, '8', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
    });

    it('answers a vsn 1.0.0 socket with a JSON object', async () => {
      const client = await open({ vsn: '1.0.0' });
      client.send({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '3' });
      expect(await client.frame(() => true)).toEqual({ topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} }, ref: '3', join_ref: null });
    });
  });

  describe('onPhxJoin', () => {
    it('echoes the postgres_changes bindings in order, each with a truthy id, equal params giving equal ids', async () => {
      const [a, b] = [await open(), await open()];
      const btc = { ...CANDLES, filter: 'symbol=eq.BTCUSDT' };
      const inserts = { event: 'INSERT', schema: 'public', table: 'live_candles_1m' };
      a.send(join('realtime:a', { postgres_changes: [btc, inserts] }));
      b.send(join('realtime:b', { postgres_changes: [inserts, btc] }));
      const echoed = async (client: RawClient) => ((await client.frame(replyTo('1'))) as [null, null, null, null, { response: { postgres_changes: Array<{ id: number }> } }])[4].response.postgres_changes;
      const [fromA, fromB] = [await echoed(a), await echoed(b)];
      expect(fromA).toEqual([{ ...btc, id: expect.any(Number) }, { ...inserts, id: expect.any(Number) }]);
      expect(fromA.every(({ id }) => id > 0)).toBe(true);
      expect(fromA[0]!.id).not.toBe(fromA[1]!.id);
      expect(fromB.map(({ id }) => id)).toEqual([fromA[1]!.id, fromA[0]!.id]);
    });

    it('follows the reply with a system message carrying the join ref', async () => {
      const client = await open();
      client.send(join('realtime:sys', { postgres_changes: [CANDLES] }, '6'));
      const system = await client.frame((frame) => Array.isArray(frame) && frame[3] === 'system');
      expect(system).toEqual(['6', null, 'realtime:sys', 'system', { extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL', channel: 'sys' }]);
      expect(client.frames.findIndex(replyTo('6'))).toBe(0);
    });

    it.each([
      ['a filter with an unknown operator', 'realtime:f', { postgres_changes: [{ ...CANDLES, filter: 'symbol=like.BTC%' }] }, 'InvalidFilter: Error parsing `filter` params: unknown operator "like"'],
      ['a filter without a table', 'realtime:f', { postgres_changes: [{ event: '*', schema: 'public', filter: 'symbol=eq.A' }] }, 'InvalidFilter'],
      ['an unknown change event', 'realtime:f', { postgres_changes: [{ ...CANDLES, event: 'TRUNCATE' }] }, 'InvalidJoinPayload'],
      ['a topic without a name', 'realtime:', {}, 'TopicNameRequired: You must provide a topic name'],
      ['a topic outside realtime:', 'room', {}, 'UnmatchedTopic'],
      ['a private channel', 'realtime:p', { private: true }, 'Unauthorized'],
    ])('refuses %s with an error reply', async (_, topic, config, reason) => {
      const client = await open();
      client.send(join(topic, config));
      const reply = (await client.frame(replyTo('1'))) as unknown[];
      expect(reply[4]).toEqual({ status: 'error', response: { reason: expect.stringContaining(reason) } });
      expect(stack.realtime.stats().channels).toBe(0);
    });

    it('allows 100 joins per socket in 10 s, and answers the next with ClientJoinRateLimitReached', async () => {
      const client = await open();
      for (let i = 1; i <= 101; i++) client.send(join('realtime:busy', {}, String(i)));
      const last = (await client.frame(replyTo('101'))) as unknown[];
      expect(last[4]).toEqual({ status: 'error', response: { reason: expect.stringMatching(/^ClientJoinRateLimitReached: /) } });
      expect(((await client.frame(replyTo('100'))) as unknown[])[4]).toMatchObject({ status: 'ok' });
      expect(client.socket.readyState).toBe(client.socket.OPEN);
    });
  });

  describe('onPhxLeave', () => {
    it('replies ok, then sends phx_close with the join ref', async () => {
      const client = await open();
      client.send(join('realtime:bye', {}, '20'));
      await client.frame(replyTo('20'));
      client.send(['20', '21', 'realtime:bye', 'phx_leave', {}]);
      await client.frame((frame) => Array.isArray(frame) && frame[3] === 'phx_close');
      expect(client.frames.slice(-2)).toEqual([
        ['20', '21', 'realtime:bye', 'phx_reply', { status: 'ok', response: {} }],
        ['20', '20', 'realtime:bye', 'phx_close', {}],
      ]);
      expect(stack.realtime.stats().channels).toBe(0);
    });
  });

  describe('receive', () => {
    it('answers a push for a topic the socket has not joined with UnmatchedTopic, and stays open', async () => {
      const client = await open();
      client.send([null, '4', 'realtime:elsewhere', 'presence', { type: 'presence', event: 'track', payload: {} }]);
      expect(((await client.frame(replyTo('4'))) as unknown[])[4]).toEqual({ status: 'error', response: { reason: expect.stringMatching(/^UnmatchedTopic: /) } });
      expect(client.socket.readyState).toBe(client.socket.OPEN);
    });

    it.each([
      ['text that is not JSON', '2.0.0', 'hello'],
      ['an array that is not [join_ref, ref, topic, event, payload]', '2.0.0', '[1,2]'],
      ['an object on vsn 2.0.0', '2.0.0', '{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"1"}'],
      ['a payload that is not an object', '2.0.0', '[null,"1","phoenix","heartbeat","x"]'],
      ['a binary frame of an unknown kind', '2.0.0', Buffer.from([9, 0, 0])],
      ['a binary frame on vsn 1.0.0', '1.0.0', Buffer.from([3, 0, 0, 0, 0, 0, 1])],
    ])('closes the socket with 1003 on %s', async (_, vsn, frame) => {
      const client = await open({ vsn });
      client.send(frame);
      expect(await client.closed).toEqual({ code: 1003, reason: expect.stringMatching(/^MalformedFrame: /) });
    });

    it.each([
      ['an unknown channel event', ['1', '1', 'realtime:x', 'shout', {}]],
      ['a join on the phoenix topic', ['1', '1', 'phoenix', 'phx_join', {}]],
    ])('closes the socket with 1008 on %s', async (_, frame) => {
      const client = await open();
      client.send(frame);
      expect(await client.closed).toEqual({ code: 1008, reason: expect.stringMatching(/^UnknownEvent: /) });
    });

    it('closes a socket that sends nothing for the idle timeout', async () => {
      const idle = await startTestRealtime({ limits: { idleTimeoutMs: 300 } });
      const client = await openRawClient(idle.url, { apikey: idle.anonKey, vsn: '2.0.0' });
      expect(await client.closed).toEqual({ code: 1000, reason: 'heartbeat timeout' });
      await idle.stop();
    });
  });

  describe('shutDownChannel', () => {
    it('sends a system error and phx_close when the channel token expires', async () => {
      const client = await open();
      const keepAlive = setInterval(() => client.send([null, 'hb', 'phoenix', 'heartbeat', {}]), 100);
      client.send(['1', '1', 'realtime:short', 'phx_join', { config: {}, access_token: await signToken({ role: 'anon' }, { expiresIn: 1 }) }]);
      await client.frame((frame) => Array.isArray(frame) && frame[3] === 'phx_close', 4_000);
      clearInterval(keepAlive);
      expect(client.frames).toContainEqual(['1', null, 'realtime:short', 'system', { extension: 'system', status: 'error', message: expect.stringMatching(/^InvalidJWTToken: Token has expired/), channel: 'short' }]);
    });
  });

  describe('the upgrade', () => {
    it('is refused with 400 for a vsn the server does not speak', async () => {
      await expect(openRawClient(stack.url, { vsn: '3.0.0' })).rejects.toThrow(/400/);
    });
  });
});
