import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createConnection, createWriteBatcher, fitCloseReason, serverFrame, type Connection, type SendCounters } from './connection.ts';
import { waitFor } from './test-kit.ts';

interface Pair {
  connection: Connection;
  raw: Duplex;
  client: WebSocket;
  received: Buffer[];
  counters: SendCounters;
  logs: string[];
}

describe('createConnection', () => {
  let server: Server | undefined;
  const clients: WebSocket[] = [];
  afterEach(async () => {
    clients.splice(0).forEach((client) => client.terminate());
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A server-side connection and the `ws` client at the other end of it. */
  async function connect(maxBufferedBytes: number): Promise<Pair> {
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    const counters: SendCounters = { framesSent: 0, slowConsumersDropped: 0 };
    const logs: string[] = [];
    const accepted = new Promise<{ connection: Connection; raw: Duplex }>((resolve) => {
      server = createServer().on('upgrade', (request, raw, head) => wss.handleUpgrade(request, raw, head, (socket) => resolve({
        raw, connection: createConnection({ id: 1, vsn: '2.0.0', socket, raw, maxBufferedBytes, batcher: createWriteBatcher(), counters, log: (line) => logs.push(line) }),
      })));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const client = new WebSocket(`ws://127.0.0.1:${(server!.address() as { port: number }).port}`);
    clients.push(client);
    const received: Buffer[] = [];
    client.on('message', (data: Buffer) => received.push(data));
    const { connection, raw } = await accepted;
    await new Promise((resolve) => client.once('open', resolve));
    return { connection, raw, client, received, counters, logs };
  }

  const frame = (size: number) => ({ data: Buffer.alloc(size, 'x'), binary: false });
  const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

  it('holds the frames of one tick corked and writes them together at the end of it', async () => {
    const { connection, raw, received } = await connect(1024 * 1024);
    connection.send(frame(10));
    connection.send(frame(20));
    expect(raw.writableCorked).toBe(1);
    await nextTurn();
    expect(raw.writableCorked).toBe(0);
    await waitFor('both frames', () => received.length === 2);
    expect(received.map((data) => data.length)).toEqual([10, 20]);
  });

  it('lets one tick burst past the bound, up to four times it', async () => {
    const { connection, counters, received } = await connect(64 * 1024);
    for (let i = 0; i < 12; i++) expect(connection.send(frame(16 * 1024))).toBe(true);
    await waitFor('the burst', () => received.length === 12);
    expect(counters).toEqual({ framesSent: 12, slowConsumersDropped: 0 });
  });

  it('drops a consumer that leaves more than the bound unread from earlier ticks', async () => {
    const { connection, client, counters, logs } = await connect(64 * 1024);
    client.pause();
    let sent = 0;
    while (connection.send(frame(32 * 1024)) && sent < 5_000) {
      sent++;
      await nextTurn();
    }
    expect(counters.slowConsumersDropped).toBe(1);
    expect(logs).toEqual([expect.stringContaining('dropped as a slow consumer')]);
    await waitFor('the socket closed', () => !connection.isOpen());
  });
});

describe('fitCloseReason', () => {
  it('cuts a reason to the 123 bytes a close frame allows, at a character boundary', () => {
    expect(fitCloseReason('short')).toBe('short');
    const cut = fitCloseReason('é'.repeat(100));
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123);
    expect(cut).toBe('é'.repeat(61));
  });
});

/** ws's own framing (its CommonJS export; the type definitions leave Sender out). */
const { Sender } = createRequire(import.meta.url)('ws') as {
  Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] };
};

describe('serverFrame', () => {
  it.each([5, 125, 126, 65_535, 65_536, 200_000])('frames a %i-byte payload exactly as ws does', (length) => {
    for (const binary of [false, true]) {
      const payload = Buffer.alloc(length, 0x61);
      const expected = Buffer.concat(Sender.frame(payload, { fin: true, opcode: binary ? 2 : 1, mask: false, readOnly: true, rsv1: false }));
      expect(serverFrame(payload, binary).equals(expected)).toBe(true);
    }
  });
});
