// npm run db:up / db:down as a user runs them: a real cluster in a temp state folder on a free port.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../local/paths.ts';
import { freePort } from '../local/process.ts';
import { describeWithDatabase, testDatabaseUrl } from './support/database.ts';

function runScript(name: string, env: Record<string, string>, args: string[] = []) {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const result = spawnSync('node', [join(projectRoot, 'scripts', 'run.mjs'), name, ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { ...inherited, ...env },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run db:up and db:down', () => {
  const state = mkdtempSync(join(tmpdir(), 'candlestream-state-'));
  // mkdtemp makes a 0700 folder; .local in a checkout is 0755, which the postgres user can traverse.
  chmodSync(state, 0o755);
  let port = 0;
  afterAll(() => {
    runScript('db-down', { CANDLESTREAM_STATE_DIR: state, DB_PORT: String(port) });
    rmSync(state, { recursive: true, force: true });
  });

  it('creates, starts and migrates a cluster, then prints DATABASE_URL', async () => {
    port = await freePort();
    const run = runScript('db-up', { CANDLESTREAM_STATE_DIR: state, DB_PORT: String(port) });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('cluster created');
    const url = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
    expect(run.stdout.trim().split('\n').at(-1)).toBe(`DATABASE_URL=${url}`);

    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const settings = await sql`
        select current_setting('wal_level') as wal_level,
               current_setting('shared_preload_libraries') as preload,
               current_setting('cron.database_name') as cron_database`;
      expect(settings[0]).toEqual({ wal_level: 'logical', preload: 'pg_cron', cron_database: 'postgres' });
      const jobs = await sql`select jobname from cron.job order by jobname`;
      expect(jobs.map((j) => j.jobname)).toEqual(['candlestream-retention', 'candlestream-stream-watchdog']);
    } finally {
      await sql.end();
    }
  });

  it('is idempotent: a second run finds the cluster running and nothing to migrate', () => {
    const run = runScript('db-up', { CANDLESTREAM_STATE_DIR: state, DB_PORT: String(port) });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('already running');
    expect(run.stdout).toContain('none pending');
  });

  it('db:down stops the cluster cleanly, and says so when it is already stopped', async () => {
    const first = runScript('db-down', { CANDLESTREAM_STATE_DIR: state, DB_PORT: String(port) });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('stopped');
    expect(await portAcceptsConnections(port)).toBe(false);
    const second = runScript('db-down', { CANDLESTREAM_STATE_DIR: state, DB_PORT: String(port) });
    expect(second.stdout).toContain('was not running');
  });

  it('names the port and DB_PORT when the port is taken, and exits 2', async () => {
    const blocker = await listen(port);
    try {
      const run = runScript('db-up', { CANDLESTREAM_STATE_DIR: state, DB_PORT: String(port) });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`port ${port}`);
      expect(run.stderr).toContain('DB_PORT');
    } finally {
      blocker.close();
    }
  });

  it('prints usage and exits 2 on an unknown argument', () => {
    const run = runScript('db-up', { CANDLESTREAM_STATE_DIR: state }, ['--bogus']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage: npm run db:up');
  });
});

describeWithDatabase('npm run db:up with DATABASE_URL', () => {
  it('migrates that database and starts no cluster', () => {
    const state = mkdtempSync(join(tmpdir(), 'candlestream-state-'));
    try {
      const run = runScript('db-up', { CANDLESTREAM_STATE_DIR: state, DATABASE_URL: testDatabaseUrl! });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain('no local cluster started');
      expect(run.stdout.trim().split('\n').at(-1)).toBe(`DATABASE_URL=${testDatabaseUrl}`);
      expect(existsSync(join(state, 'postgres'))).toBe(false);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function portAcceptsConnections(port: number): Promise<boolean> {
  const sql = postgres(`postgresql://postgres:postgres@127.0.0.1:${port}/postgres`, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}
