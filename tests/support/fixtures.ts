// The shared fixtures (a week of real Binance BTCUSDT 1m klines), found at ../shared/fixtures relative
// to the project root. The product never needs them; tests that do skip with a message where absent.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { projectRoot } from '../../local/paths.ts';

export const binanceWeekCsv = join(projectRoot, '..', 'shared', 'fixtures', 'binance', 'BTCUSDT-1m-2025-08-01_07.csv');
export const hasBinanceWeek = existsSync(binanceWeekCsv);

if (!hasBinanceWeek) console.warn(`fixture ${binanceWeekCsv} is absent: fixture tests are skipped`);

export const describeWithBinanceWeek = hasBinanceWeek ? describe : describe.skip;

/** One row of a Binance kline dump, prices kept as the exchange's decimal strings. */
export interface DumpRow {
  openTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  closeTime: number;
  quoteVolume: string;
  trades: number;
}

/** Reads the fixture week (millisecond timestamps, no header). */
export function readBinanceWeek(): DumpRow[] {
  return readFileSync(binanceWeekCsv, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const f = line.split(',');
      return {
        openTime: Number(f[0]), open: f[1]!, high: f[2]!, low: f[3]!, close: f[4]!, volume: f[5]!,
        closeTime: Number(f[6]), quoteVolume: f[7]!, trades: Number(f[8]),
      };
    });
}
