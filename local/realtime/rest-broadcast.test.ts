import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeClient, connectClient, signToken, startTestRealtime, waitFor, type TestRealtime } from './test-kit.ts';

describe('createRestBroadcastHandler', () => {
  let stack: TestRealtime;
  const clients: SupabaseClient[] = [];
  const listener = async (name: string) => {
    const client = connectClient(stack.url, stack.anonKey);
    clients.push(client);
    const received: unknown[] = [];
    const channel = client.channel(name).on('broadcast', { event: '*' }, (message) => received.push(message));
    await new Promise<void>((resolve) => channel.subscribe((status) => status === 'SUBSCRIBED' && resolve()));
    return received;
  };
  const post = (path: string, body: unknown, headers: Record<string, string> = { apikey: stack.anonKey }) =>
    fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  beforeAll(async () => {
    stack = await startTestRealtime();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(closeClient));
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('answers POST /realtime/v1/api/broadcast with 202 and delivers each message to its topic', async () => {
    const [room, other] = [await listener('room'), await listener('other')];
    const response = await post('/realtime/v1/api/broadcast?apikey=ignored&vsn=2.0.0', {
      messages: [{ topic: 'room', event: 'candle', payload: { via: 'rest' }, private: false }, { topic: 'other', event: 'tick', payload: { n: 1 } }],
    }, { apikey: stack.anonKey, authorization: `Bearer ${stack.anonKey}` });
    expect(response.status).toBe(202);
    await waitFor('both messages', () => room.length === 1 && other.length === 1);
    expect(room).toEqual([{ type: 'broadcast', event: 'candle', payload: { via: 'rest' } }]);
    expect(other).toEqual([{ type: 'broadcast', event: 'tick', payload: { n: 1 } }]);
  });

  it('serves the fallback of send() on a channel that is not joined, which resolves ok', async () => {
    const room = await listener('fallback');
    const sender = connectClient(stack.url, stack.anonKey);
    clients.push(sender);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(await sender.channel('fallback').send({ type: 'broadcast', event: 'candle', payload: { via: 'send' } })).toBe('ok');
    warn.mockRestore();
    await waitFor('the message', () => room.length === 1);
    expect(room).toEqual([{ type: 'broadcast', event: 'candle', payload: { via: 'send' } }]);
  });

  it('serves httpSend() at /api/broadcast/<topic>/events/<event> with 202', async () => {
    const room = await listener('direct');
    const sender = connectClient(stack.url, stack.anonKey);
    clients.push(sender);
    await sender.channel('direct').httpSend('candle', { via: 'httpSend' });
    await waitFor('the message', () => room.length === 1);
    expect(room).toEqual([{ type: 'broadcast', event: 'candle', payload: { via: 'httpSend' } }]);
  });

  it.each([
    ['a wrongly signed key', async () => ({ apikey: await signToken({ role: 'anon' }, { secret: 'another-secret-0123456789abcdef' }) }), { messages: [] }, 401, 'JwtSignatureError'],
    ['no key', async () => ({}), { messages: [] }, 401, 'InvalidJWTToken'],
    ['a body that is not JSON', undefined, '{messages', 400, 'InvalidBroadcast'],
    ['a message without a topic', undefined, { messages: [{ event: 'x', payload: {} }] }, 400, 'InvalidBroadcast'],
    ['a private message', undefined, { messages: [{ topic: 'room', event: 'x', payload: {}, private: true }] }, 403, 'Unauthorized'],
  ])('refuses %s', async (_, makeHeaders, body, status, code) => {
    const response = await post('/realtime/v1/api/broadcast', body, makeHeaders ? await makeHeaders() : { apikey: stack.anonKey });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { reason: string }).reason).toMatch(new RegExp(`^${code}`));
  });

  it('answers 404 for another path under /realtime/v1 and 405 for another method', async () => {
    expect((await post('/realtime/v1/api/nothing', {})).status).toBe(404);
    expect((await fetch(`${stack.url}/realtime/v1/api/broadcast`)).status).toBe(405);
  });
});
