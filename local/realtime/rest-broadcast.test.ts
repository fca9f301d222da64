import { describe, expect, it, vi } from 'vitest';
import { joined, signToken, useTestRealtime, waitFor } from './test-kit.ts';

describe('createRestBroadcastHandler', () => {
  const realtime = useTestRealtime();
  const listener = async (name: string) => {
    const received: unknown[] = [];
    await joined(realtime.client().channel(name).on('broadcast', { event: '*' }, (message) => received.push(message)));
    return received;
  };
  const post = (path: string, body: unknown, headers: Record<string, string> = { apikey: realtime.stack().anonKey }) =>
    fetch(`${realtime.stack().url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('answers POST /realtime/v1/api/broadcast with 202 and delivers each message to its topic', async () => {
    const [room, other] = [await listener('room'), await listener('other')];
    const response = await post('/realtime/v1/api/broadcast?apikey=ignored&vsn=2.0.0', {
      messages: [{ topic: 'room', event: 'candle', payload: { via: 'rest' }, private: false }, { topic: 'other', event: 'tick', payload: { n: 1 } }],
    }, { apikey: realtime.stack().anonKey, authorization: `Bearer ${realtime.stack().anonKey}` });
    expect(response.status).toBe(202);
    await waitFor('both messages', () => room.length === 1 && other.length === 1);
    expect(room).toEqual([{ type: 'broadcast', event: 'candle', payload: { via: 'rest' } }]);
    expect(other).toEqual([{ type: 'broadcast', event: 'tick', payload: { n: 1 } }]);
  });

  it('serves the fallback of send() on a channel that is not joined, which resolves ok', async () => {
    const room = await listener('fallback');
    const sender = realtime.client();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(await sender.channel('fallback').send({ type: 'broadcast', event: 'candle', payload: { via: 'send' } })).toBe('ok');
    warn.mockRestore();
    await waitFor('the message', () => room.length === 1);
    expect(room).toEqual([{ type: 'broadcast', event: 'candle', payload: { via: 'send' } }]);
  });

  it('serves httpSend() at /api/broadcast/<topic>/events/<event> with 202', async () => {
    const room = await listener('direct');
    const sender = realtime.client();
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
    const response = await post('/realtime/v1/api/broadcast', body, makeHeaders ? await makeHeaders() : { apikey: realtime.stack().anonKey });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { reason: string }).reason).toMatch(new RegExp(`^${code}`));
  });

  it('answers 404 for another path under /realtime/v1 and 405 for another method', async () => {
    expect((await post('/realtime/v1/api/nothing', {})).status).toBe(404);
    expect((await fetch(`${realtime.stack().url}/realtime/v1/api/broadcast`)).status).toBe(405);
  });
});
