// Watches the local cluster npm start runs: a postmaster that disappears is reported with the tail of
// its log and started again (with backoff), so Realtime and the functions reconnect to it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backoffDelay } from '../../supabase/functions/_shared/backoff.ts';
import { ensureCluster, type ClusterSpec } from '../postgres/cluster.ts';
import type { PostgresInstall } from '../postgres/binaries.ts';
import { tailLines } from '../service-log.ts';
import type { ChildExit } from '../supervised-child.ts';

export interface ClusterWatch {
  state(): 'up' | 'restarting';
  /** Stops watching; resolves once a restart in progress has finished, so a stop after it sticks. */
  stop(): Promise<void>;
}

export function watchCluster(
  install: PostgresInstall,
  spec: ClusterSpec,
  onUnexpectedExit: (exit: ChildExit) => void,
  isShuttingDown: () => boolean,
  intervalMs = 2_000,
): ClusterWatch {
  let state: 'up' | 'restarting' = 'up';
  let attempts = 0;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;
  let stopped = false;
  const halted = () => stopped || isShuttingDown();

  const check = async () => {
    if (isPostmasterAlive(spec)) {
      state = 'up';
      attempts = 0;
      return;
    }
    const restartInMs = backoffDelay(attempts++);
    if (state === 'up') onUnexpectedExit({ name: 'postgres', code: null, signal: null, logPath: spec.logFile, tail: tailLines(spec.logFile), restartInMs });
    state = 'restarting';
    await new Promise((resolve) => setTimeout(resolve, restartInMs));
    if (!halted()) await ensureCluster(install, spec).catch(() => undefined);
  };
  const schedule = () => {
    timer = setTimeout(() => {
      if (halted()) return;
      checking = check().finally(() => {
        checking = undefined;
        if (!halted()) schedule();
      });
    }, intervalMs);
  };
  schedule();
  return {
    state: () => state,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await checking;
    },
  };
}

/** Whether the process named on the first line of data/postmaster.pid is alive. */
function isPostmasterAlive(spec: ClusterSpec): boolean {
  try {
    const pid = Number(readFileSync(join(spec.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
