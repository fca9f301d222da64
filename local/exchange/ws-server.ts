// The WebSocket side of the simulator, on the shared HTTP server: Binance-style kline streams (raw
// and combined), ping frames with a pong deadline, and the socket-level fault knobs.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import type { KlineEvent } from '../../supabase/functions/_shared/kline-event.ts';
import { klineStreamName, parseStreamPath, type StreamRequest } from './stream-path.ts';

export interface StreamServerOptions {
  symbols: readonly string[];
  pingIntervalMs: number;
  /** How long a ping may go unanswered before the client is terminated; Binance allows a minute. */
  pongTimeoutMs?: number;
}

export interface StreamServer {
  /** Sends events to the clients subscribed to their symbols (nothing while stalled). */
  broadcast(events: readonly KlineEvent[]): void;
  clientCount(): number;
  isStalled(): boolean;
  /** Terminates every client socket without a close frame. */
  dropConnections(): void;
  /** Sends nothing (events, pings) for `ms` wall ms; sockets stay open. */
  stall(ms: number): void;
  /** Sends every client one frame that is not valid JSON. */
  sendMalformed(): void;
  /** Sends Binance's serverShutdown notice, then closes every socket. */
  serverShutdown(eventTime: number): void;
  /** Closes every socket and stops accepting upgrades. */
  close(): Promise<void>;
}

interface Client {
  socket: WebSocket;
  request: StreamRequest;
  /** When the oldest unanswered ping was sent (performance.now()), if any. */
  awaitingPongSince: number | undefined;
}

const DEFAULT_PONG_TIMEOUT_MS = 60_000;
/** A client this far behind is too slow to keep (Binance disconnects slow consumers too). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const MALFORMED_FRAME = '{"e":"kline","E":1754006400000,"s":"BTCUSDT","k":{"t":';

/** Serves kline streams on `server`'s upgrade requests. */
export function attachStreamServer(server: Server, options: StreamServerOptions): StreamServer {
  const wss = new WebSocketServer({ noServer: true });
  const clients = new Set<Client>();
  const pongTimeoutMs = options.pongTimeoutMs ?? DEFAULT_PONG_TIMEOUT_MS;
  let stalledUntil = 0;
  const isStalled = () => performance.now() < stalledUntil;
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const parsed = parseStreamPath(request.url ?? '/', options.symbols);
    if (!parsed.ok) return refuseUpgrade(socket, parsed.error);
    wss.handleUpgrade(request, socket, head, (ws) => trackClient(clients, ws, parsed.request));
  };
  server.on('upgrade', onUpgrade);
  const pinger = setInterval(() => isStalled() || pingClients(clients, pongTimeoutMs), options.pingIntervalMs).unref();
  return {
    broadcast(events) {
      if (!isStalled()) broadcastEvents(clients, events);
    },
    clientCount: () => clients.size,
    isStalled,
    dropConnections: () => clients.forEach((client) => client.socket.terminate()),
    stall(ms) {
      stalledUntil = Math.max(stalledUntil, performance.now() + ms);
    },
    sendMalformed: () => clients.forEach((client) => send(client, MALFORMED_FRAME)),
    serverShutdown(eventTime) {
      const notice = JSON.stringify({ e: 'serverShutdown', E: eventTime });
      for (const client of clients) {
        send(client, notice);
        client.socket.close(1001, 'server shutdown');
      }
    },
    async close() {
      clearInterval(pinger);
      server.off('upgrade', onUpgrade);
      await closeClients(clients);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function trackClient(clients: Set<Client>, socket: WebSocket, request: StreamRequest): void {
  const client: Client = { socket, request, awaitingPongSince: undefined };
  clients.add(client);
  socket.on('pong', () => { client.awaitingPongSince = undefined; });
  socket.on('close', () => clients.delete(client));
  socket.on('error', () => socket.terminate());
  // Clients may send frames (SUBSCRIBE...); the simulator's subscriptions are fixed by the URL.
  socket.on('message', () => {});
}

/** Each event is encoded once (and wrapped once) whatever the number of clients. */
function broadcastEvents(clients: Set<Client>, events: readonly KlineEvent[]): void {
  for (const event of events) {
    const raw = JSON.stringify(event);
    let wrapped: string | undefined;
    for (const client of clients) {
      if (!client.request.symbols.has(event.s)) continue;
      if (client.request.combined) wrapped ??= `{"stream":"${klineStreamName(event.s)}","data":${raw}}`;
      send(client, client.request.combined ? wrapped! : raw);
    }
  }
}

function send(client: Client, frame: string): void {
  if (client.socket.readyState !== WebSocket.OPEN) return;
  if (client.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
    client.socket.terminate();
    return;
  }
  client.socket.send(frame);
}

function pingClients(clients: Set<Client>, pongTimeoutMs: number): void {
  const now = performance.now();
  for (const client of clients) {
    if (client.socket.readyState !== WebSocket.OPEN) continue;
    if (client.awaitingPongSince !== undefined && now - client.awaitingPongSince >= pongTimeoutMs) {
      client.socket.terminate();
      continue;
    }
    client.awaitingPongSince ??= now;
    client.socket.ping();
  }
}

/** Answers a refused upgrade with an HTTP error, as Binance does for an unknown stream. */
function refuseUpgrade(socket: Duplex, error: { code: string; message: string }): void {
  const body = JSON.stringify(error);
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Closes with a close frame, terminating any socket that has not finished closing within a second. */
async function closeClients(clients: Set<Client>): Promise<void> {
  const closing = [...clients].map((client) => new Promise<void>((resolve) => {
    if (client.socket.readyState === WebSocket.CLOSED) return resolve();
    client.socket.once('close', () => resolve());
    client.socket.close(1001, 'simulator stopping');
    setTimeout(() => client.socket.terminate(), 1_000).unref();
  }));
  await Promise.all(closing);
}
