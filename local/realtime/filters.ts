// postgres_changes filter strings (docs/realtime-protocol.md §10): parsed once at join, then evaluated
// per change with comparisons typed by the column's Postgres type (numbers exactly, instants, text).
import { fail, ok, type Result } from './protocol.ts';
import { compareDecimal } from '../decimal.ts';

export type Operator = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'isnull' | 'notnull';

/** One `column=op.value` condition; `values` has one literal, several for `in`, none for is.null. */
export interface Condition {
  column: string;
  operator: Operator;
  values: string[];
}

/** Conditions joined by `,`: a row matches when every condition holds. */
export type Filter = readonly Condition[];

export type RowValue = null | boolean | number | string | RowValue[] | { [key: string]: RowValue };

const COMPARISONS = new Set(['eq', 'neq', 'lt', 'lte', 'gt', 'gte']);
const NUMERIC_TYPES = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid']);
const TIME_TYPES = new Set(['timestamptz', 'timestamp', 'date']);

/** Parses a filter string; an error names the offending condition. */
export function parseFilter(text: string): Result<Filter> {
  const parts = splitOutside(text, ',', true);
  if (!parts) return filterError(`unbalanced quotes or parentheses in "${text}"`);
  const conditions: Condition[] = [];
  for (const part of parts) {
    const condition = parseCondition(part);
    if (!condition.ok) return condition;
    conditions.push(condition.value);
  }
  return ok(conditions);
}

/** True when `row` (a record, or the old record of a DELETE) satisfies every condition. */
export function matchesFilter(filter: Filter, row: Readonly<Record<string, RowValue>> | undefined, columns: ReadonlyArray<{ name: string; type: string }>): boolean {
  for (const condition of filter) {
    const type = columns.find((column) => column.name === condition.column)?.type ?? 'text';
    if (!holds(condition, row?.[condition.column], type)) return false;
  }
  return true;
}

function parseCondition(part: string): Result<Condition> {
  const equals = part.indexOf('=');
  const column = equals > 0 ? part.slice(0, equals) : '';
  if (column === '') return filterError(`"${part}" is not of the form column=operator.value`);
  const rest = part.slice(equals + 1);
  if (rest === 'is.null') return ok({ column, operator: 'isnull', values: [] });
  if (rest === 'not.is.null') return ok({ column, operator: 'notnull', values: [] });
  const dot = rest.indexOf('.');
  if (dot <= 0) return filterError(`"${part}" is not of the form column=operator.value`);
  const operator = rest.slice(0, dot);
  const raw = rest.slice(dot + 1);
  if (operator === 'in') return parseIn(column, raw, part);
  if (!COMPARISONS.has(operator)) return filterError(`unknown operator "${operator}" in "${part}" (supported: eq, neq, lt, lte, gt, gte, in, is.null, not.is.null)`);
  const value = unquote(raw);
  if (value === undefined) return filterError(`badly quoted value in "${part}"`);
  return ok({ column, operator: operator as Operator, values: [value] });
}

function parseIn(column: string, raw: string, part: string): Result<Condition> {
  if (!raw.startsWith('(') || !raw.endsWith(')')) return filterError(`"in" needs a list like in.(a,b) in "${part}"`);
  const items = splitOutside(raw.slice(1, -1), ',', false);
  const values = items?.map(unquote);
  if (!values || values.some((value) => value === undefined)) return filterError(`badly quoted list in "${part}"`);
  if (values.length === 1 && values[0] === '') return filterError(`"in" needs at least one value in "${part}"`);
  return ok({ column, operator: 'in', values: values as string[] });
}

/**
 * Splits on `separator` outside double quotes (and, at the top level, outside parentheses); `\` keeps
 * the next character. Returns undefined when quotes or parentheses do not balance.
 */
function splitOutside(text: string, separator: string, topLevel: boolean): string[] | undefined {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\' && i + 1 < text.length) {
      current += char + text[++i];
      continue;
    }
    if (char === '"') quoted = !quoted;
    else if (!quoted && topLevel && char === '(') depth++;
    else if (!quoted && topLevel && char === ')') depth--;
    else if (!quoted && depth === 0 && char === separator) {
      parts.push(current);
      current = '';
      continue;
    }
    if (depth < 0) return undefined;
    current += char;
  }
  if (quoted || depth !== 0) return undefined;
  parts.push(current);
  return parts;
}

/** `"a\"b"` → `a"b`; unquoted values only unescape `\,`. Undefined for a malformed quoted value. */
function unquote(raw: string): string | undefined {
  if (!raw.startsWith('"')) return raw.replace(/\\,/g, ',');
  if (raw.length < 2 || !raw.endsWith('"')) return undefined;
  let value = '';
  const inner = raw.slice(1, -1);
  for (let i = 0; i < inner.length; i++) {
    const char = inner[i]!;
    if (char === '\\') {
      if (i + 1 >= inner.length) return undefined;
      value += inner[++i];
    } else if (char === '"') {
      return undefined;
    } else {
      value += char;
    }
  }
  return value;
}

function filterError(message: string): Result<never> {
  return fail('InvalidFilter', `Error parsing \`filter\` params: ${message}`);
}

function holds(condition: Condition, value: RowValue | undefined, type: string): boolean {
  const isNull = value === null || value === undefined;
  if (condition.operator === 'isnull') return isNull;
  if (condition.operator === 'notnull') return !isNull;
  if (isNull) return false;
  if (condition.operator === 'in') return condition.values.some((literal) => compare(value, literal, type) === 0);
  const order = compare(value, condition.values[0] ?? '', type);
  if (order === undefined) return false;
  switch (condition.operator) {
    case 'eq': return order === 0;
    case 'neq': return order !== 0;
    case 'lt': return order < 0;
    case 'lte': return order <= 0;
    case 'gt': return order > 0;
    default: return order >= 0;
  }
}

/** Orders a row value against a filter literal as Postgres would for `type`; undefined if either does not cast. */
export function compare(value: RowValue, literal: string, type: string): number | undefined {
  if (NUMERIC_TYPES.has(type)) return compareNumbers(asText(value), literal);
  if (type === 'bool') return compareDefined(asBoolean(value), asBoolean(literal));
  if (TIME_TYPES.has(type)) return compareDefined(toMicros(asText(value)), toMicros(literal));
  if (type === 'uuid') return compareText(asText(value).toLowerCase(), literal.toLowerCase());
  return compareText(asText(value), literal);
}

function asText(value: RowValue): string {
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : Math.sign(a - b);
}

function asBoolean(value: RowValue): number | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  const text = String(value).trim().toLowerCase();
  if (['t', 'true', 'yes', 'on', '1'].includes(text)) return 1;
  if (['f', 'false', 'no', 'off', '0'].includes(text)) return 0;
  return undefined;
}

/** Exact for decimal text (numeric is exact in Postgres); Infinity and friends compare as floats. */
function compareNumbers(a: string, b: string): number | undefined {
  try {
    return compareDecimal(a.trim(), b.trim());
  } catch {
    const [p, q] = [Number(a), Number(b)];
    return Number.isNaN(p) || Number.isNaN(q) || a.trim() === '' || b.trim() === '' ? undefined : Math.sign(p - q) || 0;
  }
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Microseconds since the epoch of an ISO or Postgres-text date/timestamp; no zone means UTC. */
function toMicros(text: string): number | undefined {
  const match = INSTANT.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = match;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const micros = Number(fraction.padEnd(6, '0').slice(0, 6));
  return ms * 1000 + micros - zoneOffsetMinutes(zone) * 60_000_000;
}

function zoneOffsetMinutes(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return zone.startsWith('-') ? -minutes : minutes;
}
