// One writer's session: holds the exchange stream for a time budget, batches every frame into
// public.ingest_klines, backfills from the exchange's REST API on every (re)connect, renews its lease,
// and reports what it did. The Edge Function runs one per invocation; local tools and tests reuse it.

import { backfillKlines } from './backfill.ts';
import { createBatcher, DEFAULT_BATCHING } from './batcher.ts';
import { combinedStreamUrl, startStreamClient, type WebSocketLike } from './binance-stream.ts';
import { MINUTE_MS } from './kline-event.ts';
import type { StreamMessage } from './stream-message.ts';

export interface IngestCounts {
  accepted: number;
  stale: number;
  rejected: number;
}

/** Where events go: public.ingest_klines, and what is already stored. */
export interface IngestSink {
  /** Sends one JSON array of events (texts as received) to public.ingest_klines. */
  ingest(batchJson: string): Promise<IngestCounts>;
  /**
   * Open time (epoch ms) a backfill of symbol starts from: the oldest candle of the last day still
   * not closed, else the newest stored one; null when there is none.
   */
  backfillFrom(symbol: string): Promise<number | null>;
}

export interface SessionOptions {
  symbols: string[];
  wsBaseUrl: string;
  restBaseUrl: string;
  restPath: string;
  budgetMs: number;
  sink: IngestSink;
  createSocket: (url: string) => WebSocketLike;
  fetch: typeof fetch;
  log: (line: string) => void;
  /** Renews the writer's lease; false means another writer took over and this one must stop. */
  keepAlive?: () => Promise<boolean>;
  keepAliveIntervalMs?: number;
  batching?: { maxEvents: number; flushIntervalMs: number };
  /** How far back to fill when nothing is stored yet. */
  initialBackfillMinutes?: number;
  silenceTimeoutMs?: number;
  now?: () => number;
}

export interface SessionSummary extends IngestCounts {
  status: 'completed' | 'lease-lost';
  events: number;
  malformed: number;
  reconnects: number;
  backfilled: number;
  failedBatches: number;
  durationMs: number;
}

export async function runStreamSession(options: SessionOptions): Promise<SessionSummary> {
  const now = options.now ?? Date.now;
  const started = now();
  const summary: SessionSummary = {
    status: 'completed', events: 0, malformed: 0, accepted: 0, stale: 0, rejected: 0,
    reconnects: 0, backfilled: 0, failedBatches: 0, durationMs: 0,
  };
  const batcher = createBatcher({
    ...(options.batching ?? DEFAULT_BATCHING),
    send: async (items) => addCounts(summary, await ingestWithRetry(options, `[${items.join(',')}]`)),
    onError: (error, items) => {
      summary.failedBatches += 1;
      options.log(`ingest: a batch of ${items.length} events failed for good: ${(error as Error).message}; backfilling`);
      backfills.request();
    },
  });
  const backfills = createBackfillQueue(options, (json) => batcher.add(json), summary, now);
  const client = startStreamClient({
    url: combinedStreamUrl(options.wsBaseUrl, options.symbols),
    createSocket: options.createSocket,
    log: options.log,
    silenceTimeoutMs: options.silenceTimeoutMs,
    onOpen: () => backfills.request(),
    onMessage: (message) => acceptMessage(message, summary, (json) => batcher.add(json)),
  });

  try {
    summary.status = await waitForEnd(options, started, now);
  } finally {
    // Also when keepAlive throws: a session that failed must not go on streaming without its lease.
    await client.stop();
  }
  await backfills.idle();
  await batcher.drain();
  summary.reconnects = client.reconnects();
  summary.durationMs = now() - started;
  return summary;
}

function acceptMessage(message: StreamMessage, summary: SessionSummary, add: (json: string) => void): void {
  if (message.kind === 'shutdown') return;
  summary.events += 1;
  if (message.kind === 'malformed') summary.malformed += 1;
  add(message.json);
}

function addCounts(summary: SessionSummary, counts: IngestCounts): void {
  summary.accepted += counts.accepted;
  summary.stale += counts.stale;
  summary.rejected += counts.rejected;
}

/** The database may blink (a restart, a failover): retry a batch twice before giving it up. */
async function ingestWithRetry(options: SessionOptions, batchJson: string): Promise<IngestCounts> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await options.sink.ingest(batchJson);
    } catch (error) {
      if (attempt >= 2) throw error;
      options.log(`ingest: attempt ${attempt + 1} failed (${(error as Error).message}); retrying`);
      await sleep(250 * 4 ** attempt);
    }
  }
}

/** Resolves when the budget is spent, or early when the lease is lost. */
async function waitForEnd(options: SessionOptions, started: number, now: () => number): Promise<SessionSummary['status']> {
  const interval = options.keepAliveIntervalMs ?? 20_000;
  for (;;) {
    const left = started + options.budgetMs - now();
    if (left <= 0) return 'completed';
    await sleep(Math.min(left, interval));
    if (options.keepAlive && now() < started + options.budgetMs && !(await options.keepAlive())) {
      options.log('lease: another writer holds the stream now; stopping');
      return 'lease-lost';
    }
  }
}

/** Backfills run one at a time; a request while one runs schedules exactly one more after it. */
function createBackfillQueue(options: SessionOptions, add: (json: string) => void, summary: SessionSummary, now: () => number) {
  let running: Promise<void> | undefined;
  let again = false;
  const runAll = async () => {
    do {
      again = false;
      for (const symbol of options.symbols) {
        try {
          summary.backfilled += await backfillSymbol(options, symbol, add, now);
        } catch (error) {
          options.log(`backfill: ${symbol} failed: ${(error as Error).message}`);
        }
      }
    } while (again);
    running = undefined;
  };
  return {
    request() {
      if (running) again = true;
      else running = runAll();
    },
    idle: () => running ?? Promise.resolve(),
  };
}

async function backfillSymbol(options: SessionOptions, symbol: string, add: (json: string) => void, now: () => number): Promise<number> {
  const newest = await options.sink.backfillFrom(symbol);
  const fallback = Math.floor(now() / MINUTE_MS) * MINUTE_MS - (options.initialBackfillMinutes ?? 1440) * MINUTE_MS;
  const handed = await backfillKlines({
    restBaseUrl: options.restBaseUrl,
    restPath: options.restPath,
    symbol,
    fromOpenTime: newest ?? fallback,
    fetch: options.fetch,
    onEvents: async (events) => {
      for (const event of events) add(JSON.stringify(event));
    },
  });
  if (handed > 0) options.log(`backfill: ${symbol}: ${handed} closed candles from ${new Date(newest ?? fallback).toISOString()}`);
  return handed;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
