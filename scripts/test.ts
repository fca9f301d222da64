// npm test — every suite against a throwaway cluster: typecheck, pgTAP (pg_prove over
// supabase/tests), the TypeScript suites (vitest), the dashboard's, then npm start itself on a fresh
// clone. Ends with one line "tests: N passed, N failed, N skipped".
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareDatabase } from '../local/database.ts';
import { LocalStackError } from '../local/errors.ts';
import { projectRoot, stateDir } from '../local/paths.ts';
import { startEphemeralCluster, type EphemeralCluster } from '../local/postgres/ephemeral-cluster.ts';
import { ensureChromium } from '../local/chromium.ts';
import { denoBinary, functionNames } from '../local/functions/host.ts';
import { ensurePostgres } from '../local/postgres/packages.ts';
import { runCommand } from '../local/process.ts';
import { countDenoTest, countPgProve } from '../local/test-tally.ts';
import { parseCli, requireKnown, runMain } from './cli.ts';

const SUITES = ['typecheck', 'deno', 'pgtap', 'vitest', 'app', 'start'] as const;
type Suite = (typeof SUITES)[number];

const USAGE = `usage: npm test [-- --suite <${SUITES.join('|')}> ...]

Starts a throwaway PostgreSQL 15 cluster in a temp folder on a free port, bootstraps and migrates it
with the Supabase CLI, runs every suite (or those named), removes the cluster, and prints
"tests: N passed, N failed, N skipped". Exits non-zero when anything failed.`;

interface Tally {
  suite: Suite;
  passed: number;
  failed: number;
  skipped: number;
}

const { values } = parseCli(USAGE, { suite: { type: 'string', multiple: true } });
const chosen = (values.suite ?? [...SUITES]) as string[];
requireKnown(chosen, SUITES, 'suite', USAGE);


runMain(async () => {
  const tallies: Tally[] = [];
  let cluster: EphemeralCluster | undefined;
  try {
    if (chosen.includes('typecheck')) tallies.push(await runTypecheck());
    if (chosen.includes('deno')) tallies.push(await runDenoTests());
    if (chosen.includes('pgtap') || chosen.includes('vitest') || chosen.includes('app')) {
      const install = ensurePostgres();
      cluster = await startEphemeralCluster(install, { durable: false });
      console.log(`test: throwaway cluster on port ${cluster.spec.port} in ${cluster.spec.dir}`);
      await prepareDatabase(cluster.url);
      if (chosen.includes('pgtap')) tallies.push(await runPgTap(cluster.url));
      if (chosen.includes('vitest')) tallies.push(await runVitest(cluster.url));
      if (chosen.includes('app')) tallies.push(...(await runAppSuites(cluster.url)));
    }
  } finally {
    cluster?.dispose();
  }
  if (chosen.includes('start')) tallies.push(await runStartSuite());
  printSummary(tallies);
  if (tallies.some((t) => t.failed > 0)) throw new LocalStackError('TESTS_FAILED', 'some tests failed (see above)');
});

async function runTypecheck(): Promise<Tally> {
  console.log('\n== typecheck (tsc --noEmit)');
  const result = await runCommand(join(projectRoot, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', projectRoot], { cwd: projectRoot });
  return { suite: 'typecheck', passed: result.status === 0 ? 1 : 0, failed: result.status === 0 ? 0 : 1, skipped: 0 };
}

/** The Edge Functions under real Deno: type-checked as Deno sees them, then their own `deno test`s. */
async function runDenoTests(): Promise<Tally> {
  console.log('\n== Edge Functions (deno check, deno test)');
  const deno = denoBinary();
  const functions = join(projectRoot, 'supabase', 'functions');
  const config = join(functions, 'deno.json');
  const env = { ...process.env, DENO_DIR: join(stateDir(), 'deno'), NO_COLOR: '1' };
  const entryPoints = functionNames(functions).map((name) => join(functions, name, 'index.ts'));
  const check = await runCommand(deno, ['check', '--config', config, ...entryPoints], { cwd: projectRoot, env });
  const test = await runCommand(deno, ['test', '--config', config, join(projectRoot, 'supabase', 'functions')], { cwd: projectRoot, env });
  const counts = countDenoTest(test.output, test.status);
  return { suite: 'deno', passed: counts.passed + (check.status === 0 ? 1 : 0), failed: counts.failed + (check.status === 0 ? 0 : 1), skipped: counts.skipped };
}

async function runPgTap(url: string): Promise<Tally> {
  console.log('\n== pgTAP (pg_prove supabase/tests)');
  const result = await runCommand('pg_prove', ['-d', url, '--ext', '.sql', '-r', join(projectRoot, 'supabase', 'tests')], { cwd: projectRoot });
  return { suite: 'pgtap', ...countPgProve(result.output, result.status) };
}

/** The dashboard: svelte-check, then its unit and browser suites (Debian Chromium, installed when root). */
async function runAppSuites(url: string): Promise<Tally[]> {
  console.log('\n== dashboard (svelte-check)');
  const check = await runCommand('npm', ['run', '-s', 'check', '-w', 'app'], { cwd: projectRoot });
  const checked: Tally = { suite: 'app', passed: check.status === 0 ? 1 : 0, failed: check.status === 0 ? 0 : 1, skipped: 0 };
  ensureChromium();
  const tests = await runVitest(url, join(projectRoot, 'app', 'vitest.config.ts'), 'dashboard unit and browser suites (vitest)');
  return [checked, { ...tests, suite: 'app' }];
}

/** npm start itself, on a fresh clone of this repository (it brings up its own cluster and browser). */
async function runStartSuite(): Promise<Tally> {
  ensureChromium();
  return { ...(await runVitest(undefined, join(projectRoot, 'tests', 'start', 'vitest.config.ts'), 'npm start on a fresh clone (vitest)')), suite: 'start' };
}

async function runVitest(url: string | undefined, config?: string, title = 'TypeScript suites (vitest)'): Promise<Tally> {
  console.log(`\n== ${title}`);
  const dir = mkdtempSync(join(tmpdir(), 'candlestream-vitest-'));
  const report = join(dir, 'report.json');
  try {
    const result = await runCommand(
      join(projectRoot, 'node_modules', '.bin', 'vitest'),
      ['run', ...(config ? ['--config', config] : []), '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
      { cwd: projectRoot, env: { ...process.env, ...(url ? { CANDLESTREAM_TEST_DATABASE_URL: url } : {}), ...(process.stdout.isTTY ? {} : { NO_COLOR: '1' }) } },
    );
    try {
      const json = JSON.parse(readFileSync(report, 'utf8')) as {
        numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; numFailedTestSuites: number;
      };
      const failed = json.numFailedTests + (json.numFailedTests === 0 && result.status !== 0 ? Math.max(json.numFailedTestSuites, 1) : 0);
      return { suite: 'vitest', passed: json.numPassedTests, failed, skipped: json.numPendingTests + json.numTodoTests };
    } catch {
      return { suite: 'vitest', passed: 0, failed: 1, skipped: 0 };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printSummary(tallies: Tally[]): void {
  console.log('\n== summary');
  for (const t of tallies) console.log(`${t.suite.padEnd(10)} ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
  const sum = (key: 'passed' | 'failed' | 'skipped') => tallies.reduce((n, t) => n + t[key], 0);
  console.log(`tests: ${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
}
