import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebSocketLike } from './binance-stream.ts';
import { buildKlineEvent, MINUTE_MS, type KlineEvent } from './kline-event.ts';
import { runStreamSession, type IngestCounts, type IngestSink, type SessionOptions } from './stream-session.ts';

/** The session starts half a minute into 12:00 UTC; fake timers make Date.now() and every timer follow the test. */
const NOW = Date.UTC(2025, 7, 1, 12, 0, 30);
const BUDGET_MS = 1_000;

/** A socket that opens on its own, like a real one, and receives whatever the test sends it. */
class FakeSocket implements WebSocketLike {
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  closedWith: number | undefined;

  constructor(readonly url: string) {
    queueMicrotask(() => this.onopen?.({}));
  }
  close(code?: number): void {
    this.closedWith = code;
  }
  receive(data: string): void {
    this.onmessage?.({ data });
  }
  drop(): void {
    this.onclose?.({ code: 1006, reason: '' });
  }
}

/** A sink that records each batch it accepts, answers with counts, and fails the attempts `fails` picks. */
function fakeSink(options: {
  newest?: Record<string, number>;
  answer?: (items: unknown[]) => IngestCounts;
  fails?: (attempt: number) => boolean;
} = {}) {
  const attempts: string[] = [];
  const batches: unknown[][] = [];
  const asked: string[] = [];
  const sink: IngestSink = {
    ingest(batchJson) {
      attempts.push(batchJson);
      if (options.fails?.(attempts.length)) return Promise.reject(new Error('connection reset'));
      const items = JSON.parse(batchJson) as unknown[];
      batches.push(items);
      return Promise.resolve(options.answer?.(items) ?? { accepted: items.length, stale: 0, rejected: 0 });
    },
    backfillFrom(symbol) {
      asked.push(symbol);
      return Promise.resolve(options.newest?.[symbol] ?? null);
    },
  };
  return { sink, attempts, batches, asked, items: () => batches.flat() };
}

/** Binance's REST klines endpoint over per-symbol rows, recording what each call asked for. */
function fakeRest(history: Record<string, KlineEvent[]> = {}) {
  const calls: { symbol: string; startTime: number }[] = [];
  const fetch = (input: string | URL | Request): Promise<Response> => {
    const url = new URL(String(input));
    const symbol = url.searchParams.get('symbol') ?? '';
    const startTime = Number(url.searchParams.get('startTime'));
    calls.push({ symbol, startTime });
    const rows = (history[symbol] ?? []).filter(({ k }) => k.t >= startTime).slice(0, Number(url.searchParams.get('limit')))
      .map(({ k }) => [k.t, k.o, k.h, k.l, k.c, k.v, k.T, k.q, k.n, k.V, k.Q, '0']);
    return Promise.resolve(new Response(JSON.stringify(rows)));
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

function kline(symbol: string, openTime: number, eventTime: number, closed = false): KlineEvent {
  return buildKlineEvent({
    symbol, openTime, eventTime, open: '100.10', high: '101.25', low: '99.5', close: '100.75', volume: '1.5',
    quoteVolume: '150.5', trades: 12, closed,
  });
}

/** Frame `i`: an update of the open 12:00 candle, as the combined stream sends it. */
function frame(i: number, symbol = 'BTCUSDT'): string {
  return JSON.stringify({ stream: `${symbol.toLowerCase()}@kline_1m`, data: kline(symbol, NOW - 30_000, NOW + i) });
}

function startSession(overrides: Partial<SessionOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const sink = overrides.sink ? undefined : fakeSink();
  const rest = overrides.fetch ? undefined : fakeRest();
  let settled = false;
  const done = runStreamSession({
    symbols: ['BTCUSDT'],
    wsBaseUrl: 'wss://stream.example.test',
    restBaseUrl: 'https://rest.example.test',
    restPath: '/fapi/v1/klines',
    budgetMs: BUDGET_MS,
    sink: sink?.sink as IngestSink,
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    fetch: rest?.fetch as typeof globalThis.fetch,
    log: () => {},
    batching: { maxEvents: 3, flushIntervalMs: 50 },
    ...overrides,
  });
  done.then(() => { settled = true; }, () => { settled = true; });
  return {
    sockets,
    sink,
    rest,
    latest: () => sockets[sockets.length - 1]!,
    /** Runs the clock until the session has returned its summary (or failed). */
    finish: async () => {
      for (let waited = 0; !settled && waited < 600_000; waited += 50) await vi.advanceTimersByTimeAsync(50);
      return done;
    },
  };
}

/** The texts that reached the sink, re-encoded: JSON.stringify'd frames come back byte for byte. */
const texts = (items: unknown[]) => items.map((item) => JSON.stringify(item));

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('runStreamSession', () => {
  it('connects to the combined stream of every symbol', async () => {
    const session = startSession({ symbols: ['BTCUSDT', 'ethusdt'] });
    await session.finish();
    expect(session.sockets[0]!.url).toBe('wss://stream.example.test/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m');
  });

  it('hands every kline frame to the sink exactly once and in arrival order', async () => {
    const session = startSession();
    await vi.advanceTimersByTimeAsync(0);
    const frames = Array.from({ length: 20 }, (_, i) => frame(i));
    for (const [i, text] of frames.entries()) {
      session.latest().receive(text);
      await vi.advanceTimersByTimeAsync(i % 4 === 0 ? 60 : 5);
    }
    const summary = await session.finish();
    expect(texts(session.sink!.items())).toEqual(frames);
    expect(session.sink!.batches.length).toBeGreaterThan(1);
    expect(summary).toMatchObject({ status: 'completed', events: 20, malformed: 0, accepted: 20, failedBatches: 0 });
  });

  it('keeps the frames in order across a reconnect', async () => {
    const session = startSession({ silenceTimeoutMs: 5_000 });
    await vi.advanceTimersByTimeAsync(0);
    session.latest().receive(frame(0));
    session.latest().receive(frame(1));
    session.latest().drop();
    await vi.advanceTimersByTimeAsync(500);
    session.latest().receive(frame(2));
    const summary = await session.finish();
    expect(session.sockets).toHaveLength(2);
    expect(texts(session.sink!.items())).toEqual([frame(0), frame(1), frame(2)]);
    expect(summary.reconnects).toBe(1);
  });

  it('counts a frame that is not JSON as malformed and hands it on as a JSON string of its text', async () => {
    const session = startSession();
    await vi.advanceTimersByTimeAsync(0);
    session.latest().receive(frame(0));
    session.latest().receive('{"e":"kline",');
    session.latest().receive(frame(1));
    const summary = await session.finish();
    expect(session.sink!.items()).toEqual([JSON.parse(frame(0)), '{"e":"kline",', JSON.parse(frame(1))]);
    expect(summary).toMatchObject({ events: 3, malformed: 1 });
  });

  it('hands other JSON events on, and keeps serverShutdown notices to itself', async () => {
    const session = startSession();
    await vi.advanceTimersByTimeAsync(0);
    session.latest().receive('{"result":null,"id":1}');
    session.latest().receive('{"e":"serverShutdown","E":1754049630000}');
    const summary = await session.finish();
    expect(session.sink!.items()).toEqual([{ result: null, id: 1 }]);
    expect(summary).toMatchObject({ events: 1, malformed: 0 });
    expect(session.sockets.length).toBeGreaterThan(1);
  });

  it('backfills on connect from the newest stored candle and hands the closed candles to the sink', async () => {
    const stored = NOW - 30_000 - 5 * MINUTE_MS;
    const history = Array.from({ length: 6 }, (_, i) => kline('BTCUSDT', stored + i * MINUTE_MS, stored + (i + 1) * MINUTE_MS - 1, i < 5));
    const sink = fakeSink({ newest: { BTCUSDT: stored } });
    const rest = fakeRest({ BTCUSDT: history });
    const session = startSession({ sink: sink.sink, fetch: rest.fetch });
    const summary = await session.finish();
    expect(sink.asked).toEqual(['BTCUSDT']);
    expect(rest.calls).toEqual([{ symbol: 'BTCUSDT', startTime: stored }]);
    expect(sink.items()).toEqual(history.slice(0, 5));
    expect(summary.backfilled).toBe(5);
  });

  it('backfills from now minus initialBackfillMinutes when nothing is stored', async () => {
    const rest = fakeRest();
    const session = startSession({ fetch: rest.fetch, initialBackfillMinutes: 90 });
    await session.finish();
    expect(rest.calls).toEqual([{ symbol: 'BTCUSDT', startTime: NOW - 30_000 - 90 * MINUTE_MS }]);
  });

  it('backfills every symbol again after a reconnect', async () => {
    const rest = fakeRest();
    const session = startSession({ fetch: rest.fetch, symbols: ['BTCUSDT', 'ETHUSDT'] });
    await vi.advanceTimersByTimeAsync(0);
    session.latest().drop();
    await session.finish();
    expect(rest.calls.map((c) => c.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'BTCUSDT', 'ETHUSDT']);
  });

  it('goes on streaming when a backfill fails', async () => {
    const failing = (() => Promise.resolve(new Response('busy', { status: 503 }))) as typeof globalThis.fetch;
    const session = startSession({ fetch: failing });
    await vi.advanceTimersByTimeAsync(0);
    session.latest().receive(frame(0));
    const summary = await session.finish();
    expect(texts(session.sink!.items())).toEqual([frame(0)]);
    expect(summary).toMatchObject({ status: 'completed', backfilled: 0 });
  });

  it('retries a batch the sink failed and counts it once when a retry succeeds', async () => {
    const sink = fakeSink({ fails: (attempt) => attempt <= 2 });
    const session = startSession({ sink: sink.sink, budgetMs: 3_000 });
    await vi.advanceTimersByTimeAsync(0);
    session.latest().receive(frame(0));
    const summary = await session.finish();
    expect(sink.attempts).toEqual([`[${frame(0)}]`, `[${frame(0)}]`, `[${frame(0)}]`]);
    expect(texts(sink.items())).toEqual([frame(0)]);
    expect(summary).toMatchObject({ accepted: 1, failedBatches: 0 });
  });

  it('gives a batch up after three failed attempts, counts it in failedBatches and sends the next batch', async () => {
    const sink = fakeSink({ fails: (attempt) => attempt <= 3 });
    const session = startSession({ sink: sink.sink, budgetMs: 3_000 });
    await vi.advanceTimersByTimeAsync(0);
    session.latest().receive(frame(0));
    session.latest().receive(frame(1));
    session.latest().receive(frame(2));
    session.latest().receive(frame(3));
    const summary = await session.finish();
    expect(sink.attempts.slice(0, 3)).toEqual(Array(3).fill(`[${frame(0)},${frame(1)},${frame(2)}]`));
    expect(texts(sink.items())).toEqual([frame(3)]);
    expect(summary).toMatchObject({ events: 4, accepted: 1, failedBatches: 1 });
  });

  it('backfills again after a batch failed for good', async () => {
    const sink = fakeSink({ fails: (attempt) => attempt <= 3 });
    const rest = fakeRest();
    const session = startSession({ sink: sink.sink, fetch: rest.fetch, budgetMs: 3_000 });
    await vi.advanceTimersByTimeAsync(0);
    session.latest().receive(frame(0));
    await session.finish();
    expect(rest.calls).toHaveLength(2);
  });

  it('adds up accepted, stale and rejected from the sink answers', async () => {
    const sink = fakeSink({ answer: (items) => ({ accepted: items.length - 1, stale: 1, rejected: items.length > 2 ? 1 : 0 }) });
    const session = startSession({ sink: sink.sink });
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 5; i++) session.latest().receive(frame(i));
    const summary = await session.finish();
    expect(sink.batches.map((b) => b.length)).toEqual([3, 2]);
    expect(summary).toMatchObject({ accepted: 3, stale: 2, rejected: 1 });
  });

  it('ends with status lease-lost as soon as keepAlive answers false, closing the stream', async () => {
    let renewals = 0;
    const session = startSession({ budgetMs: 10_000, keepAliveIntervalMs: 100, keepAlive: () => Promise.resolve(++renewals < 3) });
    const summary = await session.finish();
    expect(summary.status).toBe('lease-lost');
    expect(renewals).toBe(3);
    expect(summary.durationMs).toBeLessThan(10_000);
    expect(session.sockets.at(-1)!.closedWith).toBe(1000);
  });

  it('closes the stream before failing when keepAlive throws', async () => {
    const session = startSession({ budgetMs: 10_000, keepAliveIntervalMs: 100, keepAlive: () => Promise.reject(new Error('connection reset')) });
    await expect(session.finish()).rejects.toThrow();
    expect(session.sockets).toHaveLength(1);
    expect(session.sockets[0]!.closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(session.sockets).toHaveLength(1);
  });

  it('renews the lease every keepAliveIntervalMs and completes when the budget is spent', async () => {
    let renewals = 0;
    const session = startSession({ budgetMs: 1_000, keepAliveIntervalMs: 300, keepAlive: () => Promise.resolve(++renewals > 0) });
    const summary = await session.finish();
    expect(summary.status).toBe('completed');
    expect(renewals).toBe(3);
    expect(summary.durationMs).toBeGreaterThanOrEqual(1_000);
  });

  it('closes the stream at the end of the budget and sends what waits before returning', async () => {
    const session = startSession({ batching: { maxEvents: 100, flushIntervalMs: 60_000 } });
    await vi.advanceTimersByTimeAsync(0);
    session.latest().receive(frame(0));
    const summary = await session.finish();
    expect(session.sockets[0]!.closedWith).toBe(1000);
    expect(texts(session.sink!.items())).toEqual([frame(0)]);
    session.sockets[0]!.receive(frame(1));
    await vi.advanceTimersByTimeAsync(120_000);
    expect(session.sink!.items()).toHaveLength(1);
    expect(summary).toMatchObject({ status: 'completed', events: 1, reconnects: 0 });
  });
});
