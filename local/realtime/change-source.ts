// The Realtime stand-in's change source: logical replication (pgoutput) on a publication, decoded once
// per change into rows typed as Supabase's own server types them, with reconnect on replication loss.
import type { Duplex } from 'node:stream';
import postgres from 'postgres';
import { backoffDelay, type BackoffOptions } from '../../supabase/functions/_shared/backoff.ts';
import { redact } from '../database.ts';
import { LocalStackError, messageOf } from '../errors.ts';
import { pollUntil } from '../process.ts';
import { Catalog } from './pg-catalog.ts';
import { PgOutputDecoder } from './pgoutput.ts';
import { quoteIdent, quoteLiteral } from './sql-quote.ts';

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
    const gone = () => this.meta`select 1 from pg_replication_slots where slot_name = ${slot}`.then((rows) => rows.length === 0, () => true);
    if (!(await pollUntil(gone, STOP_TIMEOUT_MS, 20))) this.options.log(`change source: slot ${slot} still exists ${STOP_TIMEOUT_MS} ms after stop`);
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
