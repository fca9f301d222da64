import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KlineEvent } from '../../supabase/functions/_shared/kline-event.ts';
import { compareDecimal } from '../decimal.ts';
import { klineRow } from './rest.ts';
import { startExchangeSimulator, type ExchangeSimulator, type SimulatorOptions } from './simulator.ts';
import { connectClient, refusedUpgradeStatus, sleep, waitFor, type TestClient } from './test-client.ts';

const DECIMAL = expect.stringMatching(/^\d+(\.\d+)?$/);

/** Exactly the fields and types of a Binance kline event, nothing more. */
function expectBinanceShape(event: unknown): void {
  expect(event).toStrictEqual({
    e: 'kline', E: expect.any(Number), s: expect.stringMatching(/^[A-Z0-9]+$/),
    k: {
      t: expect.any(Number), T: expect.any(Number), s: expect.stringMatching(/^[A-Z0-9]+$/), i: '1m', f: -1, L: -1,
      o: DECIMAL, c: DECIMAL, h: DECIMAL, l: DECIMAL, v: DECIMAL, n: expect.any(Number), x: expect.any(Boolean),
      q: DECIMAL, V: DECIMAL, Q: DECIMAL, B: '0',
    },
  });
}

type Wrapped = { stream: string; data: KlineEvent };
const messages = (client: TestClient, from = 0) => client.frames.slice(from).map((f) => JSON.parse(f.text) as KlineEvent | Wrapped);
/** The kline events a client received, unwrapped when they came on a combined stream. */
const events = (client: TestClient, from = 0) => messages(client, from).map((m) => ('data' in m ? m.data : m));
const closedCount = (client: TestClient) => events(client).filter((e) => e.k.x).length;

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

describe('startExchangeSimulator at speed 600', () => {
  let sim: ExchangeSimulator;
  beforeAll(async () => {
    sim = await startExchangeSimulator({ speed: 600, symbols: ['BTCUSDT', 'ETHUSDT'], pingIntervalMs: 100 });
  });
  afterAll(() => sim.close());

  /** A client that has received at least one frame. */
  async function flowingClient(path: string): Promise<TestClient> {
    const client = connectClient(`${sim.wsUrl}${path}`);
    await client.opened;
    await waitFor(`a first frame on ${path}`, () => client.frames.length > 0);
    return client;
  }

  describe('streams', () => {
    let raw: TestClient;
    let combined: TestClient;
    let historyBefore = 0;
    beforeAll(async () => {
      historyBefore = Math.max(...sim.history('BTCUSDT').map((c) => c.lastEventTime));
      raw = connectClient(`${sim.wsUrl}/ws/btcusdt@kline_1m`);
      combined = connectClient(`${sim.wsUrl}/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m`);
      await waitFor('three closed minutes on /ws', () => closedCount(raw) >= 3);
      await waitFor('six closed minutes on /stream', () => closedCount(combined) >= 6);
      raw.socket.close();
      combined.socket.close();
    });

    it('sends events of exactly Binance\'s shape, never from the future', () => {
      for (const message of messages(combined)) expect(Object.keys(message).sort()).toEqual(['data', 'stream']);
      for (const message of [...messages(raw), ...events(combined)] as KlineEvent[]) {
        expectBinanceShape(message);
        expect(message.k.T).toBe(message.k.t + 59_999);
        expect(message.k.s).toBe(message.s);
        expect(message.E).toBeLessThanOrEqual(Date.now());
      }
    });

    it('wraps /stream events as {"stream","data"} for both symbols', () => {
      const wrapped = messages(combined) as Wrapped[];
      expect(new Set(wrapped.map((m) => m.stream))).toEqual(new Set(['btcusdt@kline_1m', 'ethusdt@kline_1m']));
      expect(wrapped.every((m) => m.stream === `${m.data.s.toLowerCase()}@kline_1m`)).toBe(true);
    });

    it('starts a new client at the next update, replaying nothing', () => {
      expect(events(raw)[0]!.E).toBeGreaterThan(historyBefore);
    });

    it('sends one update per simulated second, x=true only on the last of a minute, at E = k.T', () => {
      const byMinute = new Map<number, KlineEvent[]>();
      for (const event of events(raw)) byMinute.set(event.k.t, [...(byMinute.get(event.k.t) ?? []), event]);
      let complete = 0;
      for (const [openTime, updates] of byMinute) {
        const times = updates.map((e) => e.E);
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(updates.slice(0, -1).every((e) => !e.k.x && e.E < e.k.T)).toBe(true);
        const last = updates.at(-1)!;
        if (!last.k.x) continue;
        expect(last.E).toBe(last.k.T);
        if (times[0] === openTime + 1_000) {
          complete += 1;
          expect(times).toEqual(Array.from({ length: 60 }, (_, i) => openTime + (i < 59 ? (i + 1) * 1_000 : 59_999)));
        }
      }
      expect(complete).toBeGreaterThanOrEqual(1);
    });

    it('only grows high, volume and trades and only lowers low within a minute', () => {
      const received = events(raw);
      for (let i = 1; i < received.length; i++) {
        const [a, b] = [received[i - 1]!.k, received[i]!.k];
        if (a.t !== b.t) continue;
        expect(compareDecimal(b.h, a.h) >= 0 && compareDecimal(b.l, a.l) <= 0 && compareDecimal(b.v, a.v) >= 0 && b.n >= a.n).toBe(true);
      }
    });

    it('ends each minute in the state REST and history() give for it', async () => {
      for (const final of events(raw).filter((e) => e.k.x)) {
        const { body } = await getJson(`${sim.httpUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${final.k.t}&limit=1`);
        expect(body).toEqual([klineRow(final)]);
        expect(sim.history('BTCUSDT').find((c) => c.openTime === final.k.t)).toEqual({
          openTime: final.k.t, closeTime: final.k.T, open: final.k.o, high: final.k.h, low: final.k.l, close: final.k.c,
          volume: final.k.v, quoteVolume: final.k.q, trades: final.k.n, closed: true, lastEventTime: final.E,
        });
      }
    });
  });

  it('keeps history oldest first with only its last candle open', () => {
    const history = sim.history('ethusdt');
    expect(history.length).toBeGreaterThan(60);
    expect(history.slice(0, -1).every((c, i) => c.closed && c.openTime + 60_000 === history[i + 1]!.openTime)).toBe(true);
    expect(() => sim.history('DOGEUSDT')).toThrow(expect.objectContaining({ code: 'UNKNOWN_SYMBOL' }));
  });

  it('pages REST klines with startTime and limit through exactly the emitted history', async () => {
    const closed = sim.history('BTCUSDT').filter((c) => c.closed).slice(0, 12);
    const pages: unknown[] = [];
    let startTime = closed[0]!.openTime;
    for (let page = 0; page < 3; page++) {
      const { status, body } = await getJson(`${sim.httpUrl}/fapi/v1/klines?symbol=BTCUSDT&interval=1m&startTime=${startTime}&limit=4`);
      expect(status).toBe(200);
      const rows = body as Array<[number]>;
      expect(rows).toHaveLength(4);
      pages.push(...rows);
      startTime = rows.at(-1)![0] + 60_000;
    }
    expect(pages).toEqual(closed.map((c) => [c.openTime, c.open, c.high, c.low, c.close, c.volume, c.closeTime, c.quoteVolume, c.trades, expect.any(String), expect.any(String), '0']));
  });

  it('answers REST errors as Binance does', async () => {
    expect(await getJson(`${sim.httpUrl}/api/v3/klines?symbol=DOGEUSDT&interval=1m`)).toEqual({ status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
    expect(await getJson(`${sim.httpUrl}/api/v3/klines?symbol=BTCUSDT&interval=15m`)).toEqual({ status: 400, body: { code: -1120, msg: 'Invalid interval.' } });
    expect(await getJson(`${sim.httpUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1001`)).toMatchObject({ status: 400, body: { code: -1130 } });
    expect((await fetch(`${sim.httpUrl}/api/v3/ticker`)).status).toBe(404);
  });

  it('reports its status', async () => {
    const { body } = await getJson(`${sim.httpUrl}/_sim/status`);
    expect(body).toMatchObject({ symbols: ['BTCUSDT', 'ETHUSDT'], speed: 600, source: 'synthetic', ended: false });
    expect((body as { simulatedNow: number }).simulatedNow).toBeLessThanOrEqual(Date.now());
  });

  it('refuses an upgrade for an unknown symbol, stream or interval with HTTP 400', async () => {
    for (const path of ['/ws/dogeusdt@kline_1m', '/ws/btcusdt@kline_5m', '/ws/btcusdt@trade', '/stream?streams=btcusdt@kline_1m/dogeusdt@kline_1m', '/chat']) {
      expect(await refusedUpgradeStatus(`${sim.wsUrl}${path}`)).toBe(400);
    }
  });

  it('sends ping frames every pingIntervalMs', async () => {
    const client = await flowingClient('/ws/btcusdt@kline_1m');
    await waitFor('two pings', () => client.pings >= 2);
    client.socket.close();
  });

  describe('fault knobs', () => {
    it('drop terminates sockets without a close frame (1006)', async () => {
      const client = await flowingClient('/ws/btcusdt@kline_1m');
      sim.faults.dropConnections();
      expect(await client.closed).toBe(1006);
    });

    it('stall keeps the socket open but sends nothing for that long', async () => {
      const client = await flowingClient('/ws/btcusdt@kline_1m');
      sim.faults.stall(800);
      const stalledAt = performance.now();
      await sleep(650);
      expect(client.frames.filter((f) => f.at > stalledAt + 100)).toEqual([]);
      expect(client.socket.readyState).toBe(client.socket.OPEN);
      await waitFor('frames after the stall', () => client.frames.some((f) => f.at > stalledAt + 800));
      client.socket.close();
    });

    it('malformed sends a frame that is not JSON', async () => {
      const client = await flowingClient('/ws/btcusdt@kline_1m');
      sim.faults.sendMalformed();
      const bad = await waitFor('a malformed frame', () => client.frames.find((f) => { try { JSON.parse(f.text); return false; } catch { return true; } }));
      expect(() => JSON.parse(bad.text)).toThrow(SyntaxError);
      client.socket.close();
    });

    it('duplicate sends each of the next count events twice', async () => {
      const client = await flowingClient('/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m');
      const from = client.frames.length;
      sim.faults.duplicateNext(3);
      await waitFor('40 more frames', () => client.frames.length >= from + 40);
      const texts = client.frames.slice(from).map((f) => f.text);
      expect(texts.filter((text, i) => text === texts[i + 1])).toHaveLength(3);
      client.socket.close();
    });

    it('reorder swaps the next count pairs of events', async () => {
      const client = await flowingClient('/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m');
      const from = client.frames.length;
      sim.faults.reorderNext(3);
      await waitFor('40 more frames', () => client.frames.length >= from + 40);
      const received = events(client, from);
      const inversions = received.filter((e, i) => received.slice(0, i).some((earlier) => earlier.s === e.s && earlier.E > e.E));
      expect(inversions).toHaveLength(3);
      client.socket.close();
    });

    it('serverShutdown sends Binance\'s notice, then closes with a close frame', async () => {
      const client = await flowingClient('/stream?streams=btcusdt@kline_1m');
      sim.faults.serverShutdown();
      expect(await client.closed).toBe(1001);
      expect(JSON.parse(client.frames.at(-1)!.text)).toStrictEqual({ e: 'serverShutdown', E: expect.any(Number) });
    });

    it('takes faults over HTTP and refuses bad ones with INVALID_FAULT', async () => {
      const client = await flowingClient('/ws/ethusdt@kline_1m');
      const post = (body: string) => fetch(`${sim.httpUrl}/_sim/faults`, { method: 'POST', body });
      const ok = await post('{"kind":"drop"}');
      expect([ok.status, await ok.json()]).toEqual([200, { ok: true }]);
      expect(await client.closed).toBe(1006);
      const bad = await post('{"kind":"stall","ms":-1}');
      expect([bad.status, await bad.json()]).toEqual([400, { code: 'INVALID_FAULT', message: expect.any(String) }]);
    });
  });
});

describe('startExchangeSimulator on a frozen wall clock', () => {
  const WALL = Date.UTC(2025, 7, 1, 12, 0, 50, 500);
  const START = Date.UTC(2025, 7, 1, 11, 30);

  /** A simulator whose wall clock jumps 30 s once started, then stands still: a fixed history. */
  async function frozen(options: SimulatorOptions = {}): Promise<ExchangeSimulator> {
    let wall = WALL;
    const sim = await startExchangeSimulator({ start: START, speed: 100, now: () => wall, ...options });
    wall += 30_000;
    await waitFor('history up to the frozen clock', () => sim.history(sim.symbols[0]!).at(-1)?.lastEventTime === WALL + 30_000 - 500);
    return sim;
  }

  it('never runs the simulated clock past the wall clock', async () => {
    const sim = await frozen();
    expect(sim.simulatedNow()).toBe(WALL + 30_000);
    expect(sim.history('BTCUSDT').at(-1)).toMatchObject({ openTime: Date.UTC(2025, 7, 1, 12, 1), closed: false });
    await sim.close();
  });

  it('gives the same history for the same seed and options, another for another seed', async () => {
    const [a, b, c] = await Promise.all([frozen({ seed: 5 }), frozen({ seed: 5 }), frozen({ seed: 6 })]);
    expect(a.history('BTCUSDT')).toEqual(b.history('BTCUSDT'));
    expect(a.history('BTCUSDT')).toHaveLength(32);
    expect(c.history('BTCUSDT')[0]!.open).not.toBe(a.history('BTCUSDT')[0]!.open);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('answers REST with the latest candles, the open one included, and by startTime and endTime', async () => {
    const sim = await frozen();
    const history = sim.history('BTCUSDT');
    const row = (c: (typeof history)[number]) => [c.openTime, c.open, c.high, c.low, c.close, c.volume, c.closeTime, c.quoteVolume, c.trades, expect.any(String), expect.any(String), '0'];
    const url = `${sim.httpUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m`;
    expect((await getJson(`${url}&limit=3`)).body).toEqual(history.slice(-3).map(row));
    expect((await getJson(url)).body).toEqual(history.map(row));
    expect((await getJson(`${url}&startTime=${START + 60_000}&limit=2`)).body).toEqual(history.slice(1, 3).map(row));
    expect((await getJson(`${url}&startTime=${START}&endTime=${START + 120_000}`)).body).toEqual(history.slice(0, 3).map(row));
    await sim.close();
  });
});

describe('startExchangeSimulator replaying a dump', () => {
  const LINES = [
    '1754006400000,115764.07,115764.08,115704.78,115729.0,11.87539,1754006459999,1374354.6403012,1421,3.66465,424075.0494376,0',
    '1754006460000,115729.0,115747.81,115714.37,115738.75,7.52711,1754006519999,871111.893893,1184,4.35419,503902.6286259,0',
    '1754006520000,115738.75,115747.8,115678.75,115706.01,16.2354,1754006579999,1878774.8511629,1957,4.90416,567457.73021,0',
  ];
  const dir = mkdtempSync(join(tmpdir(), 'candlestream-sim-replay-'));
  const csvPath = join(dir, 'BTCUSDT-1m-2025-08-01.csv');
  writeFileSync(csvPath, `${LINES.join('\n')}\n`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams the dump\'s minutes ending byte for byte at its rows, then stays connected and silent', async () => {
    const sim = await startExchangeSimulator({ replay: { csvPath }, speed: 120 });
    const client = connectClient(`${sim.wsUrl}/ws/btcusdt@kline_1m`);
    await waitFor('three closed minutes', () => closedCount(client) === 3, 10_000);
    const finals = events(client).filter((e) => e.k.x);
    expect(finals.map((e) => klineRow(e).join(','))).toEqual(LINES);
    const { body } = await getJson(`${sim.httpUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${1754006400000}`);
    expect((body as unknown[][]).map((r) => r.join(','))).toEqual(LINES);
    expect((await getJson(`${sim.httpUrl}/_sim/status`)).body).toMatchObject({ source: 'replay', symbols: ['BTCUSDT'], ended: true });
    const count = client.frames.length;
    await sleep(200);
    expect(client.frames.length).toBe(count);
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    client.socket.close();
    await sim.close();
  });
});

describe('the fault knobs in code', () => {
  it('refuses a count or stall that the HTTP endpoint would refuse, with INVALID_FAULT', async () => {
    const sim = await startExchangeSimulator();
    expect(() => sim.faults.duplicateNext(0)).toThrow(expect.objectContaining({ code: 'INVALID_FAULT' }));
    expect(() => sim.faults.reorderNext(1.5)).toThrow(expect.objectContaining({ code: 'INVALID_FAULT' }));
    expect(() => sim.faults.stall(-1)).toThrow(expect.objectContaining({ code: 'INVALID_FAULT' }));
    await sim.close();
  });
});
