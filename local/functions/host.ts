// Serves every folder of supabase/functions/ under real Deno, one process per function on a private
// port, with the environment the Edge Runtime provides. A function that dies is restarted with
// backoff; the gateway proxies /functions/v1/<name> to it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { backoffDelay } from '../../supabase/functions/_shared/backoff.ts';
import { projectRoot } from '../paths.ts';
import { freePort, stopChild } from '../process.ts';

export interface FunctionsHostOptions {
  /** SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_ROLE_KEY, SUPABASE_DB_URL and any function settings. */
  env: Record<string, string>;
  denoDir: string;
  logDir: string;
  log: (line: string) => void;
  functionsDir?: string;
}

export type FunctionState = 'starting' | 'running' | 'restarting' | 'stopped';

export interface FunctionsHost {
  names(): string[];
  /** The port a function listens on while it runs. */
  portOf(name: string): number | undefined;
  status(): Record<string, FunctionState>;
  stop(): Promise<void>;
}

interface Served {
  name: string;
  port: number;
  state: FunctionState;
  child?: ChildProcess;
  restarts: number;
}

export async function startFunctionsHost(options: FunctionsHostOptions): Promise<FunctionsHost> {
  const dir = options.functionsDir ?? join(projectRoot, 'supabase', 'functions');
  mkdirSync(options.logDir, { recursive: true });
  const served = new Map<string, Served>();
  let stopping = false;

  const launch = (fn: Served) => {
    const child = spawn(denoBinary(), denoArgs(dir, fn.name), {
      cwd: projectRoot,
      env: { ...process.env, ...options.env, DENO_DIR: options.denoDir, DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${fn.port}`, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logFile = createWriteStream(join(options.logDir, `function-${fn.name}.log`), { flags: 'a' });
    child.stdout?.pipe(logFile, { end: false });
    child.stderr?.pipe(logFile, { end: false });
    fn.child = child;
    child.once('exit', (code, signal) => {
      logFile.end();
      if (stopping) return void (fn.state = 'stopped');
      fn.state = 'restarting';
      const delay = backoffDelay(fn.restarts++);
      options.log(`functions: ${fn.name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms (log: ${join(options.logDir, `function-${fn.name}.log`)})`);
      setTimeout(() => !stopping && launch(fn), delay);
    });
    void waitForPort(fn.port, 60_000).then((up) => {
      if (up && fn.child === child) {
        fn.state = 'running';
        fn.restarts = 0;
      }
    });
  };

  for (const name of functionNames(dir)) {
    const fn: Served = { name, port: await freePort(), state: 'starting', restarts: 0 };
    served.set(name, fn);
    launch(fn);
  }
  await Promise.all([...served.values()].map((fn) => waitForPort(fn.port, 60_000)));

  return {
    names: () => [...served.keys()],
    portOf: (name) => (served.get(name)?.state === 'running' ? served.get(name)?.port : undefined),
    status: () => Object.fromEntries([...served.values()].map((fn) => [fn.name, fn.state])),
    async stop() {
      stopping = true;
      await Promise.all([...served.values()].map((fn) => stopChild(fn.child)));
    },
  };
}

/** Function folders: every folder with an index.ts, except shared code (`_shared`, any `_` prefix). */
export function functionNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_') && existsSync(join(dir, entry.name, 'index.ts')))
    .map((entry) => entry.name)
    .sort();
}

function denoBinary(): string {
  return join(projectRoot, 'node_modules', '.bin', 'deno');
}

function denoArgs(dir: string, name: string): string[] {
  // Edge Functions reach the network and read their env; nothing else, as on the hosted runtime.
  return ['run', '--allow-net', '--allow-env', '--allow-read', '--no-prompt', '--config', join(dir, 'deno.json'), join(dir, name, 'index.ts')];
}

function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) resolve(false);
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

