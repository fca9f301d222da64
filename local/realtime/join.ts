// The channel join stage: a phx_join payload validated into typed settings, and its postgres_changes
// bindings, each with its filter parsed once and a stable id (equal params give equal ids, §4.2).
import { createHash } from 'node:crypto';
import { parseFilter, type Filter } from './filters.ts';
import { fail, isJsonObject, ok, type JsonObject, type Result } from './protocol.ts';

export type ChangeType = 'INSERT' | 'UPDATE' | 'DELETE';

/** One `postgres_changes` subscription of a channel. */
export interface Binding {
  id: number;
  event: '*' | ChangeType;
  schema: string;
  /** `*` for every table of the schema. */
  table: string;
  filter: Filter;
  /** Columns to send, when the client asked for a subset. */
  select?: readonly string[];
}

export interface JoinRequest {
  broadcast: { ack: boolean; self: boolean };
  presence: { enabled: boolean; key: string };
  private: boolean;
  accessToken?: string;
  bindings: Binding[];
  /** The reply's `postgres_changes`: the client's params unchanged and in order, each plus its id. */
  echo: JsonObject[];
}

const MAX_BINDINGS = 100;
/** Distinct bindings kept for sharing; past this, a join gets bindings of its own. */
const MAX_REMEMBERED_BINDINGS = 10_000;
const parsedBindings = new Map<string, Binding>();
const EVENTS = new Map<string, Binding['event']>([['*', '*'], ['insert', 'INSERT'], ['update', 'UPDATE'], ['delete', 'DELETE']]);

/** Validates a phx_join payload (§4.1); a missing key takes the client's default. */
export function parseJoin(payload: JsonObject): Result<JoinRequest> {
  const config = payload.config ?? {};
  if (!isJsonObject(config)) return invalid('`config` must be an object');
  const broadcast = config.broadcast ?? {};
  const presence = config.presence ?? {};
  if (!isJsonObject(broadcast) || !isJsonObject(presence)) return invalid('`config.broadcast` and `config.presence` must be objects');
  const changes = config.postgres_changes ?? [];
  if (!Array.isArray(changes)) return invalid('`config.postgres_changes` must be a list');
  if (changes.length > MAX_BINDINGS) return invalid(`at most ${MAX_BINDINGS} postgres_changes bindings per channel, got ${changes.length}`);
  const bindings: Binding[] = [];
  const echo: JsonObject[] = [];
  for (const params of changes) {
    const binding = parseBinding(params);
    if (!binding.ok) return binding;
    bindings.push(binding.value);
    echo.push({ ...(params as JsonObject), id: binding.value.id });
  }
  const accessToken = payload.access_token;
  return ok({
    broadcast: { ack: broadcast.ack === true, self: broadcast.self === true },
    presence: { enabled: presence.enabled === true, key: presenceKey(presence.key) },
    private: config.private === true,
    ...(typeof accessToken === 'string' && accessToken !== '' ? { accessToken } : {}),
    bindings,
    echo,
  });
}

/** One `{event, schema?, table?, filter?, select?}` entry, as the real server accepts it (§10). */
export function parseBinding(params: unknown): Result<Binding> {
  if (!isJsonObject(params)) return invalid('each postgres_changes entry must be an object');
  // Equal params parse to equal bindings: channels joined with the same params share one (never mutated).
  const canonical = canonicalJson(params);
  const known = parsedBindings.get(canonical);
  if (known) return ok(known);
  const parsed = parseNewBinding(params, canonical);
  if (parsed.ok && parsedBindings.size < MAX_REMEMBERED_BINDINGS) parsedBindings.set(canonical, parsed.value);
  return parsed;
}

function parseNewBinding(params: JsonObject, canonical: string): Result<Binding> {
  const { event, schema, table, filter, select } = params;
  const kind = typeof event === 'string' ? EVENTS.get(event.toLowerCase()) : undefined;
  if (!kind) return invalid(`postgres_changes event ${JSON.stringify(event)} is not one of *, INSERT, UPDATE, DELETE`);
  if (!isOptionalString(schema) || !isOptionalString(table) || !isOptionalString(filter)) {
    return invalid('postgres_changes schema, table and filter must be strings');
  }
  if (select !== undefined && select !== null && !(Array.isArray(select) && select.every((column) => typeof column === 'string'))) {
    return invalid('postgres_changes select must be a list of column names');
  }
  if (!schema && !table) return invalid('a postgres_changes entry needs a schema or a table');
  const tableName = table || '*';
  let parsed: Filter = [];
  if (filter) {
    if (tableName === '*') return fail('InvalidFilter', `Error parsing \`filter\` params: a filter needs a schema and a table, got "${filter}" without a table`);
    const result = parseFilter(filter);
    if (!result.ok) return result;
    parsed = result.value;
  }
  return ok({
    id: idOf(canonical),
    event: kind,
    schema: schema || 'public',
    table: tableName,
    filter: parsed,
    ...(Array.isArray(select) ? { select: select as string[] } : {}),
  });
}

/** A truthy integer below 2^27 from the params, like the real server's :erlang.phash2(params). */
export function bindingId(params: JsonObject): number {
  return idOf(canonicalJson(params));
}

function idOf(canonical: string): number {
  const digest = createHash('sha256').update(canonical).digest();
  return (digest.readUInt32BE(0) & 0x7ffffff) || 1;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function presenceKey(key: unknown): string {
  return typeof key === 'string' ? key : typeof key === 'number' ? String(key) : '';
}

function isOptionalString(value: unknown): value is string | undefined | null {
  return value === undefined || value === null || typeof value === 'string';
}

function invalid(message: string): Result<never> {
  return fail('InvalidJoinPayload', message);
}
