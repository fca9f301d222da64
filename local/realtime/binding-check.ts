// Checks a join's postgres_changes bindings against the database, as the real server does when it
// records a subscription: the table must exist and every filter column must be one of its columns.
// A typo in a filter used to subscribe silently to nothing; now the channel is told why.
import postgres from 'postgres';
import type { Binding } from './join.ts';

export interface BindingChecker {
  /** The real server's error message for the first binding it would refuse, or null when all are fine. */
  check(bindings: readonly Binding[]): Promise<string | null>;
  close(): Promise<void>;
}

/** Columns per table; undefined when the table does not exist. */
export type ColumnLookup = (schema: string, table: string) => Promise<ReadonlySet<string> | undefined>;

const CACHE_MS = 10_000;

/** A checker reading pg_attribute over one connection, caching each table's columns for 10 s. */
export function createBindingChecker(options: { databaseUrl: string; log: (line: string) => void }): BindingChecker {
  const sql = postgres(options.databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  // The look-up itself is cached (10 s), so a burst of joins on one table costs one query.
  const cache = new Map<string, { columns: Promise<ReadonlySet<string> | undefined>; at: number }>();
  const lookup: ColumnLookup = (schema, table) => {
    const key = `${schema}.${table}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.columns;
    const columns = readColumns(sql, schema, table);
    cache.set(key, { columns, at: Date.now() });
    // A failed look-up is not remembered: the next join asks again.
    columns.catch(() => cache.delete(key));
    return columns;
  };
  return {
    // The database being unreachable is not the subscriber's fault: the join stands, as it would
    // have before this check existed, and the failure is logged.
    check: (bindings) => checkBindings(bindings, lookup).catch((error: Error) => {
      options.log(`realtime: could not check postgres_changes bindings: ${error.message}`);
      return null;
    }),
    close: () => sql.end({ timeout: 2 }),
  };
}

async function readColumns(sql: postgres.Sql, schema: string, table: string): Promise<ReadonlySet<string> | undefined> {
  const [row] = await sql<{ found: boolean; columns: string[] }[]>`
    select c.oid is not null as found, coalesce(array_agg(a.attname::text) filter (where a.attname is not null), '{}') as columns
    from (select to_regclass(format('%I.%I', ${schema}::text, ${table}::text)) as oid) c
    left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    group by c.oid`;
  return row?.found ? new Set(row.columns) : undefined;
}

/** The first refusal among bindings, worded as the real server words it. */
export async function checkBindings(bindings: readonly Binding[], columnsOf: ColumnLookup): Promise<string | null> {
  for (const binding of bindings) {
    if (binding.table === '*') continue;
    const columns = await columnsOf(binding.schema, binding.table);
    if (!columns) return refusal(binding, `ERROR 42P01 (undefined_table) relation "${binding.schema}.${binding.table}" does not exist`);
    const unknown = binding.filter.find((condition) => !columns.has(condition.column));
    if (unknown) return refusal(binding, `ERROR P0001 (raise_exception) invalid column for filter ${unknown.column}`);
  }
  return null;
}

function refusal(binding: Binding, exception: string): string {
  const filters = binding.filter.map((condition) => `{${JSON.stringify(condition.column)}, ${JSON.stringify(condition.operator)}, ${JSON.stringify(condition.values.join(','))}}`);
  return 'Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: ' +
    `[event: ${binding.event}, schema: ${binding.schema}, table: ${binding.table}, filters: [${filters.join(', ')}]]. Exception: ${exception}`;
}
