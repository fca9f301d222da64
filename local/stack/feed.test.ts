import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { freePort } from '../process.ts';
import { probeBinanceStream, startFeed } from './feed.ts';

const never = () => Promise.resolve(false);
const always = () => Promise.resolve(true);

describe('startFeed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'candlestream-feed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('FEED=auto: starts the simulator when Binance does not answer, and says so', async () => {
    const port = await freePort();
    const feed = await startFeed({ kind: 'auto' }, port, ['BTCUSDT', 'ETHUSDT'], never);
    try {
      expect(feed.source).toBe('simulated');
      expect(feed.label).toBe(`simulated (exchange simulator at http://127.0.0.1:${port}; Binance was not reachable)`);
      expect(feed.symbols).toEqual(['BTCUSDT', 'ETHUSDT']);
      expect(feed.functionEnv).toEqual({ EXCHANGE_MARKET: 'spot', EXCHANGE_WS_URL: `ws://127.0.0.1:${port}`, EXCHANGE_REST_URL: `http://127.0.0.1:${port}` });
      expect((await fetch(`http://127.0.0.1:${port}/api/v3/klines?symbol=ETHUSDT&interval=1m&limit=1`)).status).toBe(200);
    } finally {
      await feed.stop();
    }
  });

  it('FEED=auto: uses Binance itself when its stream answers, with the function\'s defaults', async () => {
    const feed = await startFeed({ kind: 'auto' }, 0, ['BTCUSDT'], always);
    expect(feed).toMatchObject({ source: 'binance', symbols: ['BTCUSDT'], functionEnv: {} });
    expect(feed.label).toContain('wss://fstream.binance.com');
  });

  it('FEED=binance: uses Binance without asking', async () => {
    let asked = false;
    const feed = await startFeed({ kind: 'binance' }, 0, ['BTCUSDT'], async () => (asked = true));
    expect(feed.source).toBe('binance');
    expect(asked).toBe(false);
  });

  it('FEED=simulated: never asks Binance, and labels the feed without an excuse', async () => {
    const feed = await startFeed({ kind: 'simulated' }, 0, ['BTCUSDT'], always);
    try {
      expect(feed.source).toBe('simulated');
      expect(feed.label).not.toContain('Binance');
    } finally {
      await feed.stop();
    }
  });

  it('FEED=replay:<csv>: replays the dump and streams its symbol, whatever SYMBOLS says', async () => {
    const csvPath = join(dir, 'ETHUSDT-1m-2025-08-01.csv');
    writeFileSync(csvPath, '1754006400000,3700.1,3701,3699.5,3700.5,100.1,1754006459999,370000.5,500,50,185000.25,0\n');
    const feed = await startFeed({ kind: 'replay', csvPath }, 0, ['BTCUSDT'], always);
    try {
      expect(feed.source).toBe('replay');
      expect(feed.symbols).toEqual(['ETHUSDT']);
      expect(feed.label).toContain(`replaying ${csvPath}`);
    } finally {
      await feed.stop();
    }
  });
});

describe('probeBinanceStream', () => {
  async function server(onConnection: (socket: import('ws').WebSocket, path: string) => void) {
    const port = await freePort();
    const wss = new WebSocketServer({ port, host: '127.0.0.1' });
    wss.on('connection', (socket, request) => onConnection(socket, request.url ?? ''));
    await new Promise((resolve) => wss.once('listening', resolve));
    return { url: `ws://127.0.0.1:${port}/ws`, close: () => new Promise((resolve) => wss.close(resolve)) };
  }

  it('is true once the symbol\'s kline stream delivers an event', async () => {
    const paths: string[] = [];
    const exchange = await server((socket, path) => {
      paths.push(path);
      socket.send('{"e":"kline"}');
    });
    try {
      expect(await probeBinanceStream('BTCUSDT', 2_000, exchange.url)).toBe(true);
      expect(paths).toEqual(['/ws/btcusdt@kline_1m']);
    } finally {
      await exchange.close();
    }
  });

  it('is false when the stream stays silent, or nothing listens', async () => {
    const silent = await server(() => {});
    try {
      expect(await probeBinanceStream('BTCUSDT', 200, silent.url)).toBe(false);
    } finally {
      await silent.close();
    }
    expect(await probeBinanceStream('BTCUSDT', 2_000, `ws://127.0.0.1:${await freePort()}/ws`)).toBe(false);
  });
});
