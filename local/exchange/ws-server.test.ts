import { createServer, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildKlineEvent, type KlineEvent } from '../../supabase/functions/_shared/kline-event.ts';
import { connectClient, refusedUpgradeStatus, sleep, waitFor } from './test-client.ts';
import { attachStreamServer, type StreamServer, type StreamServerOptions } from './ws-server.ts';

const START = Date.UTC(2025, 7, 1, 0, 0);

function event(symbol: string, second: number): KlineEvent {
  return buildKlineEvent({
    symbol, openTime: START, eventTime: START + second * 1_000, open: '1', high: '1', low: '1', close: '1',
    volume: '0', quoteVolume: '0', trades: 0, closed: false,
  });
}

describe('attachStreamServer', () => {
  let server: Server;
  let streams: StreamServer;
  let base = '';
  const start = async (options: Partial<StreamServerOptions> = {}) => {
    server = createServer();
    streams = attachStreamServer(server, { symbols: ['BTCUSDT', 'ETHUSDT'], pingIntervalMs: 60_000, ...options });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  };
  beforeEach(() => start());
  afterEach(async () => {
    await streams.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends raw events on /ws and wrapped ones on /stream, each only its symbols', async () => {
    const raw = connectClient(`${base}/ws/btcusdt@kline_1m`);
    const combined = connectClient(`${base}/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m`);
    await Promise.all([raw.opened, combined.opened]);
    await waitFor('both clients registered', () => streams.clientCount() === 2);
    streams.broadcast([event('BTCUSDT', 1), event('ETHUSDT', 1)]);
    await waitFor('combined frames', () => combined.frames.length === 2);
    await waitFor('raw frame', () => raw.frames.length === 1);
    expect(JSON.parse(raw.frames[0]!.text)).toEqual(event('BTCUSDT', 1));
    expect(combined.frames.map((f) => JSON.parse(f.text))).toEqual([
      { stream: 'btcusdt@kline_1m', data: event('BTCUSDT', 1) },
      { stream: 'ethusdt@kline_1m', data: event('ETHUSDT', 1) },
    ]);
    raw.socket.close();
    combined.socket.close();
  });

  it('answers an upgrade for an unknown stream with HTTP 400', async () => {
    expect(await refusedUpgradeStatus(`${base}/ws/dogeusdt@kline_1m`)).toBe(400);
    expect(await refusedUpgradeStatus(`${base}/ws/btcusdt@kline_1h`)).toBe(400);
  });

  it('terminates a client that leaves pings unanswered past the pong timeout', async () => {
    await streams.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await start({ pingIntervalMs: 30, pongTimeoutMs: 150 });
    const silent = connectClient(`${base}/ws/btcusdt@kline_1m`, { autoPong: false });
    const polite = connectClient(`${base}/ws/btcusdt@kline_1m`);
    expect(await silent.closed).toBe(1006);
    expect(silent.pings).toBeGreaterThan(1);
    await sleep(200);
    expect(polite.socket.readyState).toBe(polite.socket.OPEN);
    polite.socket.close();
  });

  it('sends nothing while stalled, then resumes', async () => {
    const client = connectClient(`${base}/ws/btcusdt@kline_1m`);
    await client.opened;
    await waitFor('client registered', () => streams.clientCount() === 1);
    streams.stall(150);
    expect(streams.isStalled()).toBe(true);
    streams.broadcast([event('BTCUSDT', 1)]);
    await waitFor('the stall to end', () => !streams.isStalled());
    streams.broadcast([event('BTCUSDT', 2)]);
    await waitFor('a frame after the stall', () => client.frames.length > 0);
    expect(client.frames.map((f) => JSON.parse(f.text).E)).toEqual([START + 2_000]);
    client.socket.close();
  });
});
