import { describe, expect, it } from 'vitest';
import { joined, useTestRealtime, waitFor } from './test-kit.ts';

describe('fanOutBroadcast, between unmodified supabase-js clients', () => {
  const realtime = useTestRealtime();
  /** A subscribed channel on a new client, with the broadcasts it receives. */
  const member = async (name: string, options: { vsn?: string; broadcast?: { self?: boolean; ack?: boolean } } = {}) => {
    const received: unknown[] = [];
    const client = realtime.client(options.vsn ? { vsn: options.vsn } : {});
    const channel = await joined(client.channel(name, { config: { broadcast: options.broadcast ?? {} } }).on('broadcast', { event: '*' }, (message) => received.push(message)));
    return { channel, received };
  };

  it('delivers to the other subscribers and, with self, to the sender; with ack, send() resolves on the reply', async () => {
    const sender = await member('room', { broadcast: { self: true, ack: true } });
    const other = await member('room');
    const result = await sender.channel.send({ type: 'broadcast', event: 'candle', payload: { symbol: 'BTCUSDT', close: 1.25 } });
    expect(result).toBe('ok');
    const message = { type: 'broadcast', event: 'candle', payload: { symbol: 'BTCUSDT', close: 1.25 } };
    await waitFor('both copies', () => sender.received.length === 1 && other.received.length === 1);
    expect([sender.received, other.received]).toEqual([[message], [message]]);
  });

  it('does not echo a message to a sender that joined without self', async () => {
    const sender = await member('quiet');
    const other = await member('quiet');
    await sender.channel.send({ type: 'broadcast', event: 'first', payload: {} });
    await waitFor('the first message', () => other.received.length === 1);
    await other.channel.send({ type: 'broadcast', event: 'second', payload: {} });
    await waitFor('the answer', () => sender.received.length === 1);
    expect(sender.received).toEqual([{ type: 'broadcast', event: 'second', payload: {} }]);
  });

  it('carries messages between a vsn 1.0.0 and a vsn 2.0.0 client both ways', async () => {
    const v1 = await member('mixed', { vsn: '1.0.0' });
    const v2 = await member('mixed');
    await v2.channel.send({ type: 'broadcast', event: 'down', payload: { n: 2 } });
    await v1.channel.send({ type: 'broadcast', event: 'up', payload: { n: 1 } });
    await waitFor('one message each', () => v1.received.length === 1 && v2.received.length === 1);
    expect(v1.received).toEqual([{ type: 'broadcast', event: 'down', payload: { n: 2 } }]);
    expect(v2.received).toEqual([{ type: 'broadcast', event: 'up', payload: { n: 1 } }]);
  });

  it('passes a binary payload on to vsn 2.0.0 subscribers only', async () => {
    const sender = await member('bytes');
    const v2 = await member('bytes');
    const v1 = await member('bytes', { vsn: '1.0.0' });
    await sender.channel.send({ type: 'broadcast', event: 'raw', payload: new Uint8Array([1, 2, 255]).buffer });
    await sender.channel.send({ type: 'broadcast', event: 'json', payload: { after: true } });
    await waitFor('the JSON message on vsn 1.0.0', () => v1.received.length === 1);
    await waitFor('both on vsn 2.0.0', () => v2.received.length === 2);
    const [raw] = v2.received as [{ payload: ArrayBuffer }];
    expect([...new Uint8Array(raw.payload)]).toEqual([1, 2, 255]);
    expect(v1.received).toEqual([{ type: 'broadcast', event: 'json', payload: { after: true } }]);
  });
});
