// The dashboard: rebuilt when its sources changed since the last build (a hash of them is kept next
// to the build), then served by adapter-node's server as a supervised child on APP_PORT.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LocalStackError } from '../errors.ts';
import { projectRoot } from '../paths.ts';
import { pollUntil, runCommand, type RunResult } from '../process.ts';
import { describeTail, openServiceLog, tailLines } from '../service-log.ts';
import { superviseChild, type ChildExit, type SupervisedChild } from '../supervised-child.ts';

const APP = join(projectRoot, 'app');
const BUILD = join(APP, 'build');
const HASH_FILE = join(BUILD, '.source-hash');
/** Everything the build reads besides node_modules. */
const SOURCES = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'tsconfig.json', 'package.json', '../package-lock.json'];

export interface BuildCheck {
  /** Why the dashboard must be built ('no build yet', 'sources changed since the last build'), or undefined when the build is current. */
  reason: string | undefined;
  /** The sources' hash now: what a build made from them records. */
  hash: string;
}

/** Compares the sources with those the current build was made from (hashing them once). */
export function checkBuild(appDir = APP): BuildCheck {
  const hash = sourceHash(appDir);
  const hashFile = join(appDir, 'build', '.source-hash');
  if (!existsSync(join(appDir, 'build', 'index.js')) || !existsSync(hashFile)) return { reason: 'no build yet', hash };
  return { reason: readFileSync(hashFile, 'utf8').trim() === hash ? undefined : 'sources changed since the last build', hash };
}

/**
 * Builds the dashboard (output to the `build` service log) and records `hash`, the sources it was
 * built from; `env` is added to the build's environment.
 */
export async function buildDashboard(logPath: string, hash: string, signal?: AbortSignal, env: Record<string, string> = {}): Promise<void> {
  const log = openServiceLog('build', logPath);
  let result: RunResult;
  try {
    // `vite build` itself (what the app's build script runs), not through npm and a shell: a stop
    // while it builds must reach the process doing the work.
    result = await runCommand(process.execPath, [join(projectRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: APP, env: { ...process.env, ...env }, quiet: true, signal });
    log.stream.write(result.output);
  } finally {
    await log.close();
  }
  if (result.status !== 0) {
    throw new LocalStackError('BUILD_FAILED', `the dashboard build failed (exit ${result.status}). ${describeTail(logPath, tailLines(logPath, 30))}`);
  }
  writeFileSync(HASH_FILE, `${hash}\n`);
}

export interface DashboardServerOptions {
  port: number;
  databaseUrl: string;
  apiUrl: string;
  anonKey: string;
  logPath: string;
  onUnexpectedExit: (exit: ChildExit) => void;
  isShuttingDown: () => boolean;
}

export function serveDashboard(options: DashboardServerOptions): { url: string; child: SupervisedChild } {
  const url = `http://127.0.0.1:${options.port}/`;
  const child = superviseChild({
    name: 'dashboard',
    command: process.execPath,
    args: [BUILD],
    cwd: projectRoot,
    env: {
      ...process.env, HOST: '127.0.0.1', PORT: String(options.port), DATABASE_URL: options.databaseUrl,
      SUPABASE_URL: options.apiUrl, SUPABASE_ANON_KEY: options.anonKey, SHUTDOWN_TIMEOUT: '2',
    },
    logPath: options.logPath,
    ready: () => waitForPage(url, 30_000),
    onUnexpectedExit: options.onUnexpectedExit,
    isShuttingDown: options.isShuttingDown,
  });
  return { url, child };
}

/** A hash of every source file's path and content, so a checkout that only touches mtimes is not a change. */
export function sourceHash(appDir: string): string {
  const hash = createHash('sha256');
  for (const source of SOURCES) {
    for (const file of filesUnder(join(appDir, source))) {
      hash.update(`${relative(appDir, file)}\0`);
      hash.update(readFileSync(file));
      hash.update('\0');
    }
  }
  return hash.digest('hex');
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => filesUnder(join(path, entry.name)));
}

function waitForPage(url: string, timeoutMs: number): Promise<boolean> {
  return pollUntil(() => fetch(url, { signal: AbortSignal.timeout(2_000) }).then((response) => response.ok, () => false), timeoutMs);
}
