// Brings a database to the project's schema: the Supabase look-alike bootstrap where the database is
// not a real Supabase one, then the migrations, applied by the Supabase CLI exactly as DBAs do.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { LocalStackError } from './errors.ts';
import { projectRoot } from './paths.ts';
import { runCommand } from './process.ts';

const BOOTSTRAP_MARK = 'candlestream local bootstrap';

export interface PreparedDatabase {
  /** false on a real Supabase database, which has everything the bootstrap provides. */
  bootstrapped: boolean;
  /** "none pending" or "<n> applied". */
  migrations: string;
}

/** Bootstraps (when needed) and migrates the database at `url`; `signal` stops the CLI midway. */
export async function prepareDatabase(url: string, log: (line: string) => void = console.log, signal?: AbortSignal): Promise<PreparedDatabase> {
  const bootstrapped = await bootstrapDatabase(url);
  log(bootstrapped ? 'database: Supabase look-alike bootstrap applied' : 'database: real Supabase database, bootstrap skipped');
  const migrations = await migrateDatabase(url, signal);
  log(`database: migrations up to date (${migrations})`);
  return { bootstrapped, migrations };
}

/**
 * Runs local/bootstrap/supabase.sql unless the database is a real Supabase one (it has a
 * `supabase_admin` role we did not create), where every object it provides already exists.
 */
export async function bootstrapDatabase(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    if (await isRealSupabase(sql)) return false;
    await sql.unsafe(readFileSync(join(projectRoot, 'local', 'bootstrap', 'supabase.sql'), 'utf8'));
    await sql.unsafe(`comment on role supabase_admin is '${BOOTSTRAP_MARK}'`);
    return true;
  } catch (error) {
    throw new LocalStackError('BOOTSTRAP_FAILED', `bootstrap of ${redact(url)} failed: ${(error as Error).message}`);
  } finally {
    await sql.end();
  }
}

/** Whether the database is a real Supabase one: it has a `supabase_admin` role our bootstrap did not make. */
export async function isRealSupabase(sql: postgres.Sql): Promise<boolean> {
  const [admin] = await sql<{ comment: string | null }[]>`
    select shobj_description(oid, 'pg_authid') as comment from pg_roles where rolname = 'supabase_admin'`;
  return admin !== undefined && admin.comment !== BOOTSTRAP_MARK;
}

/** Applies pending migrations with `supabase db push --db-url`; says how many it applied. */
async function migrateDatabase(url: string, signal?: AbortSignal): Promise<string> {
  const cli = join(projectRoot, 'node_modules', '.bin', 'supabase');
  const result = await runCommand(cli, ['db', 'push', '--db-url', cliUrl(url), '--include-all', '--yes'], {
    cwd: projectRoot,
    env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
    quiet: true,
    signal,
  });
  const output = result.output.trim();
  if (result.status !== 0) {
    throw new LocalStackError('MIGRATION_FAILED', `supabase db push failed (exit ${result.status}):\n${output}`);
  }
  const applied = output.split('\n').filter((line) => line.startsWith('Applying migration')).length;
  return applied === 0 ? 'none pending' : `${applied} applied`;
}

/** The CLI needs `sslmode=disable` against a local cluster, which does not speak TLS. */
export function cliUrl(url: string): string {
  const parsed = new URL(url);
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (local && !parsed.searchParams.has('sslmode')) parsed.searchParams.set('sslmode', 'disable');
  return parsed.toString();
}

/** A connection string fit for logs: the password replaced. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable database url)';
  }
}
