// Checks a join's postgres_changes bindings against the database, as the real server does when it
// records a subscription: the table must exist and every filter column must be one of its columns.
// A typo in a filter used to subscribe silently to nothing; now the channel is told why.
import postgres from 'postgres';
import type { Binding } from './join.ts';

export interface BindingChecker {
  /** The real server's error message for the first binding it would refuse, or null when all are fine. */
  check(bindings: readonly Binding[]): Promise<string | null>;
  /**
   * The same answer at once when every table involved is already known, else undefined: a join
   * then completes without waiting (a burst of joins would otherwise all wait on one look-up).
   */
  checkKnown(bindings: readonly Binding[]): string | null | undefined;
  /** Looks up every table of the supabase_realtime publication ahead of the first joins. */
  prefetch(): Promise<void>;
  close(): Promise<void>;
}

/** A table's columns; undefined when the table does not exist. */
export type TableColumns = ReadonlySet<string> | undefined;

export type ColumnLookup = (schema: string, table: string) => Promise<TableColumns>;

const CACHE_MS = 10_000;
const RETRY_MS = 1_000;

/** A checker reading pg_attribute over one connection, caching each table's columns for 10 s. */
export function createBindingChecker(options: { databaseUrl: string; log: (line: string) => void }): BindingChecker {
  const sql = postgres(options.databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  // Each table's look-up is cached: a burst of joins on one table costs one query. A known answer
  // past its expiry is still used while a fresh one is fetched, so joins rarely wait on a query.
  type Entry = { columns: Promise<TableColumns>; expiresAt: number; settled?: { columns: TableColumns } };
  const cache = new Map<string, Entry>();
  /** The table's entry, with a new look-up started when the cached one has expired. */
  const entryFor = (schema: string, table: string): Entry => {
    const key = `${schema}.${table}`;
    const cached = cache.get(key);
    if (cached && Date.now() < cached.expiresAt) return cached;
    const entry: Entry = { columns: readColumns(sql, schema, table), expiresAt: Date.now() + CACHE_MS, ...(cached?.settled ? { settled: cached.settled } : {}) };
    cache.set(key, entry);
    entry.columns.then(
      (columns) => (entry.settled = { columns }),
      () => {
        // A failed look-up keeps a known answer and is retried in a second; without one, at the next join.
        if (entry.settled) entry.columns = Promise.resolve(entry.settled.columns);
        entry.expiresAt = entry.settled ? Date.now() + RETRY_MS : 0;
      },
    );
    return entry;
  };
  return {
    // The database being unreachable is not the subscriber's fault: the join stands, as it would
    // have before this check existed, and the failure is logged.
    check: (bindings) => checkBindings(bindings, (schema, table) => entryFor(schema, table).columns).catch((error: Error) => {
      options.log(`realtime: could not check postgres_changes bindings: ${error.message}`);
      return null;
    }),
    prefetch: async () => {
      const tables = await sql<{ schema: string; table: string }[]>`
        select schemaname as schema, tablename as table from pg_catalog.pg_publication_tables where pubname = 'supabase_realtime'`;
      await Promise.all(tables.map(({ schema, table }) => entryFor(schema, table).columns));
    },
    checkKnown: (bindings) => {
      const known = new Map<string, TableColumns>();
      for (const binding of bindings) {
        if (binding.table === '*') continue;
        const settled = entryFor(binding.schema, binding.table).settled;
        if (!settled) return undefined;
        known.set(`${binding.schema}.${binding.table}`, settled.columns);
      }
      return firstRefusal(bindings, (schema, table) => known.get(`${schema}.${table}`));
    },
    close: () => sql.end({ timeout: 2 }),
  };
}

async function readColumns(sql: postgres.Sql, schema: string, table: string): Promise<TableColumns> {
  const [row] = await sql<{ found: boolean; columns: string[] }[]>`
    select c.oid is not null as found, coalesce(array_agg(a.attname::text) filter (where a.attname is not null), '{}') as columns
    from (select to_regclass(format('%I.%I', ${schema}::text, ${table}::text)) as oid) c
    left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    group by c.oid`;
  return row?.found ? new Set(row.columns) : undefined;
}

/** The first refusal among bindings, worded as the real server words it; each table looked up once. */
export async function checkBindings(bindings: readonly Binding[], columnsOf: ColumnLookup): Promise<string | null> {
  const known = new Map<string, TableColumns>();
  for (const binding of bindings) {
    const key = `${binding.schema}.${binding.table}`;
    if (binding.table !== '*' && !known.has(key)) known.set(key, await columnsOf(binding.schema, binding.table));
  }
  return firstRefusal(bindings, (schema, table) => known.get(`${schema}.${table}`));
}

/** The refusal for the first binding on a missing table or filtering on a missing column, given each table's columns. */
export function firstRefusal(bindings: readonly Binding[], columnsOf: (schema: string, table: string) => TableColumns): string | null {
  for (const binding of bindings) {
    if (binding.table === '*') continue;
    const columns = columnsOf(binding.schema, binding.table);
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
