// npm start — the whole local stack in one command: Postgres (migrated), keys, the API gateway with the
// Realtime stand-in and the Edge Functions under Deno, the pg_net worker, the feed (Binance when
// reachable, else the exchange simulator), the watchdog pointed at the function, and the dashboard.
// Each service logs to .local/logs/<service>.log; Ctrl-C or SIGTERM stops every part and exits 0.
import { join } from 'node:path';
import postgres from 'postgres';
import { prepareDatabase, redact } from '../local/database.ts';
import { LocalStackError } from '../local/errors.ts';
import { startFunctionsHost, type FunctionsHost } from '../local/functions/host.ts';
import { startGateway, type Gateway } from '../local/gateway.ts';
import { ensureLocalKeys } from '../local/keys.ts';
import { startNetWorker } from '../local/net-worker.ts';
import { logFile, stateDir } from '../local/paths.ts';
import { ensureCluster, stopCluster } from '../local/postgres/cluster.ts';
import { reachableDevClusterSpec } from '../local/postgres/dev-cluster.ts';
import { ensurePostgres } from '../local/postgres/packages.ts';
import { assertPortFree } from '../local/process.ts';
import { startRealtime, type RealtimeServer } from '../local/realtime/server.ts';
import { openServiceLog, tailLines } from '../local/service-log.ts';
import { watchCluster } from '../local/stack/cluster-watch.ts';
import { readStackConfig, type StackConfig } from '../local/stack/config.ts';
import { buildDashboard, buildNeeded, serveDashboard } from '../local/stack/dashboard.ts';
import { startFeed, type Feed } from '../local/stack/feed.ts';
import { createProgress } from '../local/stack/progress.ts';
import { invokeStream } from '../local/stack/watchdog.ts';
import { PORT_VARIABLES } from '../local/stack-config.ts';
import { parseCli, runMain } from './cli.ts';

const USAGE = `usage: npm start

Brings up the whole local stack and prints a block ending in "ready: <dashboard URL>".
Ctrl-C (or SIGTERM) stops everything. Environment (see the README's Configuration):
  FEED           auto (default) | binance | simulated | replay:<csv>
  SYMBOLS        comma-separated, default BTCUSDT
  API_PORT       API gateway (Realtime, functions, /health), default 54321
  DB_PORT        local Postgres, default 54322
  EXCHANGE_PORT  exchange simulator, default 54329
  APP_PORT       dashboard, default 54330
  DATABASE_URL   use this Postgres instead of a local cluster
  SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_ROLE_KEY   use this Supabase API instead of the local one`;

parseCli(USAGE, {});

interface Part {
  name: string;
  stop: () => Promise<void> | void;
  /** What GET /health reports for it; parts without one (the database client) are not listed. */
  health?: () => unknown;
}

const progress = createProgress();
const parts: Part[] = [];
let shuttingDown = false;
const isShuttingDown = () => shuttingDown;

// A console that went away (the terminal closed, a pipe's reader exited) must not crash the shutdown.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

runMain(async () => {
  // Ctrl-C reaches every process of the group (npm, this script, the children) at once: the first
  // signal starts an orderly shutdown, repeats are ignored.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));
  try {
    await startStack(readStackConfig());
  } catch (error) {
    await shutdown(null);
    throw error;
  }
  await new Promise(() => {}); // runs until a signal
});

async function startStack(config: StackConfig): Promise<void> {
  const local = !config.externalApi;
  // Every port this run will open, checked before anything starts (the cluster checks its own).
  if (local) await assertPortFree(config.ports.api, PORT_VARIABLES.api);
  await assertPortFree(config.ports.app, 'APP_PORT');
  if (local && (config.feed.kind === 'simulated' || config.feed.kind === 'replay')) await assertPortFree(config.ports.exchange, PORT_VARIABLES.exchange);
  const databaseUrl = await startDatabase(config);
  const db = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  databaseClient = db;
  parts.push({ name: 'database client', stop: () => db.end({ timeout: 2 }) });
  await db`select 1`.catch((error: Error) => {
    throw new LocalStackError('DATABASE_UNREACHABLE', `cannot connect to ${redact(databaseUrl)}: ${error.message}${config.databaseUrl ? ' (unset DATABASE_URL to use the local cluster)' : ''}`, 2);
  });
  const prepared = await progress.run('migrations', 'applying the bootstrap and migrations (supabase db push)', () => prepareDatabase(databaseUrl, () => {}),
    (result) => `${result.bootstrapped ? 'Supabase look-alike bootstrap applied' : 'real Supabase database (no bootstrap)'}; migrations ${result.migrations}`);

  const api: Api = config.externalApi
    ? { ...config.externalApi, feedLabel: `the exchange-stream function of ${config.externalApi.url} (its own secrets)` }
    : await startLocalApi(config, databaseUrl);
  if (prepared.bootstrapped) await startPgNetWorker(databaseUrl);
  const functionUrl = `${api.url}/functions/v1/exchange-stream`;
  await db`select private.set_setting('exchange_stream_url', ${functionUrl}), private.set_setting('service_role_key', ${api.serviceRoleKey})`;
  const invoked = await invokeStream(functionUrl, api.serviceRoleKey, openServiceLog('watchdog'));
  progress.step('watchdog', `pg_cron invokes ${functionUrl} when the stream is stale; ${invoked}`);

  const dashboard = await startDashboard(config, databaseUrl, api.url, api.anonKey);
  console.log(['', `  dashboard  ${dashboard}`, `  API        ${api.url}`, `  database   ${redact(databaseUrl)}`,
    `  anon key   ${api.anonKey}`, `  feed       ${api.feedLabel}`, `  logs       ${join(stateDir(), 'logs')}`, '', `ready: ${dashboard}`].join('\n'));

  ready = true;
}

/** GET /health: the database's answer, then every running part's state. */
async function health(): Promise<Record<string, unknown>> {
  const database = databaseClient ? await pingDatabase(databaseClient) : { state: 'starting' };
  const services: Record<string, unknown> = { stack: { state: ready ? 'up' : 'starting' }, database };
  for (const part of parts) if (part.health) services[part.name] = part.health();
  return services;
}

interface Api {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  feedLabel: string;
}

let ready = false;
let databaseClient: postgres.Sql | undefined;

/** The local cluster (created, started or reused, and watched) or DATABASE_URL; returns its URL. */
async function startDatabase(config: StackConfig): Promise<string> {
  if (config.databaseUrl) {
    progress.step('postgres', `using DATABASE_URL (${redact(config.databaseUrl)}); no local cluster`);
    return config.databaseUrl;
  }
  const install = ensurePostgres();
  const spec = reachableDevClusterSpec(process.env, (line) => progress.step('postgres', line));
  const state = await progress.run('postgres', 'starting the local cluster', () => ensureCluster(install, spec),
    (s) => `${s.created ? 'created' : s.started ? 'started' : 'already running (left running on exit)'} .local/postgres on port ${spec.port}; log ${spec.logFile}`);
  if (state.started) {
    const watch = watchCluster(install, spec, (exit) => progress.serviceDied(exit), isShuttingDown);
    parts.push({ name: 'postgres', stop: () => void (watch.stop(), stopCluster(install, spec)), health: () => ({ state: watch.state(), port: spec.port }) });
  }
  return state.url;
}

/** The gateway with the Realtime stand-in and the functions host, and the feed the function reads. */
async function startLocalApi(config: StackConfig, databaseUrl: string): Promise<Api> {
  const keys = await ensureLocalKeys();
  progress.step('keys', `${join(stateDir(), 'keys.json')} (JWT secret, anon and service_role keys)`);
  const feed: Feed = await progress.run('feed', config.feed.kind === 'auto' ? 'trying Binance\'s stream' : 'starting', () => startFeed(config.feed, config.ports.exchange, config.symbols), (f) => f.label);
  parts.push({ name: 'feed', stop: () => feed.stop(), health: () => feed.health() });

  let functions: FunctionsHost | undefined;
  let realtime: RealtimeServer | undefined;
  const gatewayLog = openServiceLog('gateway');
  const gateway: Gateway = await startGateway({
    port: config.ports.api, portVariable: PORT_VARIABLES.api, log: gatewayLog.write,
    functionNames: () => functions?.names() ?? [], functionPort: (name) => functions?.portOf(name), health,
  });
  parts.push({ name: 'gateway', stop: async () => (await gateway.close(), await gatewayLog.close()), health: () => ({ state: 'up', url: gateway.url }) });
  const realtimeLog = openServiceLog('realtime');
  realtime = await startRealtime({ gateway, databaseUrl, jwtSecret: keys.jwtSecret, log: realtimeLog.write });
  const stand = realtime;
  parts.push({
    name: 'realtime', stop: async () => (await stand.stop(), await realtimeLog.close()),
    health: () => ({ state: stand.stats().replication === 'connected' ? 'up' : stand.stats().replication, ...stand.stats() }),
  });
  progress.step('gateway', `${gateway.url} (Realtime at /realtime/v1, functions at /functions/v1, GET /health); logs gateway.log, realtime.log`);

  functions = await progress.run('functions', 'starting Deno (a first start downloads the functions\' npm dependencies)', () => startFunctionsHost({
    env: {
      SUPABASE_URL: gateway.url, SUPABASE_ANON_KEY: keys.anonKey, SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey, SUPABASE_DB_URL: databaseUrl,
      SYMBOLS: config.symbols.join(','), FEED_SOURCE: feed.source, ...feed.functionEnv,
    },
    denoDir: join(stateDir(), 'deno'), logDir: join(stateDir(), 'logs'), log: console.log,
    onUnexpectedExit: (exit) => progress.serviceDied(exit), isShuttingDown,
  }), (host) => `${host.names().join(', ')} under Deno; logs function-<name>.log`);
  const host = functions;
  parts.push({
    name: 'functions', stop: () => host.stop(),
    health: () => ({ state: Object.values(host.status()).every((s) => s === 'up') ? 'up' : 'degraded', ...host.status() }),
  });
  if (Object.values(host.status()).some((state) => state !== 'up')) {
    throw new LocalStackError('FUNCTIONS_DID_NOT_START', `a function did not start: ${JSON.stringify(host.status())}. Last lines of ${logFile('function-exchange-stream')}:\n${indent(tailLines(logFile('function-exchange-stream')))}`);
  }
  return { url: gateway.url, anonKey: keys.anonKey, serviceRoleKey: keys.serviceRoleKey, feedLabel: feed.label };
}

/** pg_net's stand-in: only where the bootstrap put it (a real Supabase database has pg_net itself). */
async function startPgNetWorker(databaseUrl: string): Promise<void> {
  const log = openServiceLog('net-worker');
  const worker = await startNetWorker({ databaseUrl, log: log.write });
  parts.push({ name: 'pg_net worker', stop: async () => (await worker.stop(), await log.close()), health: () => ({ state: 'up' }) });
  progress.step('pg_net worker', 'sending the requests queued in net.http_request_queue; log net-worker.log');
}

async function startDashboard(config: StackConfig, databaseUrl: string, apiUrl: string, anonKey: string): Promise<string> {
  const reason = buildNeeded();
  if (reason) {
    await progress.run('dashboard', `building (${reason})`, () => buildDashboard(logFile('build')), () => `built (${reason}); log build.log`);
  }
  const server = serveDashboard({
    port: config.ports.app, databaseUrl, apiUrl, anonKey, logPath: logFile('dashboard'),
    onUnexpectedExit: (exit) => progress.serviceDied(exit), isShuttingDown,
  });
  parts.push({ name: 'dashboard', stop: () => server.child.stop(), health: () => ({ state: server.child.state(), url: server.url }) });
  if (!(await server.child.started)) {
    throw new LocalStackError('DASHBOARD_DID_NOT_START', `the dashboard did not answer at ${server.url}. Last lines of ${logFile('dashboard')}:\n${indent(tailLines(logFile('dashboard')))}`);
  }
  progress.step('dashboard', `${server.url}; log dashboard.log`);
  return server.url;
}

async function pingDatabase(db: postgres.Sql): Promise<Record<string, unknown>> {
  const startedAt = performance.now();
  try {
    await Promise.race([db`select 1`, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2_000))]);
    return { state: 'up', latencyMs: Math.round((performance.now() - startedAt) * 10) / 10 };
  } catch (error) {
    return { state: 'down', error: (error as Error).message };
  }
}

async function shutdown(exitCode: number | null): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  if (exitCode !== null) console.log('\nstopping...');
  for (const part of parts.reverse()) {
    try {
      await part.stop();
    } catch (error) {
      console.error(`stop ${part.name}: ${(error as Error).message}`);
    }
  }
  if (exitCode !== null) {
    console.log('stopped');
    process.exit(exitCode);
  }
}

function indent(lines: string[]): string {
  return (lines.length ? lines : ['(empty log)']).map((line) => `  | ${line}`).join('\n');
}
