import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binanceWeekCsv, describeWithBinanceWeek } from '../../tests/support/fixtures.ts';
import { compareDecimal } from '../decimal.ts';
import { createReplaySource, loadReplayDump, symbolFromDumpName } from './replay-source.ts';

// The first three minutes of the fixture week, in the dump's own millisecond form.
const MS_LINES = [
  '1754006400000,115764.07,115764.08,115704.78,115729.0,11.87539,1754006459999,1374354.6403012,1421,3.66465,424075.0494376,0',
  '1754006460000,115729.0,115747.81,115714.37,115738.75,7.52711,1754006519999,871111.893893,1184,4.35419,503902.6286259,0',
  '1754006520000,115738.75,115747.8,115678.75,115706.01,16.2354,1754006579999,1878774.8511629,1957,4.90416,567457.73021,0',
];
const US_LINES = MS_LINES.map((line) => line.replace(/^(\d+),(.*?),(\d+),/, (_m, open: string, middle: string, close: string) => `${open}000,${middle},${close}999,`));

const dir = mkdtempSync(join(tmpdir(), 'candlestream-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeDump(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The row a final update stands for, written as the dump writes it (first 11 fields). */
function dumpRow(openTime: number, u: { open: string; high: string; low: string; close: string; volume: string; quoteVolume: string; trades: number; takerBuyVolume: string; takerBuyQuoteVolume: string }): string {
  return [openTime, u.open, u.high, u.low, u.close, u.volume, openTime + 59_999, u.quoteVolume, u.trades, u.takerBuyVolume, u.takerBuyQuoteVolume].join(',');
}

describeWithBinanceWeek('replaying the fixture week', () => {
  it('ends each of the first 100 minutes with the dump row, byte for byte', () => {
    const lines = readFileSync(binanceWeekCsv, 'utf8').split('\n').slice(0, 100);
    const source = createReplaySource(loadReplayDump(binanceWeekCsv), 1);
    for (const line of lines) {
      const path = source.nextMinute()!;
      expect(dumpRow(path.openTime, path.updates.at(-1)!)).toBe(line.split(',').slice(0, 11).join(','));
    }
  });

  it('never leaves the candle\'s range and never shrinks volume or trades within a minute', () => {
    const source = createReplaySource(loadReplayDump(binanceWeekCsv), 1);
    const problems: string[] = [];
    for (let minute = 0; minute < 100; minute++) {
      const path = source.nextMinute()!;
      const final = path.updates.at(-1)!;
      path.updates.forEach((u, i) => {
        const previous = path.updates[i - 1];
        if (compareDecimal(u.high, final.high) > 0 || compareDecimal(u.low, final.low) < 0) problems.push(`${path.openTime}/${i} outside range`);
        if (previous && (compareDecimal(u.volume, previous.volume) < 0 || u.trades < previous.trades)) problems.push(`${path.openTime}/${i} shrank`);
      });
    }
    expect(problems).toEqual([]);
  });
});

describe('loadReplayDump', () => {
  it('reads a microsecond dump as the same candles as its millisecond original', () => {
    const ms = loadReplayDump(writeDump('BTCUSDT-1m-ms.csv', MS_LINES));
    const us = loadReplayDump(writeDump('BTCUSDT-1m-us.csv', US_LINES));
    expect(ms.unit).toBe('ms');
    expect(us.unit).toBe('us');
    expect(us.candles).toEqual(ms.candles);
    expect(ms.candles[0]).toMatchObject({ openTime: 1754006400000, closeTime: 1754006459999, close: '115729.0' });
  });

  it('replays the same updates from either form', () => {
    const fromMs = createReplaySource(loadReplayDump(writeDump('BTCUSDT-1m-a.csv', MS_LINES)), 3);
    const fromUs = createReplaySource(loadReplayDump(writeDump('BTCUSDT-1m-b.csv', US_LINES)), 3);
    for (let i = 0; i < MS_LINES.length; i++) expect(fromUs.nextMinute()).toEqual(fromMs.nextMinute());
    expect(fromMs.nextMinute()).toBeUndefined();
  });

  it('skips a header line', () => {
    const header = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
    expect(loadReplayDump(writeDump('ETHUSDT-1m-h.csv', [header, ...MS_LINES])).candles).toHaveLength(3);
  });

  it('takes the symbol from the file name, or from the caller', () => {
    expect(loadReplayDump(writeDump('ETHUSDT-1m-2025-08.csv', MS_LINES)).symbol).toBe('ETHUSDT');
    expect(loadReplayDump(writeDump('dump.csv', MS_LINES), 'solusdt').symbol).toBe('SOLUSDT');
  });

  it.each([
    ['a name without a symbol prefix', 'dump.csv', MS_LINES, 'REPLAY_SYMBOL_UNKNOWN'],
    ['a malformed line', 'BTCUSDT-1m-bad.csv', [MS_LINES[0]!, '1754006460000,abc'], 'REPLAY_INVALID'],
    ['a 5-minute dump', 'BTCUSDT-5m-x.csv', ['1754006400000,1,1,1,1,1,1754006699999,1,1'], 'REPLAY_INVALID'],
    ['candles out of order', 'BTCUSDT-1m-order.csv', [MS_LINES[1]!, MS_LINES[0]!], 'REPLAY_INVALID'],
    ['a close outside low..high', 'BTCUSDT-1m-range.csv', ['1754006400000,10,12,9,13,1,1754006459999,1,1'], 'REPLAY_INVALID'],
    ['no candles', 'BTCUSDT-1m-empty.csv', [''], 'REPLAY_EMPTY'],
  ])('refuses %s', (_what, name, lines, code) => {
    expect(() => loadReplayDump(writeDump(name, lines))).toThrow(expect.objectContaining({ code, exitCode: 2 }));
  });

  it('refuses a file it cannot read', () => {
    expect(() => loadReplayDump(join(dir, 'BTCUSDT-1m-missing.csv'))).toThrow(expect.objectContaining({ code: 'REPLAY_FILE_UNREADABLE' }));
  });
});

describe('symbolFromDumpName', () => {
  it('takes the prefix before the first dash', () => {
    expect(symbolFromDumpName('/data/BTCUSDT-1m-2025-08-01_07.csv')).toBe('BTCUSDT');
    expect(symbolFromDumpName('/data/-1m.csv')).toBeUndefined();
    expect(symbolFromDumpName('/data/btc usdt-1m.csv')).toBeUndefined();
  });
});
