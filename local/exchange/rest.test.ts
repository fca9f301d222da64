import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKlineEvent, type KlineEvent } from '../../supabase/functions/_shared/kline-event.ts';
import type { FaultRequest } from './faults.ts';
import { createRestHandler, klineRow, parseKlinesQuery, selectKlines, type KlinesQuery } from './rest.ts';

const START = Date.UTC(2025, 7, 1, 0, 0);
const SYMBOLS = ['BTCUSDT'];

/** Ten minutes of history, the last one still open. */
const HISTORY: KlineEvent[] = Array.from({ length: 10 }, (_, i) => buildKlineEvent({
  symbol: 'BTCUSDT', openTime: START + i * 60_000, eventTime: START + i * 60_000 + (i < 9 ? 59_999 : 7_000),
  open: `${100 + i}.5`, high: `${102 + i}.25`, low: `${99 + i}.0`, close: `${101 + i}.75`, volume: `${i}.12345`,
  quoteVolume: `${i * 100}.5`, trades: 10 + i, closed: i < 9, takerBuyVolume: '0.5', takerBuyQuoteVolume: '50.25',
}));

const query = (overrides: Partial<KlinesQuery>): KlinesQuery => ({ symbol: 'BTCUSDT', startTime: undefined, endTime: undefined, limit: 500, ...overrides });
const openTimes = (events: readonly KlineEvent[]) => events.map((e) => (e.k.t - START) / 60_000);

describe('parseKlinesQuery', () => {
  it('reads symbol, interval, times and limit, with limit 500 by default', () => {
    const params = new URLSearchParams({ symbol: 'BTCUSDT', interval: '1m', startTime: String(START) });
    expect(parseKlinesQuery(params, SYMBOLS)).toEqual({ ok: true, query: query({ startTime: START }) });
  });

  it.each([
    ['a missing symbol', 'interval=1m', -1102],
    ['a missing interval', 'symbol=BTCUSDT', -1102],
    ['an interval other than 1m', 'symbol=BTCUSDT&interval=5m', -1120],
    ['an unknown symbol', 'symbol=DOGEUSDT&interval=1m', -1121],
    ['a lowercase symbol', 'symbol=btcusdt&interval=1m', -1121],
    ['a limit above 1000', 'symbol=BTCUSDT&interval=1m&limit=1001', -1130],
    ['a zero limit', 'symbol=BTCUSDT&interval=1m&limit=0', -1130],
    ['a non-numeric startTime', 'symbol=BTCUSDT&interval=1m&startTime=yesterday', -1100],
    ['startTime after endTime', `symbol=BTCUSDT&interval=1m&startTime=${START + 1}&endTime=${START}`, -1023],
  ])('refuses %s with Binance code %i', (_what, search, code) => {
    expect(parseKlinesQuery(new URLSearchParams(search), SYMBOLS)).toMatchObject({ ok: false, error: { code } });
  });
});

describe('selectKlines', () => {
  it('without times gives the latest limit candles, the open one included', () => {
    expect(openTimes(selectKlines(HISTORY, query({ limit: 3 })))).toEqual([7, 8, 9]);
  });

  it('from startTime gives candles opening at or after it', () => {
    expect(openTimes(selectKlines(HISTORY, query({ startTime: START + 2 * 60_000, limit: 3 })))).toEqual([2, 3, 4]);
    expect(openTimes(selectKlines(HISTORY, query({ startTime: START + 2 * 60_000 + 1, limit: 3 })))).toEqual([3, 4, 5]);
  });

  it('stops at endTime', () => {
    expect(openTimes(selectKlines(HISTORY, query({ startTime: START, endTime: START + 2 * 60_000 })))).toEqual([0, 1, 2]);
    expect(openTimes(selectKlines(HISTORY, query({ endTime: START + 5 * 60_000, limit: 2 })))).toEqual([4, 5]);
  });

  it('gives nothing past the end of history', () => {
    expect(selectKlines(HISTORY, query({ startTime: START + 60 * 60_000 }))).toEqual([]);
  });
});

describe('klineRow', () => {
  it('writes Binance\'s row: times as numbers, prices and volumes as the emitted strings', () => {
    expect(klineRow(HISTORY[1]!)).toEqual([START + 60_000, '101.5', '103.25', '100.0', '102.75', '1.12345', START + 119_999, '100.5', 11, '0.5', '50.25', '0']);
  });
});

describe('createRestHandler', () => {
  const applied: FaultRequest[] = [];
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer(createRestHandler({
      symbols: SYMBOLS,
      history: (symbol) => (symbol === 'BTCUSDT' ? HISTORY : undefined),
      status: () => ({ symbols: SYMBOLS, speed: 1, simulatedNow: START, source: 'synthetic', start: START, ended: false, clients: 0 }),
      applyFault: (fault) => applied.push(fault),
    }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers the spot and futures klines paths alike', async () => {
    for (const path of ['/api/v3/klines', '/fapi/v1/klines']) {
      const response = await fetch(`${base}${path}?symbol=BTCUSDT&interval=1m&limit=2`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(HISTORY.slice(-2).map(klineRow));
    }
  });

  it('answers a bad klines query with 400 and Binance\'s error body', async () => {
    const response = await fetch(`${base}/api/v3/klines?symbol=BTCUSDT&interval=1h`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: -1120, msg: 'Invalid interval.' });
  });

  it('answers the status endpoint', async () => {
    expect(await (await fetch(`${base}/_sim/status`)).json()).toMatchObject({ symbols: SYMBOLS, source: 'synthetic' });
  });

  it('applies a valid fault and refuses an invalid one with INVALID_FAULT', async () => {
    const ok = await fetch(`${base}/_sim/faults`, { method: 'POST', body: '{"kind":"reorder","count":2}' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true });
    expect(applied).toEqual([{ kind: 'reorder', count: 2 }]);
    for (const body of ['{"kind":"nope"}', 'not json', '{"kind":"stall"}']) {
      const bad = await fetch(`${base}/_sim/faults`, { method: 'POST', body });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'INVALID_FAULT' });
    }
    expect(applied).toHaveLength(1);
  });

  it('answers unknown paths and methods with 404', async () => {
    expect((await fetch(`${base}/api/v3/depth`)).status).toBe(404);
    expect((await fetch(`${base}/klines?symbol=BTCUSDT&interval=1m`)).status).toBe(404);
    expect((await fetch(`${base}/api/v3/klines?symbol=BTCUSDT&interval=1m`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base}/_sim/faults`)).status).toBe(404);
  });
});
