import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestDatabase, describeWithDatabase, testDatabaseUrl } from '../tests/support/database.ts';
import { binanceWeekCsv, describeWithBinanceWeek, readBinanceWeek, type DumpRow } from '../tests/support/fixtures.ts';
import { checkBatchSize, formatProgress, formatSummary, importDump, resolveSymbol, type ImportProgress, type ImportResult } from './importer.ts';

// Symbols of this run only, so the shared test database (or a re-run on the dev cluster) never collides.
const RUN = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
const WEEK_MS = `IMPMS${RUN}`;
const WEEK_US = `IMPUS${RUN}`;
const SMALL = `IMPSM${RUN}`;
const NAMED = `IMPNM${RUN}`;
const SYMBOLS = [WEEK_MS, WEEK_US, SMALL, NAMED];

const T0 = Date.UTC(2025, 7, 1);
const HEADER = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

describe('resolveSymbol', () => {
  it('takes the file name prefix before the first dash', () => {
    expect(resolveSymbol('/data/BTCUSDT-1m-2025-08.csv')).toBe('BTCUSDT');
  });

  it('prefers the symbol it is given over the file name', () => {
    expect(resolveSymbol('/data/BTCUSDT-1m-2025-08.csv', 'ETHUSDT')).toBe('ETHUSDT');
  });

  it('refuses a file name without a dash when no symbol is given', () => {
    expect(() => resolveSymbol('/data/klines.csv')).toThrow(expect.objectContaining({ code: 'SYMBOL_UNKNOWN', exitCode: 2 }));
  });

  it.each(['btcusdt', 'B', 'BTC_USDT', 'A'.repeat(21)])('refuses the symbol %s', (symbol) => {
    expect(() => resolveSymbol('/data/BTCUSDT-1m.csv', symbol)).toThrow(expect.objectContaining({ code: 'INVALID_SYMBOL', exitCode: 2 }));
  });

  it('refuses a file name prefix that is not a symbol', () => {
    expect(() => resolveSymbol('/data/btc-1m.csv')).toThrow(expect.objectContaining({ code: 'INVALID_SYMBOL' }));
  });
});

describe('checkBatchSize', () => {
  it('accepts 1 to 5,000', () => {
    expect(checkBatchSize(1)).toBe(1);
    expect(checkBatchSize(5000)).toBe(5000);
  });

  it.each([0, 5001, 2.5, Number.NaN])('refuses %s', (size) => {
    expect(() => checkBatchSize(size)).toThrow(expect.objectContaining({ code: 'INVALID_BATCH_SIZE', exitCode: 2 }));
  });
});

describe('formatSummary and formatProgress', () => {
  it('say the counts with thousands separators', () => {
    const result: ImportResult = { lines: 10_081, candles: 10_080, malformed: [{ line: 7, reason: 'x' }], accepted: 10_000, stale: 80, rejected: 0, unit: 'us' };
    expect(formatSummary('a.csv', result)).toBe('import: a.csv: 10,080 candles (us timestamps) — accepted 10,000, stale 80, rejected 0, malformed lines 1');
    expect(formatProgress({ lines: 40_000, candles: 40_000, bytesRead: 38, totalBytes: 100 })).toBe('import: 40,000 lines, 38% ...');
  });
});

describeWithDatabase('importDump', () => {
  // Made in beforeAll: a skipped suite's body still runs, and must not need the database.
  let sql: postgres.Sql;
  let dir: string;
  beforeAll(() => {
    sql = connectTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'candlestream-import-'));
  });
  afterAll(async () => {
    await sql`delete from public.live_candles_1m where symbol in ${sql(SYMBOLS)}`;
    await sql`delete from public.stream_status where symbol in ${sql(SYMBOLS)}`;
    await sql.end();
    rmSync(dir, { recursive: true, force: true });
  });

  describeWithBinanceWeek('with the real fixture week', () => {
    let rows: DumpRow[];
    let first: ImportResult;

    beforeAll(async () => {
      rows = readBinanceWeek();
      first = await importDump({ sql, csvPath: binanceWeekCsv, symbol: WEEK_MS });
    });

    it('accepts all 10,080 candles of the millisecond file', () => {
      expect(first).toEqual({ lines: 10_080, candles: 10_080, malformed: [], accepted: 10_080, stale: 0, rejected: 0, unit: 'ms' });
    });

    it('stores the first open and the last close exactly as the file says', async () => {
      const [edges] = await sql`
        select (select "timestamp" from public.live_candles_1m where symbol = ${WEEK_MS} order by "timestamp" limit 1) as first_at,
               (select "open" = ${rows[0]!.open}::numeric from public.live_candles_1m where symbol = ${WEEK_MS} order by "timestamp" limit 1) as open_exact,
               (select "timestamp" from public.live_candles_1m where symbol = ${WEEK_MS} order by "timestamp" desc limit 1) as last_at,
               (select "close" = ${rows.at(-1)!.close}::numeric from public.live_candles_1m where symbol = ${WEEK_MS} order by "timestamp" desc limit 1) as close_exact`;
      expect((edges!.first_at as Date).getTime()).toBe(rows[0]!.openTime);
      expect((edges!.last_at as Date).getTime()).toBe(rows.at(-1)!.openTime);
      expect(edges!.open_exact).toBe(true);
      expect(edges!.close_exact).toBe(true);
    });

    it('counts every candle of a second import as stale', async () => {
      const second = await importDump({ sql, csvPath: binanceWeekCsv, symbol: WEEK_MS, batchSize: 5000 });
      expect(second).toMatchObject({ candles: 10_080, accepted: 0, stale: 10_080, rejected: 0 });
      const [status] = await sql`select accepted_count, stale_count from public.stream_status where source = 'import' and symbol = ${WEEK_MS}`;
      expect(status).toEqual({ accepted_count: '10080', stale_count: '10080' });
    });

    it('stores the same table from the file rewritten with microsecond timestamps', async () => {
      const usPath = join(dir, 'week-us.csv');
      writeFileSync(usPath, rows.map((r) => `${r.openTime * 1000},${r.open},${r.high},${r.low},${r.close},${r.volume},${r.closeTime * 1000 + 999},${r.quoteVolume},${r.trades},0,0,0\n`).join(''));
      const result = await importDump({ sql, csvPath: usPath, symbol: WEEK_US });
      expect(result).toMatchObject({ candles: 10_080, accepted: 10_080, unit: 'us', malformed: [] });
      const [fromMs, fromUs] = await Promise.all([storedCandles(sql, WEEK_MS), storedCandles(sql, WEEK_US)]);
      expect(fromUs).toHaveLength(10_080);
      expect(fromUs).toEqual(fromMs);
    });
  });

  it('reports malformed lines by number and imports the rest', async () => {
    const path = join(dir, 'with-malformed.csv');
    writeFileSync(path, [
      HEADER,
      candleLine(T0),
      candleLine(T0 + 60_000),
      `${T0 + 120_000},abc,1,1,1,1,${T0 + 179_999},1,1`,
      candleLine(T0 + 180_000),
      '',
      'garbage',
      `${T0 + 240_000},100,101,99,100.5,2,${T0 + 539_999},200,3`,
      candleLine(T0 + 300_000),
    ].join('\n') + '\n');
    const reported: number[] = [];
    const result = await importDump({ sql, csvPath: path, symbol: SMALL, batchSize: 2, onMalformed: (m) => reported.push(m.line) });
    expect(result).toMatchObject({ lines: 9, candles: 4, accepted: 4, stale: 0, rejected: 0, unit: 'ms' });
    expect(result.malformed.map((m) => m.line)).toEqual([4, 7, 8]);
    expect(result.malformed[0]!.reason).toContain('"abc"');
    expect(result.malformed[2]!.reason).toContain('not a 1-minute candle');
    expect(reported).toEqual([4, 7, 8]);
    const stored = await sql`select "timestamp" from public.live_candles_1m where symbol = ${SMALL} order by "timestamp"`;
    expect(stored.map((r) => (r.timestamp as Date).getTime())).toEqual([T0, T0 + 60_000, T0 + 180_000, T0 + 300_000]);
  });

  it('takes the symbol from the file name and detects microseconds after a header', async () => {
    const path = join(dir, `${NAMED}-1m-2025-08.csv`);
    writeFileSync(path, `${HEADER}\n${candleLine(T0, 'us')}\n${candleLine(T0 + 60_000, 'us')}\n`);
    const result = await importDump({ sql, csvPath: path });
    expect(result).toMatchObject({ candles: 2, accepted: 2, unit: 'us' });
    const [row] = await sql`select count(*)::int as n, min("timestamp") as first from public.live_candles_1m where symbol = ${NAMED}`;
    expect(row).toEqual({ n: 2, first: new Date(T0) });
  });

  it('reports progress no more often than its interval', async () => {
    const path = join(dir, 'progress.csv');
    writeFileSync(path, [0, 1, 2].map((i) => candleLine(T0 + i * 60_000)).join('\n') + '\n');
    const everyLine: ImportProgress[] = [];
    await importDump({ sql, csvPath: path, symbol: SMALL, progressIntervalMs: 0, onProgress: (p) => everyLine.push(p) });
    expect(everyLine.map((p) => p.lines)).toEqual([1, 2, 3]);
    expect(everyLine.at(-1)!.bytesRead).toBe(everyLine.at(-1)!.totalBytes);
    const throttled: ImportProgress[] = [];
    await importDump({ sql, csvPath: path, symbol: SMALL, progressIntervalMs: 60_000, onProgress: (p) => throttled.push(p) });
    expect(throttled).toEqual([]);
  });

  it('leaves the connection it borrowed without the import source name', async () => {
    const single = postgres(testDatabaseUrl!, { max: 1, onnotice: () => {} });
    try {
      const path = join(dir, 'source.csv');
      writeFileSync(path, `${candleLine(T0)}\n`);
      await importDump({ sql: single, csvPath: path, symbol: SMALL });
      const [row] = await single`select coalesce(current_setting('candlestream.source', true), '') as source`;
      expect(row!.source).toBe('');
      const [status] = await sql`select 1 from public.stream_status where source = 'import' and symbol = ${SMALL}`;
      expect(status).toBeDefined();
    } finally {
      await single.end();
    }
  });

  it('refuses a file that does not exist', async () => {
    await expect(importDump({ sql, csvPath: join(dir, 'absent.csv'), symbol: SMALL }))
      .rejects.toMatchObject({ code: 'DUMP_NOT_FOUND', exitCode: 2 });
  });
});

/** A well-formed dump line for the minute opening at openMs. */
function candleLine(openMs: number, unit: 'ms' | 'us' = 'ms'): string {
  const [open, close] = unit === 'ms' ? [openMs, openMs + 59_999] : [openMs * 1000, openMs * 1000 + 59_999_999];
  return `${open},100.25,101.5,99.75,100.5,1.25,${close},125.5,7,0.5,50.1,0`;
}

async function storedCandles(sql: postgres.Sql, symbol: string) {
  return [...await sql`
    select "timestamp", "open"::text, high::text, low::text, "close"::text, volume::text, quote_volume::text,
           trades, is_closed, event_time
    from public.live_candles_1m where symbol = ${symbol} order by "timestamp"`];
}
