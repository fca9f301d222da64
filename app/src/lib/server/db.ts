// The server's database connection: postgres.js over DATABASE_URL, as the `anon` role in read-only
// transactions, so nothing the dashboard's server does can write, whatever a bug asks of it.
import postgres from 'postgres';

export const DEFAULT_DATABASE_URL = 'postgresql://postgres:postgres@127.0.0.1:54322/postgres';

export type Sql = postgres.Sql;

let shared: Sql | null = null;

/** The process-wide read-only connection pool, opened on first use and closed when the server shuts down. */
export function db(): Sql {
  if (!shared) {
    const pool = connectReadOnly(process.env.DATABASE_URL || DEFAULT_DATABASE_URL);
    // adapter-node emits this after its HTTP server closed; idle connections would keep the process up.
    process.once('sveltekit:shutdown', () => void pool.end({ timeout: 1 }));
    shared = pool;
  }
  return shared;
}

/** A pool whose every session runs as `anon` with read-only transactions. */
export function connectReadOnly(url: string): Sql {
  return postgres(url, {
    max: 4,
    idle_timeout: 30,
    connect_timeout: 5,
    onnotice: () => {},
    connection: {
      role: 'anon',
      default_transaction_read_only: true, // sent as "true": every transaction starts read-only
      application_name: 'candlestream-app',
    },
  });
}
