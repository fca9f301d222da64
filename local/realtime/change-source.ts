// The Realtime stand-in's change source: logical replication (pgoutput) on a publication, decoded once
// per change into rows typed as Supabase's own server types them, with reconnect on replication loss.
import type { Duplex } from 'node:stream';
import postgres from 'postgres';
import { backoffDelay, type BackoffOptions } from '../../supabase/functions/_shared/backoff.ts';
import { redact } from '../database.ts';
import { LocalStackError } from '../errors.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface RowChange {
  schema: string;
  table: string;
  type: 'INSERT' | 'UPDATE' | 'DELETE';
  /** Commit time, 'YYYY-MM-DDTHH:MI:SS.mmmZ' (UTC). */
  commitTimestamp: string;
  /** Every column of the relation in order: name and pg_type.typname (int8, numeric, text, timestamptz, bool, jsonb, _int4...). Shared by every change of the relation: do not mutate. */
  columns: Array<{ name: string; type: string }>;
  /** New row (INSERT/UPDATE), values typed as realtime.cast = to_jsonb(value::type) types them. An unchanged TOASTed value (not sent by Postgres) is left out. */
  record?: Record<string, JsonValue>;
  /** UPDATE/DELETE: the replica identity (primary key) columns of the old row, or the full old row under REPLICA IDENTITY FULL; {} when none. */
  oldRecord?: Record<string, JsonValue>;
  /** Primary-key column values (text form) identifying the row, for authorization lookups; [] when the table has no primary key. */
  key: Array<{ name: string; value: string | null }>;
}

export interface ChangeSourceOptions {
  /** A superuser/replication-capable URL (the local cluster's postgres user). */
  databaseUrl: string;
  /** Default 'supabase_realtime'. */
  publication?: string;
  /** Called in commit order. */
  onChange: (change: RowChange) => void;
  /** 'connected' once streaming; 'lost' when the replication connection dropped (then it reconnects with backoff: 'reconnecting'). */
  onStatus: (status: 'connected' | 'lost' | 'reconnecting', detail: string) => void;
  log: (line: string) => void;
}

/** Every replication slot this process creates starts with this (tests find their own slots by it). */
export const SLOT_PREFIX = `candlestream_rt_${process.pid}_`;

const RECONNECT_BACKOFF: BackoffOptions = { baseMs: 250, capMs: 10_000, random: Math.random };
const FEEDBACK_INTERVAL_MS = 10_000;
const STOP_TIMEOUT_MS = 3_000;
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);

/**
 * Streams the publication's row changes from the current WAL position (no replay) over a temporary
 * slot, and keeps streaming across replication loss. Rejects when the first connection fails.
 */
export async function startChangeSource(options: ChangeSourceOptions): Promise<{ stop(): Promise<void> }> {
  const feed = new ReplicationFeed(options);
  await feed.start();
  return { stop: () => feed.stop() };
}

interface Session {
  sql: postgres.Sql;
  stream: Duplex;
  slot: string;
  lost: boolean;
}

/** One replication connection at a time: started, watched, replaced with backoff when it drops. */
class ReplicationFeed {
  private readonly publication: string;
  private readonly meta: postgres.Sql;
  private readonly catalog: Catalog;
  private readonly decoder: PgOutputDecoder;
  private session: Session | undefined;
  private attempt = 0;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnecting: Promise<void> | undefined;
  private feedbackTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ChangeSourceOptions) {
    this.publication = options.publication ?? 'supabase_realtime';
    // Metadata only (types, primary keys, checks): never queried per change.
    this.meta = postgres(options.databaseUrl, { max: 1, fetch_types: false, onnotice: () => {} });
    this.catalog = new Catalog(this.meta);
    this.decoder = new PgOutputDecoder(this.catalog, {
      emit: (change) => this.deliver(change),
      // A relation it could not describe would make every later change of it undecodable: start over.
      broken: (detail) => this.session && this.onLost(this.session, detail),
      log: options.log,
    });
  }

  async start(): Promise<void> {
    try {
      await this.checkServer();
      await this.catalog.loadTypes();
      await this.connect();
    } catch (error) {
      await this.meta.end({ timeout: 0 });
      if (error instanceof LocalStackError) throw error;
      throw new LocalStackError('REPLICATION_UNAVAILABLE',
        `cannot stream publication "${this.publication}" from ${redact(this.options.databaseUrl)}: ${messageOf(error)}`);
    }
    this.feedbackTimer = setInterval(() => this.session && this.decoder.sendFeedback(this.session.stream), FEEDBACK_INTERVAL_MS);
    this.feedbackTimer.unref();
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.feedbackTimer);
    await this.reconnecting;
    const session = this.session;
    this.session = undefined;
    if (session) {
      await endSession(session);
      await this.waitForSlotGone(session.slot);
    }
    await this.meta.end({ timeout: 1 });
  }

  private async checkServer(): Promise<void> {
    const [row] = await this.meta<{ wal_level: string; published: boolean }[]>`
      select current_setting('wal_level') as wal_level,
             exists (select 1 from pg_publication where pubname = ${this.publication}) as published`;
    if (row?.wal_level !== 'logical') {
      throw new LocalStackError('WAL_LEVEL_NOT_LOGICAL', `wal_level is "${row?.wal_level}" on ${redact(this.options.databaseUrl)}: logical replication needs wal_level = logical`);
    }
    if (!row.published) {
      throw new LocalStackError('PUBLICATION_NOT_FOUND', `publication "${this.publication}" does not exist on ${redact(this.options.databaseUrl)}`);
    }
  }

  /** Opens a replication connection, creates a temporary slot at the current position, starts streaming. */
  private async connect(): Promise<void> {
    const slot = `${SLOT_PREFIX}${Math.random().toString(36).slice(2, 10)}`;
    let session: Session | undefined;
    const sql = postgres(this.options.databaseUrl, {
      max: 1, fetch_types: false, idle_timeout: 0, max_lifetime: null, onnotice: () => {},
      // ISO dates in UTC: the text pgoutput sends is then what to_jsonb prints on Supabase (UTC).
      connection: { replication: 'database', application_name: 'candlestream-realtime', DateStyle: 'ISO, MDY', TimeZone: 'UTC' },
      onclose: () => session && this.onLost(session, 'the replication connection closed'),
    });
    try {
      const [created] = await sql.unsafe<{ consistent_point: string }[]>(
        `CREATE_REPLICATION_SLOT ${slot} TEMPORARY LOGICAL pgoutput NOEXPORT_SNAPSHOT`);
      const names = quoteLiteral(quoteIdent(this.publication));
      const query = sql.unsafe(`START_REPLICATION SLOT ${slot} LOGICAL ${created!.consistent_point} (proto_version '1', publication_names ${names})`);
      // postgres.js resolves START_REPLICATION's CopyBoth with a Duplex; its typings say Writable.
      const stream = (await query.writable()) as unknown as Duplex;
      session = { sql, stream, slot, lost: false };
    } catch (error) {
      await sql.end({ timeout: 0 });
      throw error;
    }
    if (this.stopped) return endSession(session); // stop() came while connecting
    this.decoder.reset();
    this.session = session;
    this.watch(session);
    this.attempt = 0;
    this.options.onStatus('connected', `streaming publication "${this.publication}" through temporary slot ${slot}`);
  }

  private watch(session: Session): void {
    session.stream.on('data', (chunk: Buffer) => !this.stopped && this.decoder.onCopyData(chunk, session.stream));
    session.stream.on('error', (error: Error) => this.onLost(session, messageOf(error)));
    session.stream.on('close', () => this.onLost(session, 'the replication stream ended'));
  }

  private onLost(session: Session, detail: string): void {
    if (session.lost || this.stopped || this.session !== session) return;
    session.lost = true;
    this.session = undefined;
    void session.sql.end({ timeout: 0 }).catch(() => undefined);
    this.options.log(`change source: replication lost (${detail}); changes committed until it is back are not delivered`);
    this.options.onStatus('lost', detail);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++, RECONNECT_BACKOFF);
    this.options.onStatus('reconnecting', `attempt ${this.attempt} in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnecting = this.connect()
        .catch((error: unknown) => {
          this.options.log(`change source: reconnect attempt ${this.attempt} failed: ${messageOf(error)}`);
          this.scheduleReconnect();
        })
        .finally(() => (this.reconnecting = undefined));
    }, delay);
  }

  private deliver(change: RowChange): void {
    if (this.stopped) return;
    try {
      this.options.onChange(change);
    } catch (error) {
      this.options.log(`change source: onChange threw for ${change.type} on ${change.schema}.${change.table}: ${messageOf(error)}`);
    }
  }

  /** A temporary slot goes when its walsender exits, a moment after the connection closes. */
  private async waitForSlotGone(slot: string): Promise<void> {
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const rows = await this.meta`select 1 from pg_replication_slots where slot_name = ${slot}`.catch(() => []);
      if (rows.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.options.log(`change source: slot ${slot} still exists ${STOP_TIMEOUT_MS} ms after stop`);
  }
}

/** Ends streaming with CopyDone (the server then drops the temporary slot) and closes the connection. */
async function endSession(session: Session): Promise<void> {
  session.lost = true;
  const { stream } = session;
  if (!stream.destroyed) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STOP_TIMEOUT_MS);
      stream.once('close', () => (clearTimeout(timer), resolve()));
      stream.once('error', () => undefined);
      stream.end();
    });
  }
  await session.sql.end({ timeout: 0 }).catch(() => undefined);
}

type Converter = (text: string) => JsonValue;

interface Relation {
  schema: string;
  table: string;
  columns: Array<{ name: string; type: string }>;
  converters: Converter[];
  /** Indexes of the replica identity columns (the primary key unless the table says otherwise). */
  identity: number[];
  /** Indexes of the primary-key columns, in key order. */
  primaryKey: number[];
}

interface TupleValues {
  record: Record<string, JsonValue>;
  texts: Array<string | null | undefined>;
  end: number;
}

/** Decodes pgoutput (protocol 1) messages, in order, into RowChange objects. */
class PgOutputDecoder {
  private readonly relations = new Map<number, Relation>();
  private readonly pending: Buffer[] = [];
  private draining = false;
  private commitTimestamp = '';
  private ackLsn = 0n;
  private readonly handlers: Record<number, (message: Buffer) => void | Promise<void>> = {
    0x42: (m) => this.onBegin(m), // B
    0x43: (m) => this.onCommit(m), // C
    0x52: (m) => this.onRelation(m), // R
    0x49: (m) => this.onInsert(m), // I
    0x55: (m) => this.onUpdate(m), // U
    0x44: (m) => this.onDelete(m), // D
  };

  constructor(
    private readonly catalog: Catalog,
    private readonly on: { emit(change: RowChange): void; broken(detail: string): void; log(line: string): void },
  ) {}

  reset(): void {
    this.pending.length = 0;
    this.ackLsn = 0n;
  }

  /** One CopyData message: XLogData ('w', 25-byte header) or a primary keepalive ('k'). */
  onCopyData(chunk: Buffer, stream: Duplex): void {
    if (chunk[0] === 0x77) {
      this.pending.push(chunk.subarray(25));
      if (!this.draining) void this.drain();
    } else if (chunk[0] === 0x6b) {
      // Nothing is owed once every earlier message is handled: acknowledge the server's position.
      if (!this.draining) this.ackLsn = maxLsn(this.ackLsn, chunk.readBigUInt64BE(1));
      if (chunk[17] === 1) this.sendFeedback(stream);
    }
  }

  /** Standby status update: lets the server recycle WAL behind what has been handed on. */
  sendFeedback(stream: Duplex): void {
    if (stream.destroyed || !stream.writable || this.ackLsn === 0n) return;
    const message = Buffer.alloc(34);
    message[0] = 0x72; // r
    message.writeBigUInt64BE(this.ackLsn, 1);
    message.writeBigUInt64BE(this.ackLsn, 9);
    message.writeBigUInt64BE(this.ackLsn, 17);
    message.writeBigInt64BE(BigInt(Date.now() - POSTGRES_EPOCH_MS) * 1000n, 25);
    message[33] = 0; // no reply requested
    stream.write(message);
  }

  /** Handles queued messages in order; only a Relation message with unknown metadata waits (a query). */
  private async drain(): Promise<void> {
    this.draining = true;
    let message: Buffer | undefined;
    while ((message = this.pending.shift())) {
      try {
        const waiting = this.handlers[message[0]!]?.(message);
        if (waiting) await waiting;
      } catch (error) {
        const detail = `cannot decode pgoutput message "${String.fromCharCode(message[0]!)}": ${messageOf(error)}`;
        this.on.log(`change source: ${detail}`);
        if (message[0] === 0x52) this.on.broken(detail);
      }
    }
    this.draining = false;
  }

  private onBegin(message: Buffer): void {
    const micros = message.readBigInt64BE(9);
    this.commitTimestamp = new Date(POSTGRES_EPOCH_MS + Number(micros / 1000n)).toISOString();
  }

  private onCommit(message: Buffer): void {
    this.ackLsn = maxLsn(this.ackLsn, message.readBigUInt64BE(10));
  }

  private async onRelation(message: Buffer): Promise<void> {
    const reader = new Reader(message, 1);
    const id = reader.u32();
    const schema = reader.cstring() || 'pg_catalog';
    const table = reader.cstring();
    reader.u8(); // replica identity setting: the per-column key flags below say what it covers
    const count = reader.u16();
    const raw: Array<{ name: string; oid: number; key: boolean }> = [];
    for (let i = 0; i < count; i++) {
      const key = (reader.u8() & 1) === 1;
      const name = reader.cstring();
      const oid = reader.u32();
      reader.u32(); // atttypmod
      raw.push({ name, oid, key });
    }
    await this.catalog.ensureTypes(raw.map((c) => c.oid));
    const keyNames = await this.catalog.primaryKey(id);
    const names = raw.map((c) => c.name);
    this.relations.set(id, {
      schema,
      table,
      columns: Object.freeze(raw.map((c) => Object.freeze({ name: c.name, type: this.catalog.typeName(c.oid) }))) as RowChange['columns'],
      converters: raw.map((c) => this.catalog.converter(c.oid)),
      identity: raw.flatMap((c, i) => (c.key ? [i] : [])),
      primaryKey: keyNames.every((n) => names.includes(n)) ? keyNames.map((n) => names.indexOf(n)) : [],
    });
  }

  private onInsert(message: Buffer): void {
    const relation = this.relationOf(message);
    const tuple = decodeTuple(message, 6, relation); // relid, then 'N'
    this.on.emit(this.change(relation, 'INSERT', tuple.texts, { record: tuple.record }));
  }

  private onUpdate(message: Buffer): void {
    const relation = this.relationOf(message);
    const kind = message[5];
    let old: TupleValues | undefined;
    let offset = 5;
    if (kind === 0x4b || kind === 0x4f) { // K: old key, O: old row (REPLICA IDENTITY FULL)
      old = decodeTuple(message, 6, relation);
      offset = old.end;
    }
    const tuple = decodeTuple(message, offset + 1, relation);
    const oldRecord = old
      ? kind === 0x4f ? old.record : pick(old.record, relation)
      : pick(tuple.record, relation); // no old tuple: the identity did not change
    this.on.emit(this.change(relation, 'UPDATE', tuple.texts, { record: tuple.record, oldRecord }));
  }

  private onDelete(message: Buffer): void {
    const relation = this.relationOf(message);
    const kind = message[5];
    const old = decodeTuple(message, 6, relation);
    const oldRecord = kind === 0x4f ? old.record : pick(old.record, relation);
    this.on.emit(this.change(relation, 'DELETE', old.texts, { oldRecord }));
  }

  private relationOf(message: Buffer): Relation {
    const id = message.readUInt32BE(1);
    const relation = this.relations.get(id);
    if (!relation) throw new LocalStackError('UNKNOWN_RELATION', `change for relation id ${id} arrived before its Relation message`);
    return relation;
  }

  private change(relation: Relation, type: RowChange['type'], texts: TupleValues['texts'], rows: Pick<RowChange, 'record' | 'oldRecord'>): RowChange {
    return {
      schema: relation.schema,
      table: relation.table,
      type,
      commitTimestamp: this.commitTimestamp,
      columns: relation.columns,
      ...rows,
      key: relation.primaryKey.map((i) => ({ name: relation.columns[i]!.name, value: texts[i] ?? null })),
    };
  }
}

/** TupleData at `offset`: per column 'n' null, 'u' unchanged TOAST (left out), 't' + length + text. */
function decodeTuple(message: Buffer, offset: number, relation: Relation): TupleValues {
  const count = message.readUInt16BE(offset);
  let at = offset + 2;
  const record: Record<string, JsonValue> = {};
  const texts: TupleValues['texts'] = new Array(count);
  for (let i = 0; i < count; i++) {
    const kind = message[at++];
    const column = relation.columns[i];
    if (kind === 0x74) { // t
      const length = message.readUInt32BE(at);
      const text = message.toString('utf8', at + 4, at + 4 + length);
      at += 4 + length;
      texts[i] = text;
      if (column) record[column.name] = relation.converters[i]!(text);
    } else if (kind === 0x6e) { // n
      texts[i] = null;
      if (column) record[column.name] = null;
    } else if (kind !== 0x75) { // u
      throw new LocalStackError('UNSUPPORTED_TUPLE_DATA', `column ${i} of ${relation.schema}.${relation.table} has tuple kind ${kind}`);
    }
  }
  return { record, texts, end: at };
}

/** The replica identity columns of a row: what Supabase puts in old_record under the default identity. */
function pick(record: Record<string, JsonValue>, relation: Relation): Record<string, JsonValue> {
  const picked: Record<string, JsonValue> = {};
  for (const i of relation.identity) {
    const name = relation.columns[i]!.name;
    if (name in record) picked[name] = record[name]!;
  }
  return picked;
}

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
class Catalog {
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

/** A cursor over a pgoutput message. */
class Reader {
  constructor(private readonly buffer: Buffer, private at: number) {}

  u8(): number {
    return this.buffer.readUInt8(this.at++);
  }

  u16(): number {
    const value = this.buffer.readUInt16BE(this.at);
    this.at += 2;
    return value;
  }

  u32(): number {
    const value = this.buffer.readUInt32BE(this.at);
    this.at += 4;
    return value;
  }

  cstring(): string {
    const end = this.buffer.indexOf(0, this.at);
    const value = this.buffer.toString('utf8', this.at, end);
    this.at = end + 1;
    return value;
  }
}

function maxLsn(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
