// Makes sure PostgreSQL 15 with pg_cron, pgTAP and pg_prove is installed, installing the Debian
// packages when it may (root with apt-get) and otherwise naming the exact command to run.
import { spawnSync } from 'node:child_process';
import { LocalStackError } from '../errors.ts';
import { DEBIAN_PACKAGES, findPostgres, realMachine, type MachineProbe, type PostgresInstall } from './binaries.ts';

export interface InstallPlan {
  /** What to do: install ourselves, or stop and tell the user. */
  action: 'install' | 'instruct';
  command: string;
}

/** Decides how missing packages get installed on this machine. */
export function planInstall(isRoot: boolean, machine: MachineProbe = realMachine): InstallPlan {
  const packages = DEBIAN_PACKAGES.join(' ');
  const hasApt = machine.exists('/usr/bin/apt-get');
  if (isRoot && hasApt) return { action: 'install', command: `apt-get update && apt-get install -y ${packages}` };
  const sudo = isRoot ? '' : 'sudo ';
  return {
    action: 'instruct',
    command: hasApt
      ? `${sudo}apt-get update && ${sudo}apt-get install -y ${packages}`
      : `install PostgreSQL 15 with pg_cron, pgTAP and pg_prove (Debian: apt-get install -y ${packages}), or set PG_BIN_DIR`,
  };
}

/** Returns a usable PostgreSQL 15 install, installing Debian packages first when needed and allowed. */
export function ensurePostgres(env: NodeJS.ProcessEnv = process.env): PostgresInstall {
  const found = findPostgres(env);
  if ('install' in found) return found.install;

  const plan = planInstall(process.getuid?.() === 0);
  if (plan.action === 'instruct') {
    throw new LocalStackError(
      'PACKAGES_MISSING',
      `${found.problem.message}.\nRun this, then try again:\n  ${plan.command}`,
      2,
    );
  }
  console.log(`postgres: ${found.problem.message}; installing ${DEBIAN_PACKAGES.join(' ')} with apt-get`);
  aptGet(['update']);
  aptGet(['install', '-y', '--no-install-recommends', ...DEBIAN_PACKAGES]);

  const after = findPostgres(env);
  if ('problem' in after) throw new LocalStackError(after.problem.code, `${after.problem.message} even after installing packages`);
  return after.install;
}

function aptGet(args: string[]): void {
  // Inherit stdio so the user sees apt's own progress; noninteractive so CI never blocks on a prompt.
  const result = spawnSync('apt-get', args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) {
    throw new LocalStackError('APT_FAILED', `apt-get ${args.join(' ')} failed with exit status ${result.status ?? result.signal}`);
  }
}
