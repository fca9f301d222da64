// Benchmark: how long `npm start` takes to print "ready:" — once cold (a state folder of its own with
// no cluster, keys or Deno cache yet), then warm (the same folder again: what every later start costs).
// FEED=simulated so the figure does not depend on reaching Binance; free ports, so a running stack
// is not disturbed. The dashboard build is the project's own, brought up to date before timing.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../local/paths.ts';
import { stopCluster } from '../local/postgres/cluster.ts';
import { devClusterSpec } from '../local/postgres/dev-cluster.ts';
import { ensurePostgres } from '../local/postgres/packages.ts';
import { freePort } from '../local/process.ts';
import { buildDashboard, checkBuild } from '../local/stack/dashboard.ts';
import { logFile } from '../local/paths.ts';
import type { BenchContext, Metric } from './metrics.ts';

export async function benchStart(ctx: BenchContext): Promise<Metric[]> {
  mkdirSync(join(projectRoot, '.local'), { recursive: true });
  const stateDir = mkdtempSync(join(projectRoot, '.local', 'bench-start-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env, CANDLESTREAM_STATE_DIR: stateDir, FEED: 'simulated',
    API_PORT: String(await freePort()), DB_PORT: String(await freePort()), EXCHANGE_PORT: String(await freePort()), APP_PORT: String(await freePort()),
  };
  for (const name of ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_ROLE_KEY']) delete env[name];
  const build = checkBuild();
  if (build.reason) await buildDashboard(logFile('build'), build.hash);
  try {
    const cold = await timeToReady(env);
    ctx.log(`start: cold (new cluster, keys, Deno cache) ready in ${cold.toFixed(1)} s`);
    const warm = await timeToReady(env);
    ctx.log(`start: warm (same .local) ready in ${warm.toFixed(1)} s`);
    return [
      { name: 'start_ready_s_warm', value: warm, unit: 's', goal: '<= 30' },
      { name: 'start_ready_s_cold', value: cold, unit: 's' },
    ];
  } finally {
    const spec = devClusterSpec(env);
    stopCluster(ensurePostgres(), spec);
    rmSync(spec.dir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Seconds from spawning `npm start` to its "ready:" line; then stops it with SIGTERM and waits for the exit. */
function timeToReady(env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<number> {
  const startedAt = performance.now();
  const child = spawn('npm', ['start'], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let readyAfter: number | undefined;
  // Never left running: on a timeout it is stopped like on success, and the run fails.
  const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (readyAfter === undefined && /^ready: /m.test(output)) {
      readyAfter = (performance.now() - startedAt) / 1000;
      child.kill('SIGTERM');
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (readyAfter !== undefined && code === 0) resolve(readyAfter);
      else reject(new Error(`npm start ${readyAfter === undefined ? `was not ready within ${timeoutMs / 1000} s` : `exited ${code} on SIGTERM`}:\n${output}`));
    });
  });
}
