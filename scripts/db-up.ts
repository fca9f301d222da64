// npm run db:up — creates, starts, bootstraps and migrates the local cluster (idempotent), or with
// DATABASE_URL set migrates that database instead; prints DATABASE_URL=... either way.
import { ensureCluster } from '../local/postgres/cluster.ts';
import { prepareDevClusterSpec } from '../local/postgres/dev-cluster.ts';
import { ensurePostgres } from '../local/postgres/packages.ts';
import { prepareDatabase, redact } from '../local/database.ts';
import { parseCli, runMain } from './cli.ts';

const USAGE = `usage: npm run db:up

Creates (first run), starts and migrates the local PostgreSQL 15 cluster in .local/postgres on
DB_PORT (default 54322). With DATABASE_URL set, no cluster is started: that database is migrated.
Prints DATABASE_URL=<url> when ready.`;

parseCli(USAGE, {});

runMain(async () => {
  const external = process.env.DATABASE_URL;
  if (external) {
    console.log(`database: using DATABASE_URL (${redact(external)}); no local cluster started`);
    await prepareDatabase(external);
    console.log(`DATABASE_URL=${external}`);
    return;
  }
  const install = ensurePostgres();
  const spec = prepareDevClusterSpec(process.env, (line) => console.log(`postgres: ${line}`));
  const state = await ensureCluster(install, spec);
  console.log(`postgres: cluster ${state.created ? 'created' : 'exists'} in ${spec.dir}, ${state.started ? 'started' : 'already running'} on port ${spec.port}`);
  await prepareDatabase(state.url);
  console.log(`DATABASE_URL=${state.url}`);
});
