import { describe, expect, it } from 'vitest';
import { backfillKlines, parseRestKlines, REST_PAGE_LIMIT, type BackfillOptions } from './backfill.ts';
import { MINUTE_MS, type KlineEvent } from './kline-event.ts';

const START = Date.UTC(2025, 7, 1, 0, 0);
const BASE_URL = 'https://rest.example.test';
const PATH = '/fapi/v1/klines';

type RestRow = [number, string, string, string, string, string, number, string, number, string, string, string];

/** Binance's REST row for minute `i` after START, with decimal strings a float would not keep. */
function restRow(i: number): RestRow {
  const openTime = START + i * MINUTE_MS;
  return [openTime, `${100 + i}.10`, `${101 + i}.2500`, `${99 + i}.00000001`, `${100 + i}.0`, '11.87539000',
    openTime + MINUTE_MS - 1, '1374354.6403012', 1421 + i, '3.66465', '424075.0494376', '0'];
}

/** A fetch answering like Binance's klines endpoint over `count` minutes of history, recording each URL. */
function fakeExchange(count: number) {
  const rows = Array.from({ length: count }, (_, i) => restRow(i));
  const urls: URL[] = [];
  const fetch = (input: string | URL | Request): Promise<Response> => {
    const url = new URL(String(input));
    urls.push(url);
    const startTime = Number(url.searchParams.get('startTime'));
    const limit = Number(url.searchParams.get('limit'));
    const page = rows.filter((row) => row[0] >= startTime).slice(0, limit);
    return Promise.resolve(new Response(JSON.stringify(page), { status: 200 }));
  };
  return { fetch: fetch as typeof globalThis.fetch, urls };
}

/** A fetch that answers every request with the same status and body. */
function fetchAnswering(status: number, body: string): typeof globalThis.fetch {
  return (() => Promise.resolve(new Response(body, { status }))) as typeof globalThis.fetch;
}

async function runBackfill(overrides: Partial<BackfillOptions> & Pick<BackfillOptions, 'fetch'>) {
  const pages: KlineEvent[][] = [];
  const handed = await backfillKlines({
    restBaseUrl: BASE_URL, restPath: PATH, symbol: 'BTCUSDT', fromOpenTime: START,
    onEvents: async (events) => { pages.push(events); }, ...overrides,
  });
  return { handed, pages, events: pages.flat() };
}

const minuteOf = (event: KlineEvent) => (event.k.t - START) / MINUTE_MS;

describe('backfillKlines', () => {
  it('hands on each row as the closed kline event Binance would send, with E at the close time and the decimals as given', async () => {
    const { events } = await runBackfill({ fetch: fakeExchange(3).fetch });
    expect(events[0]).toEqual({
      e: 'kline', E: START + MINUTE_MS - 1, s: 'BTCUSDT',
      k: {
        t: START, T: START + MINUTE_MS - 1, s: 'BTCUSDT', i: '1m', f: -1, L: -1,
        o: '100.10', c: '100.0', h: '101.2500', l: '99.00000001', v: '11.87539000', n: 1421, x: true,
        q: '1374354.6403012', V: '3.66465', Q: '424075.0494376', B: '0',
      },
    });
  });

  it('holds back the last row of the last page, since that minute may still be open', async () => {
    const { handed, events } = await runBackfill({ fetch: fakeExchange(3).fetch });
    expect(events.map(minuteOf)).toEqual([0, 1]);
    expect(handed).toBe(2);
  });

  it('asks for 1m klines of the symbol from fromOpenTime, 1,000 at a time, at restPath', async () => {
    const exchange = fakeExchange(3);
    await runBackfill({ fetch: exchange.fetch, fromOpenTime: START + 5 * MINUTE_MS, restPath: '/api/v3/klines' });
    expect(exchange.urls).toHaveLength(1);
    const url = exchange.urls[0]!;
    expect(`${url.origin}${url.pathname}`).toBe(`${BASE_URL}/api/v3/klines`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      symbol: 'BTCUSDT', interval: '1m', startTime: String(START + 5 * MINUTE_MS), limit: String(REST_PAGE_LIMIT),
    });
  });

  it('pages through 1,000 rows a call, each next page starting at the row held back from the last', async () => {
    const exchange = fakeExchange(2_500);
    const { handed, pages, events } = await runBackfill({ fetch: exchange.fetch });
    expect(exchange.urls.map((url) => (Number(url.searchParams.get('startTime')) - START) / MINUTE_MS)).toEqual([0, 999, 1_998]);
    expect(pages.map((page) => page.length)).toEqual([999, 999, 501]);
    expect(events.map(minuteOf)).toEqual(Array.from({ length: 2_499 }, (_, i) => i));
    expect(handed).toBe(2_499);
  });

  it('asks once more after a full last page and stops when only the held-back row comes back', async () => {
    const exchange = fakeExchange(REST_PAGE_LIMIT);
    const { handed, pages } = await runBackfill({ fetch: exchange.fetch });
    expect(exchange.urls).toHaveLength(2);
    expect(pages.map((page) => page.length)).toEqual([999]);
    expect(handed).toBe(999);
  });

  it('hands on nothing when the exchange has no rows, or only the open minute', async () => {
    for (const count of [0, 1]) {
      const { handed, pages } = await runBackfill({ fetch: fakeExchange(count).fetch });
      expect(pages).toEqual([]);
      expect(handed).toBe(0);
    }
  });

  it('waits for each page to be handed on before asking for the next', async () => {
    const exchange = fakeExchange(1_500);
    const fetchedWhenHanded: number[] = [];
    await runBackfill({
      fetch: exchange.fetch,
      onEvents: async () => {
        await Promise.resolve();
        fetchedWhenHanded.push(exchange.urls.length);
      },
    });
    expect(fetchedWhenHanded).toEqual([1, 2]);
  });

  it('passes its abort signal to fetch', async () => {
    const signals: (AbortSignal | null | undefined)[] = [];
    const controller = new AbortController();
    const fetch = ((_url: URL, init?: RequestInit) => {
      signals.push(init?.signal);
      return Promise.resolve(new Response('[]'));
    }) as typeof globalThis.fetch;
    await runBackfill({ fetch, signal: controller.signal });
    expect(signals).toEqual([controller.signal]);
  });

  it('throws with the URL when the exchange answers an error status', async () => {
    const failing = runBackfill({ fetch: fetchAnswering(429, '{"code":-1003,"msg":"Too many requests"}') });
    await expect(failing).rejects.toThrow(`${BASE_URL}${PATH}?symbol=BTCUSDT`);
  });

  it.each([
    ['a JSON object', '{"code":-1121,"msg":"Invalid symbol."}'],
    ['a body that is not JSON', '<html>502 Bad Gateway</html>'],
  ])('throws with the URL when the exchange answers %s instead of an array', async (_what, body) => {
    await expect(runBackfill({ fetch: fetchAnswering(200, body) })).rejects.toThrow(`${BASE_URL}${PATH}?symbol=BTCUSDT`);
  });
});

describe('parseRestKlines', () => {
  it('reads every field of a row, keeping prices and volumes as the exact strings sent', () => {
    expect(parseRestKlines(JSON.stringify([restRow(0)]), 'test')).toEqual([{
      openTime: START, open: '100.10', high: '101.2500', low: '99.00000001', close: '100.0', volume: '11.87539000',
      closeTime: START + MINUTE_MS - 1, quoteVolume: '1374354.6403012', trades: 1421,
      takerBuyVolume: '3.66465', takerBuyQuoteVolume: '424075.0494376',
    }]);
  });

  it('takes taker-buy volumes as 0 when a row stops after the trade count', () => {
    const [row] = parseRestKlines(JSON.stringify([restRow(0).slice(0, 9)]), 'test');
    expect(row).toMatchObject({ trades: 1421, takerBuyVolume: '0', takerBuyQuoteVolume: '0' });
  });

  it('reads an empty array as no rows', () => {
    expect(parseRestKlines('[]', 'test')).toEqual([]);
  });

  it.each([
    ['a row that is not an array', { openTime: START }],
    ['a row with fewer than 9 fields', restRow(0).slice(0, 8)],
    ['a row whose open time is a string', [String(START), ...restRow(0).slice(1)]],
    ['a row whose close time is missing', [...restRow(0).slice(0, 6), null, ...restRow(0).slice(7)]],
    ['a row whose trade count is a string', [...restRow(0).slice(0, 8), '1421', ...restRow(0).slice(9)]],
  ])('rejects %s, naming the source', (_what, row) => {
    expect(() => parseRestKlines(JSON.stringify([restRow(1), row]), 'https://rest.example.test/klines'))
      .toThrow('https://rest.example.test/klines');
  });

  it('rejects a body that is not an array, naming the source', () => {
    expect(() => parseRestKlines('{"rows":[]}', 'https://rest.example.test/klines')).toThrow('https://rest.example.test/klines');
  });
});
