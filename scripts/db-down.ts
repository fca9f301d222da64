// npm run db:down — stops the local cluster cleanly (its data stays in .local/postgres).
import { stopCluster } from '../local/postgres/cluster.ts';
import { devClusterSpec } from '../local/postgres/dev-cluster.ts';
import { findPostgres } from '../local/postgres/binaries.ts';
import { LocalStackError } from '../local/errors.ts';
import { parseCli, runMain } from './cli.ts';

const USAGE = `usage: npm run db:down

Stops the local cluster started by npm run db:up. Its data stays in .local/postgres.`;

parseCli(USAGE, {});

runMain(async () => {
  const found = findPostgres();
  if ('problem' in found) throw new LocalStackError(found.problem.code, `${found.problem.message}; nothing to stop`);
  const spec = devClusterSpec();
  console.log(stopCluster(found.install, spec) ? `postgres: cluster on port ${spec.port} stopped` : 'postgres: cluster was not running');
});
