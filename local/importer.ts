// Loads a Binance kline dump into public.ingest_klines: streams the file line by line, turns each
// candle into the closed kline event the exchange sent for it, and ingests them in batches.
import { createReadStream, statSync, type ReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type postgres from 'postgres';
import { buildKlineEvent, MINUTE_MS, type KlineEvent } from '../supabase/functions/_shared/kline-event.ts';
import { detectTimeUnit, parseDumpLine, rawOpenTime, type DumpCandle, type TimeUnit } from '../supabase/functions/_shared/kline-dump.ts';
import { LocalStackError } from './errors.ts';

export const DEFAULT_BATCH_SIZE = 1000;
/** public.ingest_klines refuses larger batches. */
export const MAX_BATCH_SIZE = 5000;

const SYMBOL_FORMAT = /^[A-Z0-9]{2,20}$/;

export interface ImportOptions {
  sql: postgres.Sql;
  csvPath: string;
  /** Defaults to the file name's prefix before the first '-' (BTCUSDT-1m-2025-08.csv → BTCUSDT). */
  symbol?: string;
  /** Events per ingest_klines call: 1 to 5,000, default 1,000. */
  batchSize?: number;
  /** Called at most once per progressIntervalMs (default 1,000) while the file is read. */
  onProgress?: (progress: ImportProgress) => void;
  progressIntervalMs?: number;
  /** Called for each malformed line as it is met; the line is skipped. */
  onMalformed?: (malformed: MalformedLine) => void;
}

export interface ImportProgress {
  lines: number;
  candles: number;
  bytesRead: number;
  totalBytes: number;
}

export interface MalformedLine {
  line: number;
  reason: string;
}

export interface ImportResult {
  lines: number;
  candles: number;
  malformed: MalformedLine[];
  accepted: number;
  stale: number;
  rejected: number;
  /** The unit of the file's timestamps, judged from its first candle line ('ms' for a file with none). */
  unit: TimeUnit;
}

interface IngestCounts {
  accepted: number;
  stale: number;
  rejected: number;
}

/**
 * Imports a Binance 1m kline dump (ms or µs timestamps) through public.ingest_klines, as source
 * `import`, on one connection reserved from `sql`. Malformed lines are reported and skipped.
 */
export async function importDump(options: ImportOptions): Promise<ImportResult> {
  const symbol = resolveSymbol(options.csvPath, options.symbol);
  const batchSize = checkBatchSize(options.batchSize ?? DEFAULT_BATCH_SIZE);
  const totalBytes = dumpSize(options.csvPath);
  const db = await options.sql.reserve();
  const input = createReadStream(options.csvPath);
  try {
    await db.unsafe(`set candlestream.source = 'import'`);
    return await ingestDump(db, input, { ...options, symbol, batchSize, totalBytes });
  } finally {
    input.destroy();
    // The connection goes back to the caller's pool: don't leave our source name on it.
    await db.unsafe('reset candlestream.source').catch(() => undefined);
    db.release();
  }
}

/** The symbol to import under: the one given, else the file name's prefix; throws (exit 2) when unusable. */
export function resolveSymbol(csvPath: string, symbol?: string): string {
  const name = basename(csvPath);
  const dash = name.indexOf('-');
  const chosen = symbol ?? (dash > 0 ? name.slice(0, dash) : undefined);
  if (chosen === undefined) {
    throw new LocalStackError('SYMBOL_UNKNOWN', `cannot tell the symbol from the file name "${name}" (expected e.g. BTCUSDT-1m-2025-08.csv); pass --symbol`, 2);
  }
  if (!SYMBOL_FORMAT.test(chosen)) {
    const origin = symbol === undefined ? ` (taken from the file name "${name}")` : '';
    throw new LocalStackError('INVALID_SYMBOL', `symbol "${chosen}"${origin} does not match ^[A-Z0-9]{2,20}$`, 2);
  }
  return chosen;
}

/** The batch size if it is a whole number from 1 to 5,000; throws (exit 2) otherwise. */
export function checkBatchSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_SIZE) {
    throw new LocalStackError('INVALID_BATCH_SIZE', `batch size ${size} is not a whole number from 1 to ${MAX_BATCH_SIZE}`, 2);
  }
  return size;
}

/** One progress line: `import: 40,000 lines, 38% ...`. */
export function formatProgress(progress: ImportProgress): string {
  const percent = progress.totalBytes === 0 ? 100 : Math.floor((100 * progress.bytesRead) / progress.totalBytes);
  return `import: ${count(progress.lines)} lines, ${Math.min(percent, 100)}% ...`;
}

/** The closing line of an import. */
export function formatSummary(csvPath: string, result: ImportResult): string {
  return `import: ${csvPath}: ${count(result.candles)} candles (${result.unit} timestamps) — accepted ${count(result.accepted)}, ` +
    `stale ${count(result.stale)}, rejected ${count(result.rejected)}, malformed lines ${count(result.malformed.length)}`;
}

/** How a skipped line is reported. */
export function formatMalformed(csvPath: string, malformed: MalformedLine): string {
  return `import: ${csvPath}:${malformed.line}: malformed line skipped: ${malformed.reason}`;
}

type IngestPlan = ImportOptions & { symbol: string; batchSize: number; totalBytes: number };

async function ingestDump(db: postgres.ReservedSql, input: ReadStream, plan: IngestPlan): Promise<ImportResult> {
  const result: ImportResult = { lines: 0, candles: 0, malformed: [], accepted: 0, stale: 0, rejected: 0, unit: 'ms' };
  let unit: TimeUnit | undefined;
  let batch: KlineEvent[] = [];
  const report = throttle(plan.progressIntervalMs ?? 1000, () =>
    plan.onProgress?.({ lines: result.lines, candles: result.candles, bytesRead: input.bytesRead, totalBytes: plan.totalBytes }));
  // crlfDelay: a \r\n split across two reads is still one line break.
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    result.lines += 1;
    unit ??= detectUnit(text);
    const candle = readCandle(text, unit ?? 'ms');
    if (typeof candle === 'string') {
      const malformed = { line: result.lines, reason: candle };
      result.malformed.push(malformed);
      plan.onMalformed?.(malformed);
    } else if (candle) {
      result.candles += 1;
      batch.push(closedEvent(candle, plan.symbol));
    }
    if (batch.length >= plan.batchSize) batch = await sendBatch(db, batch, result);
    report();
  }
  if (batch.length > 0) await sendBatch(db, batch, result);
  result.unit = unit ?? 'ms';
  return result;
}

/** The unit of the first line that has an integer open time; undefined for headers and blanks. */
function detectUnit(text: string): TimeUnit | undefined {
  const openTime = rawOpenTime(text);
  return openTime === undefined ? undefined : detectTimeUnit(openTime);
}

/** A candle, a reason the line is malformed, or undefined for a header or blank line. */
function readCandle(text: string, unit: TimeUnit): DumpCandle | string | undefined {
  const parsed = parseDumpLine(text, unit);
  if (parsed.kind === 'malformed') return parsed.reason;
  if (parsed.kind !== 'candle') return undefined;
  const { openTime, closeTime } = parsed.candle;
  // Events always say 1m; a 5m or 1h dump must not be stored as if its candles were minutes.
  if (closeTime - openTime !== MINUTE_MS - 1) {
    return `close time ${closeTime} is not ${MINUTE_MS - 1} ms after open time ${openTime} (${unit}): not a 1-minute candle`;
  }
  return parsed.candle;
}

/** The final event the exchange sent for a candle: closed, its event time the candle's close time. */
function closedEvent(candle: DumpCandle, symbol: string): KlineEvent {
  return buildKlineEvent({
    symbol, openTime: candle.openTime, eventTime: candle.closeTime, closed: true,
    open: candle.open, high: candle.high, low: candle.low, close: candle.close,
    volume: candle.volume, quoteVolume: candle.quoteVolume, trades: candle.trades,
    takerBuyVolume: candle.takerBuyVolume, takerBuyQuoteVolume: candle.takerBuyQuoteVolume,
  });
}

/** Ingests one batch, adds its counts to the totals, and returns a fresh empty batch. */
async function sendBatch(db: postgres.ReservedSql, batch: KlineEvent[], totals: IngestCounts): Promise<KlineEvent[]> {
  // Sent as text and cast in SQL: one JSON.stringify, no per-value serialisation by the driver.
  const [row] = await db<{ result: IngestCounts }[]>`select public.ingest_klines(${JSON.stringify(batch)}::text::jsonb) as result`;
  if (!row) throw new LocalStackError('INGEST_FAILED', `ingest_klines returned no row for a batch of ${batch.length} events`);
  totals.accepted += row.result.accepted;
  totals.stale += row.result.stale;
  totals.rejected += row.result.rejected;
  return [];
}

function dumpSize(csvPath: string): number {
  try {
    const stats = statSync(csvPath);
    if (!stats.isFile()) throw new Error('not a regular file');
    return stats.size;
  } catch (error) {
    throw new LocalStackError('DUMP_NOT_FOUND', `cannot read the dump "${csvPath}": ${(error as Error).message}`, 2);
  }
}

/** Wraps fn so that it runs at most once per interval (the first time after one interval). */
function throttle(intervalMs: number, fn: () => void): () => void {
  let last = Date.now();
  return () => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    fn();
  };
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
