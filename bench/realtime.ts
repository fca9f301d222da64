// Benchmark: the Realtime stand-in under load, measured as ../shared/docs/realtime-performance.md
// describes. The stand-in, the subscribers and the probe each run in their own processes; a probe —
// the unmodified supabase-js, subscribed last — times commit → callback while N−1 other subscribers
// receive the same changes at 10 changes/s; then the stand-in's RSS with 10,000 idle subscribers,
// and the authorization queries it ran per change.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../local/process.ts';
import { projectRoot } from '../local/paths.ts';
import { buildKlineEvent, MINUTE_MS } from '../supabase/functions/_shared/kline-event.ts';
import { startBenchProcess, type BenchProcess } from './bench-process.ts';
import type { BenchContext, Metric } from './metrics.ts';

const SYMBOL = 'RTBENCHUSDT';
const CHANGES_PER_SECOND = 10;
/** Changes written before the measured ones: the first reach cold caches (plans, JIT) on every side. */
const WARM_UP_CHANGES = 10;

export async function benchRealtime(ctx: BenchContext): Promise<Metric[]> {
  const state = mkdtempSync(join(tmpdir(), 'candlestream-rtbench-'));
  const port = await freePort();
  const server = await startBenchProcess(join(projectRoot, 'scripts', 'realtime.ts'), [], /listening/, {
    API_PORT: String(port), DATABASE_URL: ctx.databaseUrl, CANDLESTREAM_STATE_DIR: state,
  });
  try {
    const anonKey = (JSON.parse(readFileSync(join(state, 'keys.json'), 'utf8')) as { anonKey: string }).anonKey;
    const target = { httpUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/realtime/v1/websocket`, anonKey };
    const seconds = ctx.quick ? 5 : 20;
    const runs = new Map<number, { p50: number; p99: number; perChange: number }>();
    for (const subscribers of [1, 100, 1000]) {
      const run = await measureFanOut(ctx, target, subscribers, seconds);
      runs.set(subscribers, run);
      ctx.log(`realtime: ${subscribers} subscribers: probe p50 ${run.p50} ms, p99 ${run.p99} ms; ${run.perChange.toFixed(2)} authorization queries per change`);
    }
    const rss = await measureIdleRss(target, server.child.pid!, ctx.quick ? 2_000 : 10_000);
    ctx.log(`realtime: ${rss.connections} idle subscribers: stand-in RSS ${rss.mib.toFixed(0)} MiB`);
    return [
      { name: 'realtime_p99_ms_1', value: runs.get(1)!.p99, unit: 'ms' },
      { name: 'realtime_p99_ms_100', value: runs.get(100)!.p99, unit: 'ms', goal: '<= 10' },
      { name: 'realtime_probe_p50_ms_1000', value: runs.get(1000)!.p50, unit: 'ms', goal: '<= 15' },
      { name: 'realtime_probe_p99_ms_1000', value: runs.get(1000)!.p99, unit: 'ms', goal: '<= 30' },
      { name: `realtime_rss_mib_${rss.connections}`, value: rss.mib, unit: 'MiB', goal: '<= 256' },
      { name: 'realtime_auth_queries_per_change', value: runs.get(100)!.perChange, unit: 'queries', goal: '<= 1' },
    ];
  } finally {
    await server.stop();
    rmSync(state, { recursive: true, force: true });
  }
}

interface Target { httpUrl: string; wsUrl: string; anonKey: string }

async function measureFanOut(ctx: BenchContext, target: Target, subscribers: number, seconds: number) {
  const others = await startSubscribers(target, subscribers - 1, `symbol=eq.${SYMBOL}`);
  const probe = await startBenchProcess(join(projectRoot, 'bench', 'realtime-probe.ts'), [JSON.stringify({ url: target.httpUrl, anonKey: target.anonKey, symbol: SYMBOL })], /^ready$/);
  await writeChanges(ctx, WARM_UP_CHANGES);
  await sleep(500);
  const before = await realtimeStats(target);
  await writeChanges(ctx, seconds * CHANGES_PER_SECOND, WARM_UP_CHANGES);
  await sleep(500);
  const after = await realtimeStats(target);
  const all = JSON.parse((await probe.stop()).at(-1) ?? '[]') as number[];
  const latencies = all.slice(WARM_UP_CHANGES).sort((a, b) => a - b);
  await Promise.all(others.map((other) => other.stop()));
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const changes = Math.max(1, after.changes - before.changes);
  return { p50: at(0.5), p99: at(0.99), perChange: (after.authQueries - before.authQueries) / changes };
}

/** Subscribers spread over processes of at most 500 sockets each (5,000 for idle connections). */
async function startSubscribers(target: Target, count: number, filter: string, perProcess = 500): Promise<BenchProcess[]> {
  const processes: Promise<BenchProcess>[] = [];
  for (let left = count; left > 0; left -= perProcess) {
    const options = { url: target.wsUrl, apikey: target.anonKey, count: Math.min(perProcess, left), table: 'live_candles_1m', filter };
    processes.push(startBenchProcess(join(projectRoot, 'bench', 'realtime-subscribers.ts'), [JSON.stringify(options)], /^ready \d+$/));
  }
  return Promise.all(processes);
}

async function measureIdleRss(target: Target, pid: number, connections: number) {
  const idle = await startSubscribers(target, connections, 'symbol=eq.NOSUCHSYMBOL', 5_000);
  await sleep(2_000);
  const mib = readRssMib(pid);
  await Promise.all(idle.map((subscriber) => subscriber.stop()));
  return { connections, mib };
}

/** 10 changes a second to one candle, through ingest_klines, each a newer event of the open minute. */
async function writeChanges(ctx: BenchContext, count: number, first = 0): Promise<void> {
  const minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  for (let i = first; i < first + count; i++) {
    const price = (100 + i / 100).toFixed(2);
    const event = buildKlineEvent({
      symbol: SYMBOL, openTime: minute, eventTime: Math.max(minute, Date.now() - 1) + i, open: '100.00', high: String(Math.max(100, Number(price))),
      low: '99.00', close: price, volume: String(i), quoteVolume: String(i * 100), trades: i, closed: false,
    });
    await ctx.sql`select public.ingest_klines(${JSON.stringify(event)}::text::jsonb)`;
    await sleep(1000 / CHANGES_PER_SECOND);
  }
}

async function realtimeStats(target: Target): Promise<{ changes: number; authQueries: number }> {
  const health = (await (await fetch(`${target.httpUrl}/health`)).json()) as { services?: { realtime?: { changes?: number; authorizerQueries?: number } } };
  return { changes: health.services?.realtime?.changes ?? 0, authQueries: health.services?.realtime?.authorizerQueries ?? 0 };
}

function readRssMib(pid: number): number {
  const kib = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)?.[1] ?? Number.NaN);
  return kib / 1024;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
