// npm start — the whole local stack in one command: Postgres (migrated), keys, the API gateway with the
// Edge Functions under Deno and the Realtime stand-in, the pg_net worker, the feed (the exchange
// simulator unless Binance is reachable), the watchdog pointed at the function, and the dashboard.
// Ctrl-C or SIGTERM stops every part and the cluster. (First cut: see issue 6 for what is still to come.)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { prepareDatabase, redact } from '../local/database.ts';
import { LocalStackError } from '../local/errors.ts';
import { startExchangeSimulator, type ExchangeSimulator } from '../local/exchange/simulator.ts';
import { startFunctionsHost, type FunctionsHost } from '../local/functions/host.ts';
import { startGateway } from '../local/gateway.ts';
import { ensureLocalKeys } from '../local/keys.ts';
import { startNetWorker } from '../local/net-worker.ts';
import { logFile, projectRoot, stateDir } from '../local/paths.ts';
import { ensureCluster, stopCluster } from '../local/postgres/cluster.ts';
import { devClusterSpec } from '../local/postgres/dev-cluster.ts';
import { ensurePostgres } from '../local/postgres/packages.ts';
import { freePort, stopChild } from '../local/process.ts';
import { startRealtime, type RealtimeServer } from '../local/realtime/server.ts';
import { PORT_VARIABLES, stackPorts } from '../local/stack-config.ts';
import { parseCli, runMain } from './cli.ts';

const USAGE = `usage: npm start

Brings up the whole local stack and prints "ready: <dashboard URL>". Environment: FEED (auto |
binance | simulated | replay:<csv>), SYMBOLS (default BTCUSDT), DATABASE_URL, API_PORT, DB_PORT,
EXCHANGE_PORT, APP_PORT (default 5173). Ctrl-C stops everything.`;

parseCli(USAGE, {});

interface Part {
  name: string;
  stop: () => Promise<void> | void;
}

const parts: Part[] = [];
let stopping = false;

runMain(async () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown(0));
  try {
    await startEverything();
  } catch (error) {
    await shutdown(null);
    throw error;
  }
  await new Promise(() => {}); // runs until a signal
});

async function startEverything(): Promise<void> {
  const ports = stackPorts();
  const symbols = (process.env.SYMBOLS || 'BTCUSDT').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const databaseUrl = await startDatabase();
  const keys = await ensureLocalKeys();
  step('keys', `.local/keys.json (anon and service_role JWTs)`);

  const feed = await startFeed(ports.exchange, symbols);
  // Declared before the gateway, whose /health reads them as soon as it listens.
  let functions: FunctionsHost | undefined;
  let realtime: RealtimeServer | undefined;
  const gateway = await startGateway({
    port: ports.api, portVariable: PORT_VARIABLES.api, log: console.log,
    functionNames: () => functions?.names() ?? [], functionPort: (name) => functions?.portOf(name),
    health: () => ({ database: 'up', functions: functions?.status() ?? 'starting', realtime: realtime?.stats() ?? 'starting', feed: feed.label }),
  });
  parts.push({ name: 'gateway', stop: () => gateway.close() });
  const stand = await startRealtime({ gateway, databaseUrl, jwtSecret: keys.jwtSecret, log: (line) => console.log(line) });
  realtime = stand;
  parts.push({ name: 'realtime', stop: () => stand.stop() });
  step('realtime', `${gateway.url.replace('http', 'ws')}/realtime/v1/websocket`);
  const host = await startFunctionsHost({
    env: {
      SUPABASE_URL: gateway.url, SUPABASE_ANON_KEY: keys.anonKey, SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey, SUPABASE_DB_URL: databaseUrl,
      SYMBOLS: symbols.join(','), FEED_SOURCE: feed.source, ...feed.functionEnv,
    },
    denoDir: join(stateDir(), 'deno'), logDir: join(stateDir(), 'logs'), log: console.log,
  });
  functions = host;
  parts.push({ name: 'functions', stop: () => host.stop() });
  step('functions', `${host.names().join(', ')} at ${gateway.url}/functions/v1/<name>`);
  const worker = await startNetWorker({ databaseUrl, log: (line) => console.log(line) });
  parts.push({ name: 'net worker', stop: () => worker.stop() });
  step('pg_net worker', 'draining net.http_request_queue');

  const functionUrl = `${gateway.url}/functions/v1/exchange-stream`;
  await configureWatchdog(databaseUrl, functionUrl, keys.serviceRoleKey);
  void fetch(functionUrl, { method: 'POST', headers: { Authorization: `Bearer ${keys.serviceRoleKey}`, 'Content-Type': 'application/json' }, body: '{"trigger":"npm start"}' }).catch(() => {});
  step('watchdog', `pg_cron invokes ${functionUrl} whenever the stream is stale; invoked once now`);

  const dashboard = await startDashboard(databaseUrl, gateway.url, keys.anonKey);
  console.log(['', `  dashboard  ${dashboard}`, `  API        ${gateway.url}`, `  database   ${redact(databaseUrl)}`,
    `  anon key   ${keys.anonKey}`, `  feed       ${feed.label}`, '', `ready: ${dashboard}`].join('\n'));
}

async function startDatabase(): Promise<string> {
  if (process.env.DATABASE_URL) {
    await prepareDatabase(process.env.DATABASE_URL, (line) => step('database', line));
    return process.env.DATABASE_URL;
  }
  const install = ensurePostgres();
  const spec = devClusterSpec();
  const state = await ensureCluster(install, spec);
  if (state.started) parts.push({ name: 'postgres', stop: () => void stopCluster(install, spec) });
  step('postgres', `${state.created ? 'created' : 'reused'} .local/postgres on port ${spec.port} (log ${logFile('postgres')})`);
  await prepareDatabase(state.url, (line) => step('database', line));
  return state.url;
}

/** FEED: auto tries Binance for a few seconds and falls back to the simulator, saying so. */
async function startFeed(port: number, symbols: string[]) {
  const feed = process.env.FEED || 'auto';
  if (feed === 'binance' || (feed === 'auto' && (await binanceReachable()))) {
    step('feed', 'Binance USD-M futures (wss://fstream.binance.com)');
    return { source: 'binance', label: 'binance', functionEnv: {} as Record<string, string> };
  }
  const replay = feed.startsWith('replay:') ? feed.slice('replay:'.length) : undefined;
  if (feed !== 'auto' && feed !== 'simulated' && replay === undefined) {
    throw new LocalStackError('INVALID_FEED', `FEED must be auto, binance, simulated or replay:<csv>, got "${feed}"`, 2);
  }
  const simulator: ExchangeSimulator = await startExchangeSimulator({ port, symbols: replay ? undefined : symbols, ...(replay ? { replay: { csvPath: replay } } : {}) });
  parts.push({ name: 'exchange simulator', stop: () => simulator.close() });
  const source = replay ? 'replay' : 'simulated';
  const label = `${source} (exchange simulator at ${simulator.httpUrl}${feed === 'auto' ? '; Binance was not reachable' : ''})`;
  step('feed', label);
  return { source, label, functionEnv: { EXCHANGE_MARKET: 'spot', EXCHANGE_WS_URL: simulator.wsUrl, EXCHANGE_REST_URL: simulator.httpUrl } };
}

async function binanceReachable(): Promise<boolean> {
  try {
    const response = await fetch('https://fapi.binance.com/fapi/v1/ping', { signal: AbortSignal.timeout(3_000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function configureWatchdog(databaseUrl: string, url: string, key: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`select private.set_setting('exchange_stream_url', ${url}), private.set_setting('service_role_key', ${key})`;
  } finally {
    await sql.end();
  }
}

async function startDashboard(databaseUrl: string, apiUrl: string, anonKey: string): Promise<string> {
  if (!existsSync(join(projectRoot, 'app', 'build', 'index.js'))) {
    step('dashboard', 'building (npm run build -w app)...');
    const build = spawnSync('npm', ['run', '-s', 'build', '-w', 'app'], { cwd: projectRoot, stdio: 'inherit' });
    if (build.status !== 0) throw new LocalStackError('BUILD_FAILED', 'npm run build -w app failed (see above)');
  }
  const port = process.env.APP_PORT ? Number(process.env.APP_PORT) : await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(projectRoot, 'app', 'build')], {
    cwd: projectRoot, stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: databaseUrl, SUPABASE_URL: apiUrl, SUPABASE_ANON_KEY: anonKey, SHUTDOWN_TIMEOUT: '2' },
  });
  parts.push({ name: 'dashboard', stop: () => stopChild(child) });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return url;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new LocalStackError('DASHBOARD_DID_NOT_START', `the dashboard did not answer at ${url}`);
}


async function shutdown(exitCode: number | null): Promise<void> {
  if (stopping) return;
  stopping = true;
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

function step(name: string, detail: string): void {
  console.log(`${name.padEnd(14)} ${detail}`);
}
