// Database access for integration tests: the throwaway cluster npm test starts, never a dev database.
import postgres from 'postgres';
import { describe } from 'vitest';

/** Set by npm test to its throwaway, migrated cluster. */
export const testDatabaseUrl = process.env.CANDLESTREAM_TEST_DATABASE_URL;

if (!testDatabaseUrl) {
  console.warn('CANDLESTREAM_TEST_DATABASE_URL is not set: database tests are skipped (run them with npm test)');
}

/** describe() for suites that need the test database; skipped, with a warning above, without one. */
export const describeWithDatabase = testDatabaseUrl ? describe : describe.skip;

/**
 * A client for the test database as `postgres` (superuser), closed by the caller. Without a test
 * database it returns a client that is never used (postgres.js connects lazily), so a skipped suite
 * can still create one while vitest collects it.
 */
export function connectTestDatabase(): postgres.Sql {
  return postgres(testDatabaseUrl ?? 'postgresql://unused@127.0.0.1:1/unused', { max: 4, onnotice: () => {} });
}

const ROLLBACK = Symbol('rollback');

/** Runs fn in a transaction that is always rolled back, returning fn's result. */
export async function inRolledBackTransaction<T>(sql: postgres.Sql, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await sql
    .begin(async (tx) => {
      result = await fn(tx);
      throw ROLLBACK;
    })
    .catch((error: unknown) => {
      if (error !== ROLLBACK) throw error;
    });
  return result as T;
}
