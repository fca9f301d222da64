// pg_type for the change source: type names for `columns`, and converters that turn pgoutput's text
// values into JSON typed as Supabase Realtime types them (to_jsonb of the value).
import type postgres from 'postgres';
import type { JsonValue } from './change-source.ts';

/** Turns one column's text value into its JSON form. */
export type Converter = (text: string) => JsonValue;

interface TypeRow {
  oid: number;
  typname: string;
  typtype: string;
  typbasetype: number;
  typelem: number;
  typcategory: string;
  typdelim: string;
}

/** pg_type and primary keys, read once and cached; reloaded only when an unknown type shows up. */
export class Catalog {
  private readonly types = new Map<number, TypeRow>();
  private readonly converters = new Map<number, Converter>();

  constructor(private readonly sql: postgres.Sql) {}

  async loadTypes(): Promise<void> {
    const rows = await this.sql<TypeRow[]>`
      select oid::int4 as oid, typname::text, typtype::text, typbasetype::int4 as typbasetype,
             typelem::int4 as typelem, typcategory::text, typdelim::text
      from pg_catalog.pg_type`;
    for (const row of rows) this.types.set(row.oid, row);
    this.converters.clear();
  }

  async ensureTypes(oids: number[]): Promise<void> {
    if (oids.some((oid) => !this.types.has(oid))) await this.loadTypes();
  }

  async primaryKey(relationId: number): Promise<string[]> {
    const rows = await this.sql<{ attname: string }[]>`
      select a.attname::text
      from pg_catalog.pg_index i
      join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey)
      where i.indrelid = ${relationId}::oid and i.indisprimary
      order by array_position(i.indkey::int2[], a.attnum)`;
    return rows.map((r) => r.attname);
  }

  typeName(oid: number): string {
    return this.types.get(oid)?.typname ?? String(oid);
  }

  converter(oid: number): Converter {
    let converter = this.converters.get(oid);
    if (!converter) {
      converter = this.buildConverter(oid);
      this.converters.set(oid, converter);
    }
    return converter;
  }

  /** What to_jsonb does with the type: domains as their base type, arrays element by element. */
  private buildConverter(oid: number): Converter {
    let type = this.types.get(oid);
    for (let depth = 0; type?.typtype === 'd' && depth < 32; depth++) type = this.types.get(type.typbasetype);
    if (!type) return asString;
    if (type.typcategory === 'A' && type.typelem !== 0) {
      const element = this.converter(type.typelem);
      const delimiter = this.types.get(type.typelem)?.typdelim ?? ',';
      return (text) => parseArrayText(text, delimiter, element);
    }
    return SCALAR_CONVERTERS[type.oid] ?? asString;
  }
}

const asString: Converter = (text) => text;

/** to_jsonb prints NaN and ±Infinity as strings, every other number as a JSON number. */
const asNumber: Converter = (text) => {
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
};

/** By built-in type OID (fixed across servers); every other type is a string, as to_jsonb makes it. */
const SCALAR_CONVERTERS: Record<number, Converter> = {
  21: asNumber, // int2
  23: asNumber, // int4
  20: asNumber, // int8
  700: asNumber, // float4
  701: asNumber, // float8
  1700: asNumber, // numeric
  16: (text) => text === 't', // bool
  114: (text) => JSON.parse(text) as JsonValue, // json
  3802: (text) => JSON.parse(text) as JsonValue, // jsonb
  1114: (text) => text.replace(' ', 'T'), // timestamp
  1184: toJsonTimestamptz, // timestamptz
};

/** "2025-01-01 12:34:00.5+00" → "2025-01-01T12:34:00.5+00:00", as to_jsonb prints it (BC and infinity kept). */
function toJsonTimestamptz(text: string): string {
  const space = text.indexOf(' ');
  if (space < 0) return text; // infinity, -infinity
  const bc = text.endsWith(' BC');
  const body = `${text.slice(0, space)}T${text.slice(space + 1, bc ? -3 : undefined)}`;
  const sign = Math.max(body.lastIndexOf('+'), body.lastIndexOf('-'));
  const withMinutes = sign > space && body.length - sign === 3 ? `${body}:00` : body;
  return bc ? `${withMinutes} BC` : withMinutes;
}

/** Parses array_out text ("{1,2}", "{{1,2},{3,4}}", "[0:1]={1,2}", quoted elements) into nested arrays. */
function parseArrayText(text: string, delimiter: string, element: Converter): JsonValue {
  let at = text.startsWith('[') ? text.indexOf('=') + 1 : 0;
  if (text[at] !== '{') return text;
  const parseLevel = (): JsonValue[] => {
    const items: JsonValue[] = [];
    at++; // {
    while (at < text.length && text[at] !== '}') {
      if (text[at] === '{') items.push(parseLevel());
      else if (text[at] === '"') items.push(element(readQuoted()));
      else items.push(readBare());
      if (text[at] === delimiter) at++;
    }
    at++; // }
    return items;
  };
  const readQuoted = (): string => {
    let value = '';
    for (at++; at < text.length && text[at] !== '"'; at++) value += text.charAt(text[at] === '\\' ? ++at : at);
    at++; // closing quote
    return value;
  };
  const readBare = (): JsonValue => {
    const start = at;
    while (at < text.length && text[at] !== delimiter && text[at] !== '}') at++;
    const raw = text.slice(start, at);
    return raw.toUpperCase() === 'NULL' ? null : element(raw);
  };
  return parseLevel();
}
