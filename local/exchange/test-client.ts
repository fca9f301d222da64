// A WebSocket client for the simulator's tests: records every frame, ping and the close, and waits for
// conditions with a timeout instead of sleeping for fixed times.
import { performance } from 'node:perf_hooks';
import { WebSocket, type ClientOptions } from 'ws';

export interface Frame {
  text: string;
  /** performance.now() when it arrived. */
  at: number;
}

export interface TestClient {
  socket: WebSocket;
  frames: Frame[];
  pings: number;
  opened: Promise<void>;
  /** Resolves with the close code (1006 when the socket died without a close frame). */
  closed: Promise<number>;
}

/** Connects to url and starts recording. */
export function connectClient(url: string, options: ClientOptions = {}): TestClient {
  const socket = new WebSocket(url, options);
  const client: TestClient = {
    socket,
    frames: [],
    pings: 0,
    opened: new Promise((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    }),
    closed: new Promise((resolve) => socket.once('close', (code) => resolve(code))),
  };
  socket.on('message', (data) => client.frames.push({ text: String(data), at: performance.now() }));
  socket.on('ping', () => { client.pings += 1; });
  socket.on('error', () => {});
  return client;
}

/** The HTTP status a refused upgrade was answered with. */
export function refusedUpgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => reject(new Error(`${url} was accepted`)));
    socket.on('error', () => {});
  });
}

/** Polls until `probe` returns a value other than undefined/false, or fails after timeoutMs. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves after ms wall milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
