import { describe, expect, it } from 'vitest';
import { findPostgres, type MachineProbe } from './binaries.ts';

/** A machine described by its files and the output of the commands it can run. */
function fakeMachine(files: string[], commands: Record<string, string> = {}): MachineProbe {
  return {
    exists: (path) => files.includes(path),
    run: (command, args) => commands[[command, ...args].join(' ')],
  };
}

const debianServer = [
  '/usr/lib/postgresql/15/bin/postgres',
  '/usr/lib/postgresql/15/bin/pg_ctl',
  '/usr/lib/postgresql/15/bin/initdb',
  '/usr/lib/postgresql/15/lib/pg_cron.so',
  '/usr/share/postgresql/15/extension/pgtap.control',
];
const debianCommands = {
  '/usr/lib/postgresql/15/bin/postgres --version': 'postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)',
  '/usr/lib/postgresql/15/bin/pg_config --sharedir': '/usr/share/postgresql/15',
  '/usr/lib/postgresql/15/bin/pg_config --pkglibdir': '/usr/lib/postgresql/15/lib',
  'pg_prove --version': 'pg_prove 3.36',
};

describe('findPostgres', () => {
  it("finds Debian's PostgreSQL 15 with pg_cron, pgTAP and pg_prove", () => {
    const found = findPostgres({}, fakeMachine(debianServer, debianCommands));
    expect(found).toEqual({
      install: {
        binDir: '/usr/lib/postgresql/15/bin',
        extensionDir: '/usr/share/postgresql/15/extension',
        libDir: '/usr/lib/postgresql/15/lib',
      },
    });
  });

  it('uses PG_BIN_DIR instead of looking anywhere else', () => {
    const files = ['/opt/pg/bin/postgres', '/opt/pg/bin/pg_ctl', '/opt/pg/bin/initdb', '/opt/pg/lib/pg_cron.so', '/opt/pg/share/extension/pgtap.control'];
    const machine = fakeMachine([...files, ...debianServer], {
      ...debianCommands,
      '/opt/pg/bin/postgres --version': 'postgres (PostgreSQL) 15.8',
      '/opt/pg/bin/pg_config --sharedir': '/opt/pg/share',
      '/opt/pg/bin/pg_config --pkglibdir': '/opt/pg/lib',
    });
    const found = findPostgres({ PG_BIN_DIR: '/opt/pg/bin' }, machine);
    expect(found).toMatchObject({ install: { binDir: '/opt/pg/bin' } });
  });

  it('falls back to the bin directory pg_config reports', () => {
    const files = ['/usr/local/pgsql/bin/postgres', '/usr/local/pgsql/bin/pg_ctl', '/usr/local/pgsql/bin/initdb', '/usr/local/pgsql/lib/pg_cron.so', '/usr/local/pgsql/share/extension/pgtap.control'];
    const machine = fakeMachine(files, {
      'pg_config --bindir': '/usr/local/pgsql/bin',
      '/usr/local/pgsql/bin/postgres --version': 'postgres (PostgreSQL) 15.2',
      '/usr/local/pgsql/bin/pg_config --sharedir': '/usr/local/pgsql/share',
      '/usr/local/pgsql/bin/pg_config --pkglibdir': '/usr/local/pgsql/lib',
      'pg_prove --version': 'pg_prove 3.36',
    });
    expect(findPostgres({}, machine)).toMatchObject({ install: { binDir: '/usr/local/pgsql/bin' } });
  });

  it('refuses a server of another major version', () => {
    const machine = fakeMachine(debianServer, { ...debianCommands, '/usr/lib/postgresql/15/bin/postgres --version': 'postgres (PostgreSQL) 16.2' });
    expect(findPostgres({}, machine)).toMatchObject({ problem: { code: 'POSTGRES_NOT_FOUND' } });
  });

  it('reports a missing pg_cron as a missing extension', () => {
    const machine = fakeMachine(debianServer.filter((f) => !f.endsWith('pg_cron.so')), debianCommands);
    expect(findPostgres({}, machine)).toMatchObject({ problem: { code: 'EXTENSION_MISSING' } });
  });

  it('reports a missing pg_prove', () => {
    const { ['pg_prove --version']: _omitted, ...withoutProve } = debianCommands;
    expect(findPostgres({}, fakeMachine(debianServer, withoutProve))).toMatchObject({ problem: { code: 'PG_PROVE_MISSING' } });
  });

  it('reports nothing found on a machine without PostgreSQL', () => {
    expect(findPostgres({}, fakeMachine([]))).toMatchObject({ problem: { code: 'POSTGRES_NOT_FOUND' } });
  });
});
