import { describe, expect, it } from 'vitest';
import { parseCandleQuery } from './candle-query.ts';

const parse = (query: string) => parseCandleQuery(new URLSearchParams(query));

describe('parseCandleQuery', () => {
  it('reads a full query, upper-casing the symbol', () => {
    expect(parse('symbol=btcusdt&interval=15m&since=2026-11-25T12:00:00Z&limit=10')).toEqual({
      ok: true,
      request: { symbol: 'BTCUSDT', interval: '15m', since: Date.UTC(2026, 10, 25, 12), limit: 10 },
    });
  });

  it('defaults to 1m, no since and 1,440 candles; accepts since in epoch ms', () => {
    expect(parse('symbol=BTCUSDT')).toMatchObject({ request: { interval: '1m', since: null, limit: 1440 } });
    expect(parse('symbol=BTCUSDT&since=1764072000000')).toMatchObject({ request: { since: 1764072000000 } });
  });

  it('answers each bad parameter with its code', () => {
    expect(parse('')).toMatchObject({ ok: false, error: { code: 'INVALID_SYMBOL' } });
    expect(parse('symbol=BTC%25')).toMatchObject({ ok: false, error: { code: 'INVALID_SYMBOL' } });
    expect(parse('symbol=BTCUSDT&interval=4h')).toMatchObject({ ok: false, error: { code: 'INVALID_INTERVAL' } });
    expect(parse('symbol=BTCUSDT&since=yesterday')).toMatchObject({ ok: false, error: { code: 'INVALID_SINCE' } });
    expect(parse('symbol=BTCUSDT&limit=0')).toMatchObject({ ok: false, error: { code: 'INVALID_LIMIT' } });
    expect(parse('symbol=BTCUSDT&limit=10001')).toMatchObject({ ok: false, error: { code: 'INVALID_LIMIT' } });
  });
});
