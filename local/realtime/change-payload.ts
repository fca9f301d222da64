// The `data` of a postgres_changes event (docs/realtime-protocol.md §5.1) made from a RowChange, and the
// row a binding's filter is evaluated on (the old record for a DELETE).
import type { JsonValue, RowChange } from './change-source.ts';

type Row = Record<string, JsonValue>;

const NUMERIC_TYPES = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid']);

/** The row filters apply to: the new record, or for a DELETE the old one (as the real server does). */
export function filteredRow(change: RowChange): Row | undefined {
  return change.type === 'DELETE' ? oldRecordOf(change) : change.record;
}

/**
 * The old record: the change source's, else the replica identity key converted like `to_jsonb` would
 * (numbers as numbers, booleans as booleans, timestamptz as ISO text), as the real server sends it.
 */
export function oldRecordOf(change: RowChange): Row {
  if (change.oldRecord) return change.oldRecord;
  const row: Row = {};
  for (const { name, value } of change.key) row[name] = value === null ? null : fromText(value, typeOf(change, name));
  return row;
}

/** The JSON of `data`, encoded once per change (and once per distinct `select`). */
export function encodeChangeData(change: RowChange, select?: ReadonlySet<string>): string {
  const pick = (row: Row): Row => (select ? Object.fromEntries(Object.entries(row).filter(([name]) => select.has(name))) : row);
  const data: Record<string, unknown> = {
    schema: change.schema,
    table: change.table,
    commit_timestamp: change.commitTimestamp,
    type: change.type,
    columns: select ? change.columns.filter((column) => select.has(column.name)) : change.columns,
    errors: null,
  };
  if (change.type !== 'DELETE') data.record = pick(change.record ?? {});
  if (change.type !== 'INSERT') data.old_record = pick(oldRecordOf(change));
  return JSON.stringify(data);
}

function typeOf(change: RowChange, name: string): string {
  return change.columns.find((column) => column.name === name)?.type ?? 'text';
}

/** A value in Postgres text form as `to_jsonb(value::type)` would give it. */
export function fromText(text: string, type: string): JsonValue {
  if (NUMERIC_TYPES.has(type)) {
    const number = Number(text);
    return text.trim() !== '' && Number.isFinite(number) ? number : text;
  }
  if (type === 'bool') return text === 't' ? true : text === 'f' ? false : text;
  if (type === 'json' || type === 'jsonb') {
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      return text;
    }
  }
  if (type === 'timestamptz') return text.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
  if (type === 'timestamp') return text.replace(' ', 'T');
  return text;
}
