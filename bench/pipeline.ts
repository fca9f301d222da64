// Benchmark: the ingestion pipeline end to end — simulator → stream client → batcher →
// ingest_klines → commit. Latency from the moment the simulator emits an event (its event time, the
// simulator running live on the wall clock) to the commit of its batch, at the default 250 ms flush,
// with 1 and 100 symbols; and sustained events/s with 100 symbols at maximum speed.
import { join } from 'node:path';
import postgres from 'postgres';
import WebSocket from 'ws';
import { projectRoot } from '../local/paths.ts';
import { MINUTE_MS } from '../supabase/functions/_shared/kline-event.ts';
import type { WebSocketLike } from '../supabase/functions/_shared/binance-stream.ts';
import { createPostgresSink } from '../supabase/functions/_shared/postgres-sink.ts';
import { runStreamSession, type IngestCounts, type IngestSink } from '../supabase/functions/_shared/stream-session.ts';
import { startBenchProcess } from './bench-process.ts';
import type { BenchContext, Metric } from './metrics.ts';

export async function benchPipeline(ctx: BenchContext): Promise<Metric[]> {
  const seconds = ctx.quick ? 10 : 20;
  const latency1 = await measureLatency(ctx, symbolsNamed('LA', 1), seconds);
  ctx.log(`pipeline: live, 1 symbol: p50 ${latency1.p50} ms, p99 ${latency1.p99} ms (${latency1.samples} events)`);
  const latency100 = await measureLatency(ctx, symbolsNamed('LB', 100), seconds);
  ctx.log(`pipeline: live, 100 symbols: p50 ${latency100.p50} ms, p99 ${latency100.p99} ms (${latency100.samples} events)`);
  const eps100 = await measureThroughput(ctx, symbolsNamed('TB', 100), seconds);
  ctx.log(`pipeline: maximum speed, 100 symbols: ${Math.round(eps100)} events/s`);
  return [
    { name: 'pipeline_event_to_commit_p99_ms', value: Math.max(latency1.p99, latency100.p99), unit: 'ms', goal: '<= 300' },
    { name: 'pipeline_event_to_commit_p50_ms', value: Math.max(latency1.p50, latency100.p50), unit: 'ms' },
    { name: 'pipeline_1sym_p99_ms', value: latency1.p99, unit: 'ms' },
    { name: 'pipeline_100sym_p99_ms', value: latency100.p99, unit: 'ms' },
    { name: 'pipeline_100sym_eps', value: eps100, unit: 'events/s', goal: '>= 20000' },
  ];
}

/** The simulator live (speed 1, caught up with the wall clock): an event's time is when it was sent. */
async function measureLatency(ctx: BenchContext, symbols: string[], seconds: number) {
  const latencies: number[] = [];
  const startedAt = Date.now();
  await withSimulator({ symbols, speed: 1, seed: 5 }, async (port) => {
    await runInstrumentedSession(ctx, port, symbols, seconds * 1000, (batchJson, _counts, committed) => {
      // Backfilled candles carry old event times; only events sent during the run are measured.
      for (const eventTime of eventTimes(batchJson)) if (eventTime >= startedAt) latencies.push(committed - eventTime);
    });
  });
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), samples: latencies.length };
}

/** The simulator replaying two hours at 600× for 100 symbols: far more than the pipeline can take. */
async function measureThroughput(ctx: BenchContext, symbols: string[], seconds: number): Promise<number> {
  const commits: Array<{ at: number; events: number }> = [];
  const start = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 180 * MINUTE_MS;
  await withSimulator({ symbols, speed: 600, seed: 6, start }, async (port) => {
    await runInstrumentedSession(ctx, port, symbols, seconds * 1000, (_batchJson, counts, committed) => {
      commits.push({ at: committed, events: counts.accepted + counts.stale + counts.rejected });
    });
  });
  // Sustained: from the first commit after a 2 s warm-up to the last.
  const warm = commits.filter((c) => c.at >= (commits[0]?.at ?? 0) + 2_000);
  if (warm.length < 2) return 0;
  const events = warm.slice(1).reduce((n, c) => n + c.events, 0);
  return events / ((warm.at(-1)!.at - warm[0]!.at) / 1000);
}

/** A stream session against the simulator on port, told about every batch as soon as it commits. */
async function runInstrumentedSession(
  ctx: BenchContext, port: number, symbols: string[], budgetMs: number,
  onCommit: (batchJson: string, counts: IngestCounts, committedAt: number) => void,
): Promise<void> {
  const sql = postgres(ctx.databaseUrl, { max: 2, onnotice: () => {}, connection: { 'candlestream.source': 'bench' } });
  try {
    const base = createPostgresSink(sql);
    const sink: IngestSink = {
      backfillFrom: base.backfillFrom,
      async ingest(batchJson) {
        const counts = await base.ingest(batchJson);
        onCommit(batchJson, counts, Date.now());
        return counts;
      },
    };
    await runSession(port, symbols, sink, budgetMs);
  } finally {
    await sql.end();
  }
}

function runSession(port: number, symbols: string[], sink: IngestSink, budgetMs: number) {
  return runStreamSession({
    symbols, sink, budgetMs,
    wsBaseUrl: `ws://127.0.0.1:${port}`,
    restBaseUrl: `http://127.0.0.1:${port}`,
    restPath: '/api/v3/klines',
    createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    fetch,
    log: () => {},
  });
}

function* eventTimes(batchJson: string): Generator<number> {
  for (const item of JSON.parse(batchJson) as unknown[]) {
    const event = (item as { data?: { E?: unknown }; E?: unknown }).data ?? item;
    const time = (event as { E?: unknown }).E;
    if (typeof time === 'number') yield time;
  }
}

function symbolsNamed(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, '0')}USDT`);
}

async function withSimulator(options: Record<string, unknown>, run: (port: number) => Promise<void>): Promise<void> {
  const simulator = await startBenchProcess(join(projectRoot, 'bench', 'simulator-process.ts'), [JSON.stringify(options)], /^ready (\d+)$/);
  try {
    await run(Number(simulator.readyMatch[1]));
  } finally {
    await simulator.stop();
  }
}
