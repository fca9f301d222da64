// Replay of a Binance kline dump (ms or µs timestamps, detected per file): the dump's candles, each
// expanded into per-second updates that end exactly at the dump's row.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { detectTimeUnit, parseDumpLine, rawOpenTime, type DumpCandle, type TimeUnit } from '../../supabase/functions/_shared/kline-dump.ts';
import { LocalStackError } from '../errors.ts';
import { compareDecimal } from '../decimal.ts';
import { buildMinutePath, type CandleSource, type MinutePath } from './minute-path.ts';
import { createRandom, mixSeed } from './random.ts';

const SYMBOL = /^[A-Z0-9]{2,20}$/;

export interface ReplayDump {
  symbol: string;
  unit: TimeUnit;
  /** Oldest first, 1-minute candles, times in epoch ms. */
  candles: DumpCandle[];
}

/** Reads and checks a dump; the symbol is `symbol` or the file name's prefix (BTCUSDT-1m-... → BTCUSDT). */
export function loadReplayDump(csvPath: string, symbol?: string): ReplayDump {
  const name = symbol === undefined ? symbolFromDumpName(csvPath) : symbol.toUpperCase();
  if (symbol !== undefined && !SYMBOL.test(name ?? '')) {
    throw new LocalStackError('REPLAY_SYMBOL_INVALID', `replay symbol "${symbol}" is not a symbol like BTCUSDT`, 2);
  }
  if (!name) {
    throw new LocalStackError('REPLAY_SYMBOL_UNKNOWN', `cannot tell the symbol of "${basename(csvPath)}" (expected a name like BTCUSDT-1m-2025-08.csv); name it explicitly`, 2);
  }
  let text: string;
  try {
    text = readFileSync(csvPath, 'utf8');
  } catch (error) {
    throw new LocalStackError('REPLAY_FILE_UNREADABLE', `cannot read replay file "${csvPath}": ${(error as Error).message}`, 2);
  }
  const { unit, candles } = parseDump(text, csvPath);
  return { symbol: name, unit, candles };
}

/** The dump's minutes one after another; intra-minute paths are seeded by seed, symbol and minute. */
export function createReplaySource(dump: ReplayDump, seed: number): CandleSource {
  let next = 0;
  return {
    symbol: dump.symbol,
    nextMinute(): MinutePath | undefined {
      const candle = dump.candles[next++];
      if (!candle) return undefined;
      const { openTime, closeTime: _closeTime, ...values } = candle;
      return { openTime, updates: buildMinutePath(values, createRandom(mixSeed(seed, dump.symbol, openTime))) };
    },
  };
}

/** BTCUSDT-1m-2025-08-01.csv → BTCUSDT; undefined when the name has no such prefix. */
export function symbolFromDumpName(csvPath: string): string | undefined {
  const name = basename(csvPath);
  const dash = name.indexOf('-');
  const prefix = dash > 0 ? name.slice(0, dash).toUpperCase() : '';
  return SYMBOL.test(prefix) ? prefix : undefined;
}

function parseDump(text: string, csvPath: string): { unit: TimeUnit; candles: DumpCandle[] } {
  const lines = text.split('\n');
  const first = lines.map(rawOpenTime).find((time) => time !== undefined);
  const unit = detectTimeUnit(first ?? 0);
  const candles: DumpCandle[] = [];
  lines.forEach((line, index) => {
    const parsed = parseDumpLine(line, unit);
    if (parsed.kind === 'malformed') throw invalidDump(csvPath, index, parsed.reason);
    if (parsed.kind !== 'candle') return;
    checkCandle(parsed.candle, candles.at(-1), csvPath, index);
    candles.push(parsed.candle);
  });
  if (candles.length === 0) throw new LocalStackError('REPLAY_EMPTY', `replay file "${csvPath}" has no candles`, 2);
  return { unit, candles };
}

function checkCandle(candle: DumpCandle, previous: DumpCandle | undefined, csvPath: string, index: number): void {
  if (candle.openTime % 60_000 !== 0 || candle.closeTime !== candle.openTime + 59_999) {
    throw invalidDump(csvPath, index, `open time ${candle.openTime} and close time ${candle.closeTime} are not one aligned minute (a 1m dump is needed)`);
  }
  if (previous && candle.openTime <= previous.openTime) {
    throw invalidDump(csvPath, index, `open time ${candle.openTime} does not follow ${previous.openTime}`);
  }
  const { open, high, low, close } = candle;
  const inside = (price: string) => compareDecimal(low, price) <= 0 && compareDecimal(price, high) <= 0;
  if (!inside(open) || !inside(close)) {
    throw invalidDump(csvPath, index, `o=${candle.open} h=${candle.high} l=${candle.low} c=${candle.close} has open or close outside low..high`);
  }
}

function invalidDump(csvPath: string, index: number, reason: string): LocalStackError {
  return new LocalStackError('REPLAY_INVALID', `line ${index + 1} of replay file "${csvPath}": ${reason}`, 2);
}
