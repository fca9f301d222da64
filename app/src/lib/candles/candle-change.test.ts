import { describe, expect, it } from 'vitest';
import { parseCandleRow } from './candle-change.ts';

const row = {
  symbol: 'BTCUSDT',
  timestamp: '2026-11-25T12:00:00+00:00',
  open: 100,
  high: 110,
  low: 90,
  close: 105,
  volume: 1.5,
  quote_volume: 150,
  trades: 7,
  is_closed: false,
  event_time: '2026-11-25T12:00:01.5+00:00',
};

describe('parseCandleRow', () => {
  it('reads a Realtime record', () => {
    expect(parseCandleRow(row, 'BTCUSDT')).toEqual({
      time: Date.UTC(2026, 10, 25, 12),
      open: 100,
      high: 110,
      low: 90,
      close: 105,
      volume: 1.5,
      trades: 7,
      closed: false,
      eventTime: Date.UTC(2026, 10, 25, 12, 0, 1, 500),
    });
  });

  it('reads decimal strings and Postgres booleans', () => {
    const candle = parseCandleRow({ ...row, open: '100.5', close: '101.25', is_closed: 't' }, 'BTCUSDT');
    expect(candle).toMatchObject({ open: 100.5, close: 101.25, closed: true });
  });

  it('refuses another symbol’s row, a missing field and an impossible candle', () => {
    expect(parseCandleRow(row, 'ETHUSDT')).toBeNull();
    expect(parseCandleRow({ ...row, close: undefined }, 'BTCUSDT')).toBeNull();
    expect(parseCandleRow({ ...row, high: 95 }, 'BTCUSDT')).toBeNull();
    expect(parseCandleRow(null, 'BTCUSDT')).toBeNull();
  });
});
