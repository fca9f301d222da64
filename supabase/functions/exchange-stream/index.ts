// Edge Function `exchange-stream`: holds the exchange WebSocket for its time budget and writes every
// update through public.ingest_klines. Invoked by the pg_cron watchdog (net.http_post) with the
// service role key; a lease keeps exactly one invocation streaming at a time.

import postgres from 'npm:postgres@3.4.9';
import { readExchangeConfig } from '../_shared/exchange-config.ts';
import { createPostgresSink, createStreamLease, type StreamLease } from '../_shared/postgres-sink.ts';
import { runStreamSession } from '../_shared/stream-session.ts';
import type { WebSocketLike } from '../_shared/binance-stream.ts';
import { createExchangeStreamHandler } from './handler.ts';

const env = (name: string) => Deno.env.get(name);
const log = (line: string) => console.log(line);

Deno.serve(buildHandler());

function buildHandler(): (request: Request) => Promise<Response> {
  const read = readExchangeConfig(env);
  const serviceRoleKey = env('SUPABASE_SERVICE_ROLE_KEY');
  const databaseUrl = env('SUPABASE_DB_URL');
  const problem = 'error' in read ? read.error.message
    : !serviceRoleKey ? 'SUPABASE_SERVICE_ROLE_KEY is not set'
    : !databaseUrl ? 'SUPABASE_DB_URL is not set'
    : undefined;
  if (problem !== undefined || !('config' in read)) {
    log(`exchange-stream: misconfigured: ${problem}`);
    return () => Promise.resolve(Response.json({ error: 'misconfigured', message: problem }, { status: 500 }));
  }
  const config = read.config;
  // Every connection names its source at startup, so stream_status says where rows came from.
  const sql = postgres(databaseUrl!, {
    max: 2,
    prepare: false,
    connection: { application_name: 'exchange-stream', 'candlestream.source': config.sourceLabel },
  });
  const sink = createPostgresSink(sql);
  const budgetMs = config.budgetSeconds * 1000;
  const held = releaseLeasesOnShutdown();
  const edgeRuntime = (globalThis as { EdgeRuntime?: { waitUntil(promise: Promise<unknown>): void } }).EdgeRuntime;

  return createExchangeStreamHandler({
    serviceRoleKey: serviceRoleKey!,
    newHolder: () => `exchange-stream-${crypto.randomUUID()}`,
    openLease: (holder) => trackLease(createStreamLease(sql, config.streamName, holder), held),
    waitUntil: edgeRuntime ? (promise) => edgeRuntime.waitUntil(promise) : undefined,
    handOff: (from) => invokeSuccessor(env('SUPABASE_URL'), serviceRoleKey!, from),
    log,
    runSession: ({ keepAlive }) =>
      runStreamSession({
        symbols: config.symbols,
        wsBaseUrl: config.wsBaseUrl,
        restBaseUrl: config.restBaseUrl,
        restPath: config.restPath,
        // Stop a little before the budget so the lease is released and the answer sent in time.
        budgetMs: budgetMs - Math.min(10_000, budgetMs * 0.1),
        sink,
        createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
        fetch,
        log,
        keepAlive,
      }),
  });
}

/**
 * The next invocation of this function, in the background (it answers 202 as soon as it holds the
 * lease): the stream moves on from one invocation to the next within about a second.
 */
async function invokeSuccessor(supabaseUrl: string | undefined, serviceRoleKey: string, from: string): Promise<void> {
  if (!supabaseUrl) throw new Error('SUPABASE_URL is not set');
  const response = await fetch(`${supabaseUrl.replace(/\/+$/, '')}/functions/v1/exchange-stream`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${serviceRoleKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ trigger: 'handoff', from, background: true }),
    signal: AbortSignal.timeout(15_000),
  });
  const answer = await response.text();
  if (!response.ok) throw new Error(`the successor answered ${response.status}: ${answer}`);
  log(`exchange-stream: ${from}: handed off: ${answer}`);
}

/**
 * A process stopped by a signal (npm start's Ctrl-C, a restart) gives its lease back first, so the
 * next invocation streams at once instead of waiting for the lease to expire.
 */
function releaseLeasesOnShutdown(): Set<StreamLease> {
  const held = new Set<StreamLease>();
  const release = async (signal: string) => {
    log(`exchange-stream: ${signal}: releasing ${held.size} lease(s) before exiting`);
    const timeout = new Promise((resolve) => setTimeout(resolve, 2_000));
    await Promise.race([Promise.allSettled([...held].map((lease) => lease.release())), timeout]);
    Deno.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    try {
      Deno.addSignalListener(signal, () => void release(signal));
    } catch {
      // The hosted Edge Runtime offers no signal listeners; its leases expire after their TTL.
    }
  }
  return held;
}

function trackLease(lease: StreamLease, held: Set<StreamLease>): StreamLease {
  return {
    async claim(ttlSeconds) {
      const claimed = await lease.claim(ttlSeconds);
      if (claimed) held.add(lease);
      return claimed;
    },
    release() {
      held.delete(lease);
      return lease.release();
    },
  };
}
