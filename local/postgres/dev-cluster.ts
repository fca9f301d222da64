// The developer cluster behind `npm run db:up`: in .local/postgres, on DB_PORT (default 54322, as
// `supabase start` uses), durable like any database whose data you care about.
import { join } from 'node:path';
import { LocalStackError } from '../errors.ts';
import { logFile, stateDir } from '../paths.ts';
import type { ClusterSpec } from './cluster.ts';

export const DEFAULT_DB_PORT = 54322;

export function devClusterSpec(env: NodeJS.ProcessEnv = process.env): ClusterSpec {
  return {
    dir: join(stateDir(env), 'postgres'),
    port: parsePort(env.DB_PORT, DEFAULT_DB_PORT, 'DB_PORT'),
    logFile: logFile('postgres', env),
    password: 'postgres',
    durable: true,
    portVariable: 'DB_PORT',
  };
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
