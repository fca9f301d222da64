// The built dashboard on a stack of its own, shared by the browser suite and `npm run bench -- chart`:
// `vite build`, a gateway with the Realtime stand-in, the adapter-node server against a database, and
// Chromium (local/chromium.ts) opens it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../../../local/gateway.ts';
import { logFile } from '../../../local/paths.ts';
import { buildDashboard as buildAppDashboard, checkBuild } from '../../../local/stack/dashboard.ts';
import { signRoleKey } from '../../../local/keys.ts';
import { freePort } from '../../../local/process.ts';
import { startRealtime, type RealtimeServer } from '../../../local/realtime/server.ts';

export const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface DashboardStack {
  /** The app's origin, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Stops the Realtime stand-in, so the page's subscription drops; startRealtime() brings it back. */
  stopRealtime(): Promise<void>;
  startRealtime(): Promise<void>;
  /** Stops the app server, the stand-in and the gateway. */
  stop(): Promise<void>;
}

export interface DashboardOptions {
  databaseUrl: string;
  /** Added to the app server's environment. */
  env?: Record<string, string>;
  log: (line: string) => void;
}

/**
 * Builds the dashboard as npm start does (so the sources' hash is recorded and the next npm start
 * does not build again), with `env` added to the build's environment.
 */
export function buildDashboard(env: Record<string, string> = {}): Promise<void> {
  return buildAppDashboard(logFile('build'), checkBuild().hash, undefined, env);
}

/** Starts a gateway with the Realtime stand-in, then the built app against `databaseUrl`; resolves once it answers. */
export async function startDashboard(options: DashboardOptions): Promise<DashboardStack> {
  const { databaseUrl, log } = options;
  const jwtSecret = randomBytes(32).toString('hex');
  const gateway = await startGateway({ port: 0, portVariable: 'API_PORT', functionPort: () => undefined, functionNames: () => [], health: () => ({}), log });
  let realtime: RealtimeServer | null = null;
  let app: ChildProcess | null = null;
  const stack: DashboardStack = {
    url: '',
    startRealtime: async () => {
      realtime ??= await startRealtime({ gateway, databaseUrl, jwtSecret, log });
    },
    stopRealtime: async () => {
      const running = realtime;
      realtime = null;
      await running?.stop();
    },
    stop: async () => {
      if (app) await stopChild(app);
      await stack.stopRealtime();
      await gateway.close();
    },
  };
  try {
    await stack.startRealtime();
    const port = await freePort();
    stack.url = `http://127.0.0.1:${port}`;
    app = spawn(process.execPath, ['build'], {
      cwd: appDir,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', SHUTDOWN_TIMEOUT: '1', DATABASE_URL: databaseUrl, SUPABASE_URL: gateway.url, SUPABASE_ANON_KEY: await signRoleKey(jwtSecret, 'anon'), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    app.stdout?.on('data', (chunk: Buffer) => log(`app: ${chunk}`));
    app.stderr?.on('data', (chunk: Buffer) => log(`app: ${chunk}`));
    const started = app;
    await waitFor(async () => {
      if (started.exitCode !== null) throw new Error(`the dashboard server exited with ${started.exitCode} before it answered`);
      return (await fetch(`${stack.url}/api/status?symbol=BTCUSDT`).catch(() => null))?.ok === true;
    }, 20_000);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

/** Polls `check` every 100 ms until it holds; rejects after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM, then wait for the exit. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}
