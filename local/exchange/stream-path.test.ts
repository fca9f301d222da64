import { describe, expect, it } from 'vitest';
import { klineStreamName, parseStreamPath } from './stream-path.ts';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];

describe('parseStreamPath', () => {
  it('reads a raw stream at /ws/<stream>', () => {
    expect(parseStreamPath('/ws/btcusdt@kline_1m', SYMBOLS)).toEqual({ ok: true, request: { combined: false, symbols: new Set(['BTCUSDT']) } });
  });

  it('reads several raw streams separated by slashes', () => {
    expect(parseStreamPath('/ws/btcusdt@kline_1m/ethusdt@kline_1m', SYMBOLS)).toMatchObject({ ok: true, request: { symbols: new Set(SYMBOLS) } });
  });

  it('reads a combined stream at /stream?streams=a/b', () => {
    expect(parseStreamPath('/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m', SYMBOLS)).toEqual({ ok: true, request: { combined: true, symbols: new Set(SYMBOLS) } });
  });

  it.each([
    ['an unknown symbol', '/ws/dogeusdt@kline_1m'],
    ['another interval', '/ws/btcusdt@kline_5m'],
    ['another stream type', '/ws/btcusdt@trade'],
    ['an uppercase stream name', '/ws/BTCUSDT@kline_1m'],
    ['a combined stream without streams', '/stream'],
    ['another path', '/realtime'],
    ['a bare /ws', '/ws'],
  ])('refuses %s', (_what, url) => {
    expect(parseStreamPath(url, SYMBOLS)).toMatchObject({ ok: false, error: { code: 'INVALID_STREAM' } });
  });
});

describe('klineStreamName', () => {
  it('lowercases the symbol', () => {
    expect(klineStreamName('BTCUSDT')).toBe('btcusdt@kline_1m');
  });
});
