// npm run import as a user runs it: arguments, exit statuses, what it prints, and a real import.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../local/paths.ts';
import { freePort } from '../local/process.ts';
import { describeWithDatabase, testDatabaseUrl } from './support/database.ts';

const SYMBOL = `IMPCLI${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
const T0 = Date.UTC(2025, 7, 1);

function runImport(args: string[], env: Record<string, string> = {}) {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const result = spawnSync('node', [join(projectRoot, 'scripts', 'run.mjs'), 'import', ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { ...inherited, ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function candleLine(openMs: number): string {
  return `${openMs},100.25,101.5,99.75,100.5,1.25,${openMs + 59_999},125.5,7,0.5,50.1,0`;
}

describe('npm run import', () => {
  let dir: string;
  let dump: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'candlestream-import-cli-'));
    dump = join(dir, `${SYMBOL}-1m-2025-08.csv`);
    writeFileSync(dump, `${candleLine(T0)}\nnot,a,candle\n${candleLine(T0 + 60_000)}\n${candleLine(T0 + 120_000)}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints usage and exits 2 on an unknown option', () => {
    const run = runImport([dump, '--bogus']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage: npm run import');
  });

  it('prints usage and exits 2 without a file, or with a file that does not exist', () => {
    for (const args of [[], [join(dir, 'absent.csv')]]) {
      const run = runImport(args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('usage: npm run import');
    }
  });

  it('exits 2 naming the problem for a bad symbol or batch size', () => {
    expect(runImport([dump, '--symbol', 'btc'])).toMatchObject({ status: 2, stderr: expect.stringContaining('INVALID_SYMBOL') });
    expect(runImport([dump, '--batch', '5001'])).toMatchObject({ status: 2, stderr: expect.stringContaining('INVALID_BATCH_SIZE') });
    expect(runImport([dump, '--batch', 'lots'])).toMatchObject({ status: 2, stderr: expect.stringContaining('usage: npm run import') });
    const unnamed = join(dir, 'klines.csv');
    writeFileSync(unnamed, `${candleLine(T0)}\n`);
    expect(runImport([unnamed])).toMatchObject({ status: 2, stderr: expect.stringContaining('SYMBOL_UNKNOWN') });
  });

  it('exits 1 and suggests npm run db:up when the database cannot be reached', async () => {
    const port = await freePort();
    const run = runImport([dump], { DATABASE_URL: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres` });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('DATABASE_UNREACHABLE');
    expect(run.stderr).toContain('npm run db:up');
  });
});

describeWithDatabase('npm run import against the test database', () => {
  let dir: string;
  let sql: postgres.Sql;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'candlestream-import-cli-'));
    sql = postgres(testDatabaseUrl!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql`delete from public.live_candles_1m where symbol = ${SYMBOL}`;
    await sql`delete from public.stream_status where symbol = ${SYMBOL}`;
    await sql.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports the file under the symbol its name gives, reports the malformed line and prints the summary', async () => {
    const dump = join(dir, `${SYMBOL}-1m-2025-08.csv`);
    writeFileSync(dump, `${candleLine(T0)}\nnot,a,candle\n${candleLine(T0 + 60_000)}\n${candleLine(T0 + 120_000)}\n`);
    const run = runImport([dump, '--batch', '2'], { DATABASE_URL: testDatabaseUrl! });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain(`${dump}:2: malformed line skipped`);
    expect(run.stdout.trim().split('\n').at(-1)).toBe(
      `import: ${dump}: 3 candles (ms timestamps) — accepted 3, stale 0, rejected 0, malformed lines 1`,
    );
    const [row] = await sql`select count(*)::int as n from public.live_candles_1m where symbol = ${SYMBOL}`;
    expect(row!.n).toBe(3);
  });
});
