// npm start — the whole local stack in one command: Postgres (migrated), keys, the API gateway with the
// Realtime stand-in and the Edge Functions under Deno, the pg_net worker, the feed (Binance when
// reachable, else the exchange simulator), the watchdog pointed at the function, and the dashboard.
// Each service logs to .local/logs/<service>.log; Ctrl-C or SIGTERM stops every part and exits 0.
import { join } from 'node:path';
import postgres from 'postgres';
import { isRealSupabase, prepareDatabase, redact } from '../local/database.ts';
import { LocalStackError } from '../local/errors.ts';
import { startFunctionsHost, type FunctionsHost } from '../local/functions/host.ts';
import { startGateway, type Gateway } from '../local/gateway.ts';
import { ensureLocalKeys, type LocalKeys } from '../local/keys.ts';
import { startNetWorker } from '../local/net-worker.ts';
import { logFile, stateDir } from '../local/paths.ts';
import { ensureCluster, stopCluster } from '../local/postgres/cluster.ts';
import { prepareDevClusterSpec } from '../local/postgres/dev-cluster.ts';
import { ensurePostgres } from '../local/postgres/packages.ts';
import { assertPortFree } from '../local/process.ts';
import { startRealtime } from '../local/realtime/server.ts';
import { describeTail, openServiceLog } from '../local/service-log.ts';
import { watchCluster } from '../local/stack/cluster-watch.ts';
import { readStackConfig, type StackConfig } from '../local/stack/config.ts';
import { buildDashboard, checkBuild, serveDashboard } from '../local/stack/dashboard.ts';
import { startFeed, type Feed } from '../local/stack/feed.ts';
import { createLifecycle } from '../local/stack/lifecycle.ts';
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

/** Where the functions, Realtime and keys come from: the local gateway, or an external Supabase API. */
interface Api {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  feedLabel: string;
  /** The symbol the printed dashboard URL opens. */
  symbol: string;
}

/** Thrown by a step that notices a shutdown began meanwhile: not an error, the signal decides the exit. */
class Interrupted extends Error {}

parseCli(USAGE, {});
const progress = createProgress();
const lifecycle = createLifecycle();
const isShuttingDown = () => lifecycle.isShuttingDown();
let databaseClient: postgres.Sql | undefined;
/** Read by the gateway's function routes; set once the functions host has spawned. */
let functions: FunctionsHost | undefined;
let ready = false;

// A console that went away (the terminal closed, a pipe's reader exited) must not crash the shutdown.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

runMain(async () => {
  lifecycle.exitOnSignals();
  try {
    await startStack(readStackConfig());
  } catch (error) {
    // A signal during start-up makes steps fail (its children die with it): the signal's shutdown,
    // already under way, decides the exit.
    if (isShuttingDown()) await new Promise(() => {});
    await lifecycle.stopAll();
    throw error;
  }
  await new Promise(() => {}); // runs until a signal
});

async function startStack(config: StackConfig): Promise<void> {
  await assertPortsFree(config);
  const databaseUrl = await startDatabase(config);
  const db = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  databaseClient = db;
  lifecycle.add({ name: 'database client', stop: () => db.end({ timeout: 2 }) });
  await checkDatabase(db, databaseUrl, config);
  const prepared = await progress.run('migrations', 'applying the bootstrap and migrations (supabase db push)', () => whileStarting('migrations', () => prepareDatabase(databaseUrl, () => {}, lifecycle.stopping)),
    (result) => `${result.bootstrapped ? 'Supabase look-alike bootstrap applied' : 'real Supabase database (no bootstrap)'}; migrations ${result.migrations}`);
  checkpoint();

  const api: Api = config.externalApi
    ? { ...config.externalApi, feedLabel: `the exchange-stream function of ${config.externalApi.url} (its own secrets)`, symbol: config.symbols[0]! }
    : await startLocalApi(config, databaseUrl);
  if (prepared.bootstrapped) await startPgNetWorker(databaseUrl);
  await startStreaming(db, api, config);
  checkpoint();

  const served = await startDashboard(config, databaseUrl, api.url, api.anonKey);
  // The dashboard opens BTCUSDT at /; another first symbol gets its own path.
  const dashboard = api.symbol === 'BTCUSDT' ? served : `${served}${api.symbol}`;
  console.log(['', `  dashboard  ${dashboard}`, `  API        ${api.url}`, `  database   ${redact(databaseUrl)}`,
    `  anon key   ${api.anonKey}`, `  feed       ${api.feedLabel}`, `  logs       ${join(stateDir(), 'logs')}`, '', `ready: ${dashboard}`].join('\n'));
  ready = true;
}

/** Every port this run will open, checked before anything starts (the cluster checks its own). */
async function assertPortsFree(config: StackConfig): Promise<void> {
  const local = !config.externalApi;
  if (local) await assertPortFree(config.ports.api, PORT_VARIABLES.api);
  await assertPortFree(config.ports.app, PORT_VARIABLES.app);
  if (local && (config.feed.kind === 'simulated' || config.feed.kind === 'replay')) await assertPortFree(config.ports.exchange, PORT_VARIABLES.exchange);
}

/** The local cluster (created, started or reused, and watched) or DATABASE_URL; returns its URL. */
async function startDatabase(config: StackConfig): Promise<string> {
  if (config.databaseUrl) {
    progress.step('postgres', `using DATABASE_URL (${redact(config.databaseUrl)}); no local cluster`);
    return config.databaseUrl;
  }
  const install = ensurePostgres();
  const spec = prepareDevClusterSpec(process.env, (line) => progress.step('postgres', line));
  const state = await progress.run('postgres', 'starting the local cluster', () => ensureCluster(install, spec),
    (s) => `${s.created ? 'created' : s.started ? 'started' : 'already running (left running on exit)'} .local/postgres on port ${spec.port}; log ${spec.logFile}`);
  if (state.started) {
    const watch = watchCluster(install, spec, (exit) => progress.serviceDied(exit), isShuttingDown);
    lifecycle.add({
      name: 'postgres',
      stop: async () => {
        await watch.stop();
        stopCluster(install, spec);
      },
      health: () => ({ state: watch.state(), port: spec.port }),
    });
  }
  return state.url;
}

async function checkDatabase(db: postgres.Sql, url: string, config: StackConfig): Promise<void> {
  await db`select 1`.catch((error: Error) => {
    throw new LocalStackError('DATABASE_UNREACHABLE', `cannot connect to ${redact(url)}: ${error.message}${config.databaseUrl ? ' (unset DATABASE_URL to use the local cluster)' : ''}`, 2);
  });
  // A Supabase project's pg_cron must call that project's functions, never this machine's.
  if (!config.externalApi && (await isRealSupabase(db))) {
    throw new LocalStackError('SUPABASE_API_REQUIRED', 'DATABASE_URL is a Supabase project\'s database: set SUPABASE_URL, SUPABASE_ANON_KEY and SUPABASE_SERVICE_ROLE_KEY to that project\'s API too, so its watchdog keeps calling its own function', 2);
  }
}

/** The feed, then the gateway with the Realtime stand-in and the functions host reading that feed. */
async function startLocalApi(config: StackConfig, databaseUrl: string): Promise<Api> {
  const keys = await ensureLocalKeys();
  progress.step('keys', `${join(stateDir(), 'keys.json')} (JWT secret, anon and service_role keys)`);
  const feed: Feed = await progress.run('feed', config.feed.kind === 'auto' ? 'trying Binance\'s stream' : 'starting',
    () => startFeed(config.feed, config.ports.exchange, config.symbols), (f) => f.label);
  lifecycle.add({ name: 'feed', stop: () => feed.stop(), health: () => feed.health() });
  checkpoint();
  const gateway = await startGatewayWithRealtime(config, databaseUrl, keys);
  await startFunctions(gateway, keys, databaseUrl, feed);
  return { url: gateway.url, anonKey: keys.anonKey, serviceRoleKey: keys.serviceRoleKey, feedLabel: feed.label, symbol: feed.symbols[0]! };
}

async function startGatewayWithRealtime(config: StackConfig, databaseUrl: string, keys: LocalKeys): Promise<Gateway> {
  const gatewayLog = openServiceLog('gateway');
  const gateway = await startGateway({
    port: config.ports.api, portVariable: PORT_VARIABLES.api, log: gatewayLog.write,
    functionNames: () => functions?.names() ?? [], functionPort: (name) => functions?.portOf(name), health: stackHealth,
  });
  lifecycle.add({
    name: 'gateway',
    stop: async () => {
      await gateway.close();
      await gatewayLog.close();
    },
    health: () => ({ state: 'up', url: gateway.url }),
  });
  const realtimeLog = openServiceLog('realtime');
  const realtime = await startRealtime({ gateway, databaseUrl, jwtSecret: keys.jwtSecret, log: realtimeLog.write });
  lifecycle.add({
    name: 'realtime',
    stop: async () => {
      await realtime.stop();
      await realtimeLog.close();
    },
    health: () => ({ state: realtime.stats().replication === 'connected' ? 'up' : realtime.stats().replication, ...realtime.stats() }),
  });
  progress.step('gateway', `${gateway.url} (Realtime at /realtime/v1, functions at /functions/v1, GET /health); logs gateway.log, realtime.log`);
  return gateway;
}

async function startFunctions(gateway: Gateway, keys: LocalKeys, databaseUrl: string, feed: Feed): Promise<void> {
  const host = await progress.run('functions', 'starting Deno (a first start downloads the functions\' npm dependencies)', () => startFunctionsHost({
    env: {
      SUPABASE_URL: gateway.url, SUPABASE_ANON_KEY: keys.anonKey, SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey, SUPABASE_DB_URL: databaseUrl,
      SYMBOLS: feed.symbols.join(','), FEED_SOURCE: feed.source, ...feed.functionEnv,
    },
    denoDir: join(stateDir(), 'deno'), logDir: join(stateDir(), 'logs'), log: console.log,
    onUnexpectedExit: (exit) => progress.serviceDied(exit), isShuttingDown,
    onSpawned: (spawned) => {
      functions = spawned;
      lifecycle.add({
        name: 'functions', stop: () => spawned.stop(),
        health: () => ({ state: Object.values(spawned.status()).every((s) => s === 'up') ? 'up' : 'degraded', ...spawned.status() }),
      });
    },
  }), (started) => `${started.names().join(', ')} under Deno; logs function-<name>.log`);
  checkpoint();
  const failed = Object.entries(host.status()).find(([, state]) => state !== 'up')?.[0];
  if (failed !== undefined) {
    throw new LocalStackError('FUNCTIONS_DID_NOT_START', `the function ${failed} did not start. ${describeTail(logFile(`function-${failed}`))}`);
  }
}

/** pg_net's stand-in: only where the bootstrap put it (a real Supabase database has pg_net itself). */
async function startPgNetWorker(databaseUrl: string): Promise<void> {
  const log = openServiceLog('net-worker');
  const worker = await startNetWorker({ databaseUrl, log: log.write });
  lifecycle.add({
    name: 'pg_net worker',
    stop: async () => {
      await worker.stop();
      await log.close();
    },
    health: () => ({ state: 'up' }),
  });
  progress.step('pg_net worker', 'sending the requests queued in net.http_request_queue; log net-worker.log');
}

/**
 * Points the watchdog at the local function and invokes it once, so data flows at once. An external
 * project's watchdog is its DBA's to configure (README, Deploying): it is only checked and invoked.
 */
async function startStreaming(db: postgres.Sql, api: Api, config: StackConfig): Promise<void> {
  const functionUrl = `${api.url}/functions/v1/exchange-stream`;
  let configured = `pg_cron invokes ${functionUrl} when the stream is stale`;
  if (!config.externalApi) {
    await db`select private.set_setting('exchange_stream_url', ${functionUrl}), private.set_setting('service_role_key', ${api.serviceRoleKey})`;
  } else {
    const [row] = await db<{ url: string | null }[]>`select private.setting('exchange_stream_url') as url`;
    if (!row?.url) configured = 'the project\'s watchdog has no function URL yet (README: Deploying, step 5)';
    else if (row.url !== functionUrl) configured = `the project's watchdog invokes ${row.url}`;
  }
  const invoked = await invokeStream(functionUrl, api.serviceRoleKey, openServiceLog('watchdog'));
  progress.step('watchdog', `${configured}; ${invoked}`);
}

async function startDashboard(config: StackConfig, databaseUrl: string, apiUrl: string, anonKey: string): Promise<string> {
  const { reason, hash } = checkBuild();
  if (reason) {
    await progress.run('dashboard', `building (${reason})`, () => whileStarting('dashboard build', () => buildDashboard(logFile('build'), hash, lifecycle.stopping)), () => `built (${reason}); log build.log`);
    checkpoint();
  }
  const server = serveDashboard({
    port: config.ports.app, databaseUrl, apiUrl, anonKey, logPath: logFile('dashboard'),
    onUnexpectedExit: (exit) => progress.serviceDied(exit), isShuttingDown,
  });
  lifecycle.add({ name: 'dashboard', stop: () => server.child.stop(), health: () => ({ state: server.child.state(), url: server.url }) });
  if (!(await server.child.started)) {
    checkpoint();
    throw new LocalStackError('DASHBOARD_DID_NOT_START', `the dashboard did not answer at ${server.url}. ${describeTail(logFile('dashboard'))}`);
  }
  progress.step('dashboard', `${server.url}; log dashboard.log`);
  return server.url;
}

/** GET /health: the database's answer, then every running part's state. */
async function stackHealth(): Promise<Record<string, unknown>> {
  const database = databaseClient ? await pingDatabase(databaseClient) : { state: 'starting' };
  return { stack: { state: ready ? 'up' : 'starting' }, database, ...lifecycle.health() };
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

/**
 * A start-up step that runs a command (the migrations, the build): a shutdown meanwhile aborts it
 * (lifecycle.stopping) and waits for it to end, so no command outlives npm start.
 */
function whileStarting<T>(name: string, work: () => Promise<T>): Promise<T> {
  const running = work();
  lifecycle.add({ name, stop: () => running.then(() => {}, () => {}) });
  return running;
}

function checkpoint(): void {
  if (isShuttingDown()) throw new Interrupted('stopping');
}
