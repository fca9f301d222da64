// Serves every folder of supabase/functions/ under real Deno, one supervised process per function on
// a private port, with the environment the Edge Runtime provides. A function that dies is reported
// and restarted with backoff; the gateway proxies /functions/v1/<name> to it.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths.ts';
import { freePort, waitForPort } from '../process.ts';
import { superviseChild, type ChildExit, type ChildState, type SupervisedChild } from '../supervised-child.ts';

export interface FunctionsHostOptions {
  /** SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_ROLE_KEY, SUPABASE_DB_URL and any function settings. */
  env: Record<string, string>;
  denoDir: string;
  /** Each function logs to <logDir>/function-<name>.log. */
  logDir: string;
  log: (line: string) => void;
  /** How an unexpected exit is reported; default: one line through `log`. */
  onUnexpectedExit?: (exit: ChildExit) => void;
  isShuttingDown?: () => boolean;
  /** Called with the host as soon as its processes are spawned, before they are ready: a shutdown meanwhile must stop them. */
  onSpawned?: (host: FunctionsHost) => void;
}

export interface FunctionsHost {
  names(): string[];
  /** The port a function listens on while it runs. */
  portOf(name: string): number | undefined;
  status(): Record<string, ChildState>;
  stop(): Promise<void>;
}

interface Served {
  port: number;
  child: SupervisedChild;
}

export async function startFunctionsHost(options: FunctionsHostOptions): Promise<FunctionsHost> {
  const dir = join(projectRoot, 'supabase', 'functions');
  const report = options.onUnexpectedExit ??
    ((exit: ChildExit) => options.log(`functions: ${exit.name} exited (${exit.signal ?? `code ${exit.code}`}); restarting in ${exit.restartInMs} ms (log: ${exit.logPath})`));
  const served = new Map<string, Served>();
  for (const name of functionNames(dir)) {
    const port = await freePort();
    const child = superviseChild({
      name: `function-${name}`,
      command: denoBinary(),
      args: denoArgs(dir, name),
      cwd: projectRoot,
      env: { ...process.env, ...options.env, DENO_DIR: options.denoDir, DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}`, NO_COLOR: '1' },
      logPath: join(options.logDir, `function-${name}.log`),
      ready: () => waitForPort(port, 60_000),
      onUnexpectedExit: report,
      isShuttingDown: options.isShuttingDown,
    });
    served.set(name, { port, child });
  }
  const host: FunctionsHost = {
    names: () => [...served.keys()],
    portOf: (name) => (served.get(name)?.child.state() === 'up' ? served.get(name)?.port : undefined),
    status: () => Object.fromEntries([...served].map(([name, fn]) => [name, fn.child.state()])),
    stop: async () => void (await Promise.all([...served.values()].map((fn) => fn.child.stop()))),
  };
  options.onSpawned?.(host);
  await Promise.all([...served.values()].map((fn) => fn.child.started));
  return host;
}

/** Function folders: every folder with an index.ts, except shared code (`_shared`, any `_` prefix). */
export function functionNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_') && existsSync(join(dir, entry.name, 'index.ts')))
    .map((entry) => entry.name)
    .sort();
}

/** The Deno installed from npm (node_modules/.bin/deno). */
export function denoBinary(): string {
  return join(projectRoot, 'node_modules', '.bin', 'deno');
}

function denoArgs(dir: string, name: string): string[] {
  // Edge Functions reach the network and read their env; nothing else, as on the hosted runtime.
  return ['run', '--allow-net', '--allow-env', '--allow-read', '--no-prompt', '--config', join(dir, 'deno.json'), join(dir, name, 'index.ts')];
}
