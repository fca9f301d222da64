// Decides which viewers may see a row change by asking Postgres itself (table grants and RLS), as
// Supabase Realtime does: once per change per distinct role, never once per subscriber.
import postgres from 'postgres';
import type { RowChange } from './change-source.ts';
import { quoteIdent } from './sql-quote.ts';

/** The JWT's role claim and all its claims. */
export interface Viewer {
  role: string;
  claims: Record<string, unknown>;
}

export interface Authorizer {
  /**
   * Which of `viewers` (distinct role+claims pairs: the caller dedupes) may see `change`, as indexes.
   * INSERT/UPDATE: each viewer's role must have SELECT (cached per role and table), and
   * `select ... where <primary key> = <key>` run as that role with its claims in request.jwt.claims
   * must find the row. DELETE: SELECT privilege alone (not RLS-filtered, as on Supabase).
   * Never rejects: when visibility cannot be established (database unreachable) it logs and returns
   * an empty set — fail closed.
   */
  visible(change: RowChange, viewers: Viewer[]): Promise<Set<number>>;
  /**
   * Authorization queries run so far: one per distinct role whose row visibility Postgres evaluated
   * for a change. That role's checks (one per distinct claims set) go out pipelined with every other
   * role's in a single round trip. A DELETE, or a role without SELECT, costs none; the cached
   * privilege look-ups are not counted.
   */
  queryCount(): number;
  close(): Promise<void>;
}

const PRIVILEGE_TTL_MS = 5_000;

export function createAuthorizer(options: { databaseUrl: string; log: (line: string) => void }): Authorizer {
  // fetch_types stays on: with it off, postgres.js 3.4.9 never hands out a reserved connection it
  // had to open first (porsager/postgres#751).
  const sql = postgres(options.databaseUrl, { max: 4, onnotice: () => {} });
  const privileges = new PrivilegeCache(sql);
  const logOnce = onceEach(options.log);
  let queries = 0;
  return {
    async visible(change, viewers) {
      try {
        return await decide(change, viewers);
      } catch (error) {
        // Fail closed: a viewer is never shown a row whose visibility could not be established.
        logOnce(`authorizer: cannot decide visibility on ${change.schema}.${change.table}: ${(error as Error).message}`);
        return new Set();
      }
    },
    queryCount: () => queries,
    close: () => sql.end({ timeout: 5 }),
  };

  async function decide(change: RowChange, viewers: Viewer[]): Promise<Set<number>> {
    const byRole = groupByRole(viewers);
    const allowed = await privileges.canSelect(change.schema, change.table, [...byRole.keys()]);
    const granted = [...byRole].filter(([role]) => allowed.has(role));
    if (change.type === 'DELETE') return new Set(granted.flatMap(([, indexes]) => indexes));
    if (granted.length === 0) return new Set();
    if (change.key.length === 0 || change.key.some((k) => k.value === null)) {
      logOnce(`authorizer: ${change.schema}.${change.table} has no primary key value to look rows up by: its changes are visible to no one`);
      return new Set();
    }
    queries += granted.length;
    return checkRows(sql, change, granted, viewers, logOnce);
  }
}

/**
 * Runs, for every viewer, `begin; set role and claims (local); select exists(row by key); rollback`,
 * all pipelined on one connection: one round trip, and a failing check only fails its own viewer.
 */
async function checkRows(
  sql: postgres.Sql,
  change: RowChange,
  granted: Array<[string, number[]]>,
  viewers: Viewer[],
  log: (line: string) => void,
): Promise<Set<number>> {
  const statement = selectByKey(change);
  const values = change.key.map((k) => k.value ?? '');
  const connection = await sql.reserve();
  try {
    const statements: Array<Promise<unknown>> = [];
    const checks: Array<{ index: number; role: string; result: Promise<Array<{ visible: boolean }>> }> = [];
    for (const [role, indexes] of granted) {
      for (const index of indexes) {
        const claims = JSON.stringify(viewers[index]!.claims);
        statements.push(connection.unsafe('begin'));
        statements.push(connection`select set_config('role', ${role}, true), set_config('request.jwt.claims', ${claims}, true)`);
        const result = connection.unsafe<Array<{ visible: boolean }>>(statement, values, { prepare: true });
        statements.push(result);
        checks.push({ index, role, result });
        statements.push(connection.unsafe('rollback'));
      }
    }
    await Promise.allSettled(statements);
    const visible = new Set<number>();
    for (const check of checks) {
      const rows = await check.result.catch((error: unknown) => {
        log(`authorizer: visibility check as role "${check.role}" on ${change.schema}.${change.table} failed: ${(error as Error).message}`);
        return [];
      });
      if (rows[0]?.visible === true) visible.add(check.index);
    }
    return visible;
  } finally {
    connection.release();
  }
}

/** `select exists (select 1 from "schema"."table" where "pk1" = $1 and ...)`: identifiers quoted, values bound. */
function selectByKey(change: RowChange): string {
  const where = change.key.map((k, i) => `${quoteIdent(k.name)} = $${i + 1}`).join(' and ');
  return `select exists (select 1 from ${quoteIdent(change.schema)}.${quoteIdent(change.table)} where ${where}) as visible`;
}

function groupByRole(viewers: Viewer[]): Map<string, number[]> {
  const byRole = new Map<string, number[]>();
  viewers.forEach((viewer, index) => {
    const indexes = byRole.get(viewer.role);
    if (indexes) indexes.push(index);
    else byRole.set(viewer.role, [index]);
  });
  return byRole;
}

interface PrivilegeEntry {
  allowed: boolean;
  expires: number;
}

/** SELECT (and schema USAGE) per (role, table), fetched once and refreshed in the background after a TTL. */
class PrivilegeCache {
  private readonly entries = new Map<string, PrivilegeEntry>();
  private readonly refreshing = new Set<string>();

  constructor(private readonly sql: postgres.Sql) {}

  async canSelect(schema: string, table: string, roles: string[]): Promise<Set<string>> {
    const now = Date.now();
    const missing = roles.filter((role) => !this.entries.has(cacheKey(schema, table, role)));
    const stale = roles.filter((role) => (this.entries.get(cacheKey(schema, table, role))?.expires ?? Infinity) < now);
    if (missing.length > 0) await this.load(schema, table, missing);
    if (stale.length > 0) this.refresh(schema, table, stale);
    return new Set(roles.filter((role) => this.entries.get(cacheKey(schema, table, role))?.allowed === true));
  }

  private refresh(schema: string, table: string, roles: string[]): void {
    const key = `${cacheKey(schema, table, '')}${roles.join('\u0000')}`;
    if (this.refreshing.has(key)) return;
    this.refreshing.add(key);
    void this.load(schema, table, roles).catch(() => undefined).finally(() => this.refreshing.delete(key));
  }

  /** A role that does not exist, or a table that is gone, is simply not allowed. */
  private async load(schema: string, table: string, roles: string[]): Promise<void> {
    const rows = await this.sql<Array<{ role: string; allowed: boolean }>>`
      select r.role,
             case when exists (select 1 from pg_catalog.pg_roles where rolname = r.role) and c.oid is not null
                  then has_schema_privilege(r.role, c.relnamespace, 'USAGE') and has_table_privilege(r.role, c.oid, 'SELECT')
                  else false end as allowed
      from json_array_elements_text(${JSON.stringify(roles)}::text::json) as r (role)
      left join pg_catalog.pg_class c on c.oid = to_regclass(quote_ident(${schema}) || '.' || quote_ident(${table}))`;
    const expires = Date.now() + PRIVILEGE_TTL_MS;
    for (const row of rows) this.entries.set(cacheKey(schema, table, row.role), { allowed: row.allowed, expires });
  }
}

function cacheKey(schema: string, table: string, role: string): string {
  return `${schema}\u0000${table}\u0000${role}`;
}

/** A logger that says each distinct line once: a failing policy must not flood the log per change. */
function onceEach(log: (line: string) => void): (line: string) => void {
  const said = new Set<string>();
  return (line) => {
    if (said.has(line)) return;
    if (said.size >= 1000) said.clear();
    said.add(line);
    log(line);
  };
}
