// A resilient client for Binance's combined kline stream: one connection for all symbols; reconnects
// with exponential backoff and jitter (capped at 30 s) on close, error or 10 s of silence; rotates
// the connection before Binance's 24-hour limit; reconnects at once on `serverShutdown`. Ping frames
// are answered by the WebSocket implementation itself (Deno, browsers and `ws` all do).

import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { parseStreamMessage, type StreamMessage } from './stream-message.ts';

/** The part of the standard WebSocket API the client uses: Deno's, the browser's and `ws`'s fit. */
export interface WebSocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}

export interface StreamClientOptions {
  url: string;
  createSocket: (url: string) => WebSocketLike;
  /** Every message, in arrival order. */
  onMessage: (message: StreamMessage) => void;
  /** Each time a connection opens (the first and every reconnect): time to backfill. */
  onOpen: (connection: number) => void;
  log: (line: string) => void;
  silenceTimeoutMs?: number;
  /** Binance closes connections after 24 h; rotate before that. */
  rotateAfterMs?: number;
  backoff?: BackoffOptions;
}

export interface StreamClient {
  /** Closes the connection for good; resolves once it is closed. */
  stop(): Promise<void>;
  /** Connections opened after the first. */
  reconnects(): number;
}

export const SILENCE_TIMEOUT_MS = 10_000;
export const ROTATE_AFTER_MS = 23 * 3_600_000 + 30 * 60_000;

/** The combined-stream URL for the 1-minute klines of `symbols`. */
export function combinedStreamUrl(wsBaseUrl: string, symbols: string[]): string {
  const streams = symbols.map((s) => `${s.toLowerCase()}@kline_1m`).join('/');
  return `${wsBaseUrl.replace(/\/+$/, '')}/stream?streams=${streams}`;
}

export function startStreamClient(options: StreamClientOptions): StreamClient {
  const silenceMs = options.silenceTimeoutMs ?? SILENCE_TIMEOUT_MS;
  const rotateMs = options.rotateAfterMs ?? ROTATE_AFTER_MS;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  let socket: WebSocketLike | undefined;
  let opened = 0;
  let failures = 0;
  let stopped = false;
  let silenceTimer: ReturnType<typeof setTimeout> | undefined;
  let rotateTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const clearTimers = () => {
    for (const timer of [silenceTimer, rotateTimer, retryTimer]) if (timer !== undefined) clearTimeout(timer);
    silenceTimer = rotateTimer = retryTimer = undefined;
  };

  /** Detaches and closes the current socket, so its late events cannot trigger anything. */
  const dropSocket = (code: number, reason: string) => {
    const old = socket;
    socket = undefined;
    if (!old) return;
    old.onopen = old.onmessage = old.onclose = old.onerror = null;
    try {
      old.close(code, reason);
    } catch {
      // Closing a socket that never opened may throw; it is gone either way.
    }
  };

  const reconnect = (why: string, immediately: boolean) => {
    clearTimers();
    dropSocket(4000, why);
    if (stopped) return;
    const delay = immediately ? 0 : backoffDelay(failures++, backoff);
    options.log(`stream: ${why}; reconnecting in ${delay} ms`);
    retryTimer = setTimeout(connect, delay);
  };

  const armSilenceTimer = () => {
    if (silenceTimer !== undefined) clearTimeout(silenceTimer);
    silenceTimer = setTimeout(() => reconnect(`no message for ${silenceMs} ms`, false), silenceMs);
  };

  function connect() {
    retryTimer = undefined;
    let current: WebSocketLike;
    try {
      current = options.createSocket(options.url);
    } catch (error) {
      reconnect(`could not open ${options.url}: ${(error as Error).message}`, false);
      return;
    }
    socket = current;
    // A handshake that hangs gets no close or error for minutes: it counts as silence too.
    armSilenceTimer();
    current.onopen = () => {
      opened += 1;
      armSilenceTimer();
      rotateTimer = setTimeout(() => reconnect('rotating the connection before the 24 h limit', true), rotateMs);
      options.onOpen(opened);
    };
    current.onmessage = (event) => {
      failures = 0;
      armSilenceTimer();
      const message = parseStreamMessage(typeof event.data === 'string' ? event.data : new TextDecoder().decode(event.data as Uint8Array));
      options.onMessage(message);
      if (message.kind === 'shutdown') reconnect('exchange announced serverShutdown', true);
    };
    current.onerror = () => reconnect('connection error', false);
    current.onclose = (event) => reconnect(`connection closed (code ${event.code}${event.reason ? `: ${event.reason}` : ''})`, false);
  }

  connect();
  return {
    stop() {
      stopped = true;
      clearTimers();
      dropSocket(1000, 'client stopping');
      return Promise.resolve();
    },
    reconnects: () => Math.max(0, opened - 1),
  };
}
