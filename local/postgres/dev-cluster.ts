// The developer cluster behind `npm start` and `npm run db:up`: in .local/postgres, on DB_PORT
// (default 54322, as `supabase start` uses), durable like any database whose data you care about.
// As root, the server runs as `postgres`, which may not be able to enter the checkout (a clone in
// /root): then the cluster lives in a folder that user owns and .local/postgres links to it.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LocalStackError } from '../errors.ts';
import { logFile, stateDir } from '../paths.ts';
import { serverUserCanReach, serverUserIds, type ClusterSpec } from './cluster.ts';

export const DEFAULT_DB_PORT = 54322;

export function devClusterSpec(env: NodeJS.ProcessEnv = process.env): ClusterSpec {
  const home = join(stateDir(env), 'postgres');
  const relocated = linkTarget(home);
  return {
    dir: relocated ?? home,
    port: parsePort(env.DB_PORT, DEFAULT_DB_PORT, 'DB_PORT'),
    // A relocated server cannot write into .local/logs either; .local/logs/postgres.log links to its log.
    logFile: relocated ? join(relocated, 'postgres.log') : logFile('postgres', env),
    password: 'postgres',
    durable: true,
    portVariable: 'DB_PORT',
  };
}

/**
 * The spec, after moving a not-yet-created cluster where the server's user can reach it when it
 * cannot reach .local (root only). Says where it went through `note`.
 */
export function prepareDevClusterSpec(env: NodeJS.ProcessEnv = process.env, note: (line: string) => void = () => {}): ClusterSpec {
  const home = join(stateDir(env), 'postgres');
  mkdirSync(dirname(home), { recursive: true });
  if (!serverUserIds() || existsSync(home) || linkTarget(home) || serverUserCanReach(dirname(home))) return devClusterSpec(env);
  const base = existsSync('/var/lib/postgresql') ? '/var/lib/postgresql/candlestream' : '/var/tmp/candlestream';
  const target = join(base, createHash('sha256').update(resolve(home)).digest('hex').slice(0, 12));
  mkdirSync(target, { recursive: true });
  symlinkSync(target, home);
  mkdirSync(dirname(logFile('postgres', env)), { recursive: true });
  if (!existsSync(logFile('postgres', env))) symlinkSync(join(target, 'postgres.log'), logFile('postgres', env));
  note(`the postgres user cannot enter ${dirname(home)}, so the cluster lives in ${target} (linked from .local/postgres)`);
  return devClusterSpec(env);
}

function linkTarget(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? resolve(dirname(path), readlinkSync(path)) : undefined;
  } catch {
    return undefined;
  }
}

/** Parses a port from an environment variable, refusing anything but 1..65535. */
export function parsePort(value: string | undefined, fallback: number, variable: string): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new LocalStackError('INVALID_PORT', `${variable} must be a port number between 1 and 65535, got "${value}"`, 2);
  }
  return port;
}
