// npm run import -- <csv> [--symbol S] [--batch N] — loads a Binance kline dump into the database.
import { existsSync } from 'node:fs';
import postgres from 'postgres';
import { LocalStackError } from '../local/errors.ts';
import { redact } from '../local/database.ts';
import {
  checkBatchSize, DEFAULT_BATCH_SIZE, formatMalformed, formatProgress, formatSummary, importDump, resolveSymbol,
} from '../local/importer.ts';
import { parseCli, runMain } from './cli.ts';

const USAGE = `usage: npm run import -- <csv> [--symbol SYMBOL] [--batch N]

Loads a Binance 1m kline dump (e.g. BTCUSDT-1m-2025-08.csv; millisecond or microsecond timestamps)
through public.ingest_klines as source "import". Malformed lines are reported and skipped.
  --symbol SYMBOL  the symbol to store the candles under (default: the file name before its first '-')
  --batch N        events per ingest call, 1 to 5000 (default ${DEFAULT_BATCH_SIZE})
Database: DATABASE_URL when set, else the local cluster of npm run db:up on DB_PORT (default 54322).`;

/** Malformed lines beyond this many are counted but not printed: a wrong file would flood the terminal. */
const MALFORMED_SHOWN = 100;

const { values, positionals } = parseCli(USAGE, { symbol: { type: 'string' }, batch: { type: 'string' } }, true);
const [csvPath, ...extra] = positionals;
if (csvPath === undefined) exitWithUsage('missing the dump file to import');
if (extra.length > 0) exitWithUsage(`unexpected argument "${extra[0]}": one dump file at a time`);
if (!existsSync(csvPath)) exitWithUsage(`no such file: ${csvPath}`);
if (values.batch !== undefined && !/^\d+$/.test(values.batch)) exitWithUsage(`--batch "${values.batch}" is not a whole number`);
const { symbol, batchSize } = checkArguments(csvPath, values.symbol, values.batch);

runMain(async () => {
  const sql = await connect(databaseUrl());
  const stderr = createStderrReporter();
  let malformedCount = 0;
  try {
    const result = await importDump({
      sql, csvPath, symbol, batchSize,
      onProgress: (progress) => stderr.progress(formatProgress(progress)),
      onMalformed: (malformed) => {
        malformedCount += 1;
        if (malformedCount <= MALFORMED_SHOWN) stderr.line(formatMalformed(csvPath, malformed));
        if (malformedCount === MALFORMED_SHOWN + 1) stderr.line(`import: further malformed lines are counted but not shown`);
      },
    });
    stderr.done();
    console.log(formatSummary(csvPath, result));
  } finally {
    await sql.end({ timeout: 5 });
  }
});

function databaseUrl(): string {
  return process.env.DATABASE_URL || `postgresql://postgres:postgres@127.0.0.1:${process.env.DB_PORT || '54322'}/postgres`;
}

/** Connects and checks the database is migrated, so a missing server is named before any reading. */
async function connect(url: string): Promise<postgres.Sql> {
  const sql = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => {} });
  let migrated: boolean;
  try {
    const [row] = await sql<{ migrated: boolean }[]>`select to_regprocedure('public.ingest_klines(jsonb)') is not null as migrated`;
    migrated = row?.migrated === true;
  } catch (error) {
    await sql.end({ timeout: 0 });
    throw new LocalStackError('DATABASE_UNREACHABLE',
      `cannot connect to ${redact(url)}: ${(error as Error).message}; start the local database with npm run db:up, or set DATABASE_URL`);
  }
  if (!migrated) {
    await sql.end({ timeout: 0 });
    throw new LocalStackError('DATABASE_NOT_MIGRATED', `${redact(url)} has no public.ingest_klines(jsonb); migrate it with npm run db:up`);
  }
  return sql;
}

/** Symbol and batch size, validated before connecting; a bad one prints usage and exits 2. */
function checkArguments(path: string, symbolOption: string | undefined, batchOption: string | undefined) {
  try {
    return { symbol: resolveSymbol(path, symbolOption), batchSize: checkBatchSize(Number(batchOption ?? DEFAULT_BATCH_SIZE)) };
  } catch (error) {
    if (!(error instanceof LocalStackError)) throw error;
    return exitWithUsage(`error [${error.code}]: ${error.message}`);
  }
}

function exitWithUsage(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

/** Writes to stderr; on a terminal the progress line is rewritten in place, elsewhere one line each. */
function createStderrReporter() {
  const inPlace = process.stderr.isTTY === true;
  let pending = false;
  const clear = () => {
    if (pending) process.stderr.write('\r\x1b[K');
    pending = false;
  };
  return {
    progress(text: string) {
      if (!inPlace) return void process.stderr.write(`${text}\n`);
      process.stderr.write(`\r\x1b[K${text}`);
      pending = true;
    },
    line(text: string) {
      clear();
      process.stderr.write(`${text}\n`);
    },
    done: clear,
  };
}
