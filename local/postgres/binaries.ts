// Finds the PostgreSQL 15 server binaries and checks the extensions the design needs are installed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REQUIRED_MAJOR = 15;

/** The Debian packages that provide the server, pg_cron, pgTAP and pg_prove. */
export const DEBIAN_PACKAGES = [
  'postgresql-15',
  'postgresql-15-cron',
  'postgresql-15-pgtap',
  'libtap-parser-sourcehandler-pgtap-perl',
] as const;

export interface PostgresInstall {
  binDir: string;
  /** `pg_config --sharedir` equivalent: where extension control files live. */
  extensionDir: string;
  /** `pg_config --pkglibdir` equivalent: where shared libraries such as pg_cron.so live. */
  libDir: string;
}

export type InstallProblem = { code: 'POSTGRES_NOT_FOUND' | 'EXTENSION_MISSING' | 'PG_PROVE_MISSING'; message: string };

/** The ways of looking at the machine, passed in so tests can describe a machine without having one. */
export interface MachineProbe {
  exists(path: string): boolean;
  /** Runs a command and returns its trimmed stdout, or undefined when it fails or is absent. */
  run(command: string, args: string[]): string | undefined;
}

export const realMachine: MachineProbe = {
  exists: existsSync,
  run(command, args) {
    try {
      return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  },
};

/**
 * Locates a PostgreSQL 15 installation: `PG_BIN_DIR` when set, then Debian's
 * `/usr/lib/postgresql/15/bin`, then whatever `pg_config` on the PATH reports.
 */
export function findPostgres(env: NodeJS.ProcessEnv = process.env, machine: MachineProbe = realMachine):
  { install: PostgresInstall } | { problem: InstallProblem } {
  const candidates = binDirCandidates(env, machine);
  for (const binDir of candidates) {
    const install = describeInstall(binDir, machine);
    if (install) return checkExtensions(install, machine);
  }
  return {
    problem: {
      code: 'POSTGRES_NOT_FOUND',
      message: `no PostgreSQL ${REQUIRED_MAJOR} server binaries found (looked in ${candidates.join(', ') || 'nothing'})`,
    },
  };
}

function binDirCandidates(env: NodeJS.ProcessEnv, machine: MachineProbe): string[] {
  if (env.PG_BIN_DIR) return [env.PG_BIN_DIR];
  const dirs = [`/usr/lib/postgresql/${REQUIRED_MAJOR}/bin`];
  const fromPgConfig = machine.run('pg_config', ['--bindir']);
  if (fromPgConfig && !dirs.includes(fromPgConfig)) dirs.push(fromPgConfig);
  return dirs;
}

/** Returns the install rooted at binDir if it holds a version-15 server, else undefined. */
function describeInstall(binDir: string, machine: MachineProbe): PostgresInstall | undefined {
  const postgres = join(binDir, 'postgres');
  if (!machine.exists(postgres) || !machine.exists(join(binDir, 'pg_ctl')) || !machine.exists(join(binDir, 'initdb'))) {
    return undefined;
  }
  const version = machine.run(postgres, ['--version']);
  const major = version?.match(/\(PostgreSQL\) (\d+)/)?.[1];
  if (Number(major) !== REQUIRED_MAJOR) return undefined;
  const pgConfig = join(binDir, 'pg_config');
  const sharedir = machine.run(pgConfig, ['--sharedir']) ?? `/usr/share/postgresql/${REQUIRED_MAJOR}`;
  const libDir = machine.run(pgConfig, ['--pkglibdir']) ?? `/usr/lib/postgresql/${REQUIRED_MAJOR}/lib`;
  return { binDir, extensionDir: join(sharedir, 'extension'), libDir };
}

function checkExtensions(install: PostgresInstall, machine: MachineProbe): { install: PostgresInstall } | { problem: InstallProblem } {
  if (!machine.exists(join(install.libDir, 'pg_cron.so'))) {
    return { problem: { code: 'EXTENSION_MISSING', message: `pg_cron is not installed (no ${join(install.libDir, 'pg_cron.so')})` } };
  }
  if (!machine.exists(join(install.extensionDir, 'pgtap.control'))) {
    return { problem: { code: 'EXTENSION_MISSING', message: `pgTAP is not installed (no ${join(install.extensionDir, 'pgtap.control')})` } };
  }
  if (machine.run('pg_prove', ['--version']) === undefined) {
    return { problem: { code: 'PG_PROVE_MISSING', message: 'pg_prove is not on the PATH' } };
  }
  return { install };
}
