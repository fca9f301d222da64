// pgoutput (logical replication protocol 1) decoding: Begin/Commit/Relation/Insert/Update/Delete
// messages, in order, into RowChange objects with values converted once per change.
import type { Duplex } from 'node:stream';
import { LocalStackError, messageOf } from '../errors.ts';
import type { JsonValue, RowChange } from './change-source.ts';
import type { Catalog, Converter } from './pg-catalog.ts';

/** pgoutput timestamps count microseconds from 2000-01-01 UTC. */
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);

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
export class PgOutputDecoder {
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
