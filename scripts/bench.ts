// npm run bench [-- <scenario>...] [--quick] — runs benchmark scenarios against a throwaway cluster
// with production settings (fsync on), prints one table and writes bench/results/latest.json.
import { join } from 'node:path';
import postgres from 'postgres';
import { benchChart } from '../bench/chart.ts';
import { benchIngest } from '../bench/ingest.ts';
import { benchPipeline } from '../bench/pipeline.ts';
import { benchRealtime } from '../bench/realtime.ts';
import { benchStart } from '../bench/start.ts';
import { formatTable, writeResults, type BenchContext, type Metric } from '../bench/metrics.ts';
import { prepareDatabase } from '../local/database.ts';
import { projectRoot } from '../local/paths.ts';
import { startEphemeralCluster } from '../local/postgres/ephemeral-cluster.ts';
import { ensurePostgres } from '../local/postgres/packages.ts';
import { parseCli, requireKnown, runMain } from './cli.ts';

const SCENARIOS: Record<string, (ctx: BenchContext) => Promise<Metric[]>> = {
  ingest: benchIngest,
  pipeline: benchPipeline,
  realtime: benchRealtime,
  chart: benchChart,
  start: benchStart,
};

const USAGE = `usage: npm run bench [-- <scenario>...] [--quick]

Scenarios: ${Object.keys(SCENARIOS).join(', ')} (default: all).
Runs against a throwaway PostgreSQL 15 cluster with durable settings, prints a table
(metric, value, goal, peer) and writes bench/results/latest.json. --quick runs fewer events.`;

const { values, positionals } = parseCli(USAGE, { quick: { type: 'boolean' } }, true);
const chosen = positionals.length > 0 ? positionals : Object.keys(SCENARIOS);
requireKnown(chosen, Object.keys(SCENARIOS), 'scenario', USAGE);


runMain(async () => {
  const cluster = await startEphemeralCluster(ensurePostgres(), { durable: true });
  const sql = postgres(cluster.url, { max: 1, onnotice: () => {} });
  const metrics: Metric[] = [];
  try {
    await prepareDatabase(cluster.url);
    await sql`set candlestream.source = 'bench'`;
    const ctx: BenchContext = { sql, databaseUrl: cluster.url, quick: Boolean(values.quick), log: (line) => console.log(line) };
    for (const name of chosen) metrics.push(...(await SCENARIOS[name]!(ctx)));
  } finally {
    await sql.end();
    cluster.dispose();
  }
  const file = join(projectRoot, 'bench', 'results', 'latest.json');
  writeResults(file, metrics);
  console.log(`\n${formatTable(metrics)}\n\nwrote ${file}`);
});
