// The shared fixtures (a week of real Binance BTCUSDT 1m klines), found at ../shared/fixtures relative
// to the project root. The product never needs them; tests that do skip with a message where absent.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { projectRoot } from '../../local/paths.ts';
import { parseDumpLine, type DumpCandle } from '../../supabase/functions/_shared/kline-dump.ts';

export const binanceWeekCsv = join(projectRoot, '..', 'shared', 'fixtures', 'binance', 'BTCUSDT-1m-2025-08-01_07.csv');
export const hasBinanceWeek = existsSync(binanceWeekCsv);

if (!hasBinanceWeek) console.warn(`fixture ${binanceWeekCsv} is absent: fixture tests are skipped`);

export const describeWithBinanceWeek = hasBinanceWeek ? describe : describe.skip;

/** One candle of the fixture week, as the product's own dump reader parses it. */
export type DumpRow = DumpCandle;

/** Reads the fixture week (millisecond timestamps, no header) with the product's dump reader. */
export function readBinanceWeek(): DumpRow[] {
  return readFileSync(binanceWeekCsv, 'utf8')
    .split('\n')
    .map((line) => parseDumpLine(line, 'ms'))
    .flatMap((parsed) => (parsed.kind === 'candle' ? [parsed.candle] : []));
}
