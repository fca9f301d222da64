import { describe, expect, it } from 'vitest';
import { detectTimeUnit, parseDumpLine, rawOpenTime } from './kline-dump.ts';

const MS_LINE = '1754006400000,115764.07,115764.08,115704.78,115729.0,11.87539,1754006459999,1374354.6403012,1421,3.66465,424075.0494376,0';
const US_LINE = '1754006400000000,115764.07,115764.08,115704.78,115729.0,11.87539,1754006459999999,1374354.6403012,1421,3.66465,424075.0494376,0';

describe('detectTimeUnit', () => {
  it('reads 13-digit open times as milliseconds and 16-digit ones as microseconds', () => {
    expect(detectTimeUnit(rawOpenTime(MS_LINE)!)).toBe('ms');
    expect(detectTimeUnit(rawOpenTime(US_LINE)!)).toBe('us');
  });
});

describe('parseDumpLine', () => {
  it('gives the same candle for a millisecond and a microsecond line', () => {
    const fromMs = parseDumpLine(MS_LINE, 'ms');
    expect(fromMs).toEqual(parseDumpLine(US_LINE, 'us'));
    expect(fromMs).toMatchObject({ kind: 'candle', candle: { openTime: 1754006400000, closeTime: 1754006459999, open: '115764.07', close: '115729.0', trades: 1421 } });
  });

  it('recognises a header line and a blank line', () => {
    expect(parseDumpLine('open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore', 'ms')).toEqual({ kind: 'header' });
    expect(parseDumpLine('   ', 'ms')).toEqual({ kind: 'blank' });
  });

  it.each([
    ['1754006400000,115764.07', 'expected at least 9'],
    ['abc,1,1,1,1,1,1754006459999,1,1', 'open time "abc"'],
    ['1754006400000,1,1,1,NaN,1,1754006459999,1,1', 'close "NaN"'],
    ['1754006400000,1,1,1,1,1,1754006459999,1,1.5', 'trade count "1.5"'],
  ])('reports %s as malformed, naming the field', (line, reason) => {
    const parsed = parseDumpLine(line, 'ms');
    expect(parsed.kind).toBe('malformed');
    expect(parsed.kind === 'malformed' && parsed.reason).toContain(reason);
  });
});
