// Lifecycle of a private PostgreSQL cluster: create (initdb), configure, start, stop. The server
// refuses to run as root, so when we are root every server binary runs as the `postgres` user.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LocalStackError } from '../errors.ts';
import { assertPortFree } from '../process.ts';
import { rotateLog } from '../service-log.ts';
import type { PostgresInstall } from './binaries.ts';

export interface ClusterSpec {
  /** Holds `data/` (the data directory) and `run/` (the unix socket). */
  dir: string;
  port: number;
  logFile: string;
  /** The password of the `postgres` superuser over TCP (unix-socket connections are trusted). */
  password: string;
  /**
   * false for throwaway test clusters: fsync and full-page writes off. Never for a cluster whose
   * data matters, nor for benchmarks, which must measure what a real server does.
   */
  durable: boolean;
  /** The environment variable that sets `port`, named in the error when the port is taken. */
  portVariable: string;
}

export interface ClusterState {
  url: string;
  created: boolean;
  started: boolean;
}

/** Creates the cluster if it does not exist and starts it if it is not running. Idempotent. */
export async function ensureCluster(install: PostgresInstall, spec: ClusterSpec): Promise<ClusterState> {
  const created = !existsSync(join(dataDir(spec), 'PG_VERSION'));
  if (created) initCluster(install, spec);
  writeSettings(spec);
  let started = false;
  if (!isRunning(install, spec)) {
    await assertPortFree(spec.port, spec.portVariable);
    startServer(install, spec);
    started = true;
  }
  return { url: clusterUrl(spec), created, started };
}

/** Stops the cluster if it runs (fast shutdown: open sessions are rolled back, nothing is lost). */
export function stopCluster(install: PostgresInstall, spec: ClusterSpec): boolean {
  if (!existsSync(join(dataDir(spec), 'PG_VERSION')) || !isRunning(install, spec)) return false;
  const result = runServerBinary(install, 'pg_ctl', ['-D', dataDir(spec), '-m', 'fast', '-w', '-t', '60', 'stop']);
  if (result.status !== 0) {
    throw new LocalStackError('CLUSTER_STOP_FAILED', `pg_ctl stop failed for ${dataDir(spec)}: ${result.output}`);
  }
  return true;
}

function clusterUrl(spec: ClusterSpec): string {
  return `postgresql://postgres:${encodeURIComponent(spec.password)}@127.0.0.1:${spec.port}/postgres`;
}

function isRunning(install: PostgresInstall, spec: ClusterSpec): boolean {
  if (!existsSync(join(dataDir(spec), 'postmaster.pid'))) return false;
  // pg_ctl status: 0 running, 3 not running, 4 no accessible data directory.
  return runServerBinary(install, 'pg_ctl', ['-D', dataDir(spec), 'status']).status === 0;
}

function dataDir(spec: ClusterSpec): string {
  return join(spec.dir, 'data');
}

function socketDir(spec: ClusterSpec): string {
  return join(spec.dir, 'run');
}

function initCluster(install: PostgresInstall, spec: ClusterSpec): void {
  mkdirSync(socketDir(spec), { recursive: true });
  const pwfile = join(spec.dir, 'initdb-password');
  writeFileSync(pwfile, `${spec.password}\n`, { mode: 0o600 });
  giveToServerUser(spec.dir);
  assertServerUserCanReach(spec.dir);
  const result = runServerBinary(install, 'initdb', [
    '-D', dataDir(spec), '-U', 'postgres', '--pwfile', pwfile,
    '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions',
  ]);
  if (result.status !== 0) {
    throw new LocalStackError('INITDB_FAILED', `initdb failed for ${dataDir(spec)}: ${result.output}`);
  }
  // Our settings live in their own file, rewritten at every start, so a changed port takes effect.
  appendFileSync(join(dataDir(spec), 'postgresql.conf'), "\ninclude_if_exists = 'candlestream.conf'\n");
}

function writeSettings(spec: ClusterSpec): void {
  const lines = [
    '# Written by candlestream (local/postgres/cluster.ts) at every start; edits are overwritten.',
    "listen_addresses = '127.0.0.1'",
    `port = ${spec.port}`,
    `unix_socket_directories = '${socketDir(spec)}'`,
    // pg_cron must be preloaded, and only works in the database it is told about: the app lives in
    // `postgres`, as on Supabase. Background workers avoid pg_cron needing a password to connect.
    "shared_preload_libraries = 'pg_cron'",
    "cron.database_name = 'postgres'",
    'cron.use_background_workers = on',
    'max_worker_processes = 32',
    // Logical replication feeds the Realtime stand-in.
    'wal_level = logical',
    'max_replication_slots = 16',
    'max_wal_senders = 16',
    "timezone = 'UTC'",
    "log_timezone = 'UTC'",
    ...(spec.durable ? [] : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
  ];
  const file = join(dataDir(spec), 'candlestream.conf');
  writeFileSync(file, `${lines.join('\n')}\n`);
  giveToServerUser(file);
}

function startServer(install: PostgresInstall, spec: ClusterSpec): void {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  rotateLog(spec.logFile);
  if (!existsSync(spec.logFile)) writeFileSync(spec.logFile, '');
  giveToServerUser(spec.logFile);
  const result = runServerBinary(install, 'pg_ctl', ['-D', dataDir(spec), '-l', spec.logFile, '-w', '-t', '60', 'start']);
  if (result.status !== 0) {
    throw new LocalStackError(
      'CLUSTER_START_FAILED',
      `pg_ctl start failed for ${dataDir(spec)} (log: ${spec.logFile}): ${result.output}`,
    );
  }
}

let serverUser: { uid: number; gid: number } | null | undefined;

/** The uid/gid of `postgres` when we run as root (and must hand files over), else null. */
export function serverUserIds(): { uid: number; gid: number } | null {
  if (serverUser !== undefined) return serverUser;
  if (process.getuid?.() !== 0) return (serverUser = null);
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return (serverUser = { uid, gid });
  } catch {
    throw new LocalStackError(
      'NO_POSTGRES_USER',
      'running as root but there is no `postgres` user to run the server as (the postgresql-15 package creates it)',
    );
  }
}

function giveToServerUser(path: string): void {
  const ids = serverUserIds();
  if (!ids) return;
  if (statSync(path).isDirectory()) spawnSync('chown', ['-R', `${ids.uid}:${ids.gid}`, path]);
  else chownSync(path, ids.uid, ids.gid);
}

/** Whether the server's user can reach dir (always, when we are not root and the server runs as us). */
export function serverUserCanReach(dir: string): boolean {
  return !serverUserIds() || spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', dir]).status === 0;
}

/** The server runs as `postgres`: every folder above its data directory must let that user through. */
function assertServerUserCanReach(dir: string): void {
  if (serverUserCanReach(dir)) return;
  throw new LocalStackError(
    'STATE_DIR_UNREACHABLE',
    `the postgres user cannot reach ${dir}; make the folders above it traversable (chmod o+x) or set CANDLESTREAM_STATE_DIR elsewhere`,
    2,
  );
}

function runServerBinary(install: PostgresInstall, name: string, args: string[]): { status: number | null; output: string } {
  const binary = join(install.binDir, name);
  const [command, fullArgs] = serverUserIds() ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  const result = spawnSync(command, fullArgs, { encoding: 'utf8', cwd: '/' });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}
