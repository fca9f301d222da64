// A throwaway cluster for test and benchmark runs: a temp folder, a free port, removed afterwards.
// Never the db:up cluster, so running the tests cannot touch a developer's data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../process.ts';
import { ensureCluster, stopCluster, type ClusterSpec } from './cluster.ts';
import type { PostgresInstall } from './binaries.ts';

export interface EphemeralCluster {
  url: string;
  spec: ClusterSpec;
  /** Stops the server and deletes its folder (also on SIGINT/SIGTERM). Safe to call twice. */
  dispose(): void;
}

export async function startEphemeralCluster(install: PostgresInstall, options: { durable: boolean }): Promise<EphemeralCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'candlestream-pg-'));
  const spec: ClusterSpec = {
    dir,
    port: await freePort(),
    logFile: join(dir, 'postgres.log'),
    password: 'postgres',
    durable: options.durable,
    portVariable: '(a free port, chosen automatically)',
  };
  let disposed = false;
  // Ctrl-C or SIGTERM during a run must not leave a server and its folder behind.
  const onSignal = () => {
    dispose();
    process.exit(130);
  };
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    try {
      stopCluster(install, spec);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { url } = await ensureCluster(install, spec);
    return { url, spec, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}
