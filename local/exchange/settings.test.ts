import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSettings } from './settings.ts';

const WALL = Date.UTC(2025, 7, 1, 12, 0, 30);
const MINUTE = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'candlestream-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dump = join(dir, 'ETHUSDT-1m-2025-08-01.csv');
writeFileSync(dump, [
  '1754006400000,3700.1,3701,3699.5,3700.5,100.1,1754006459999,370000.5,500,50,185000.25,0',
  '1754006460000,3700.5,3702,3700,3701.5,90.5,1754006519999,335000.75,450,45,167000.5,0',
].join('\n'));

describe('resolveSettings', () => {
  it('defaults to BTCUSDT, speed 1, seed 1, a free port and Binance\'s 20 s pings', () => {
    expect(resolveSettings({}, WALL)).toMatchObject({ symbols: ['BTCUSDT'], speed: 1, seed: 1, port: 0, pingIntervalMs: 20_000, source: 'synthetic' });
  });

  it('at speed 1 starts history an hour back and the clock at the wall clock, so the stream is live', () => {
    const settings = resolveSettings({}, WALL);
    expect(settings.start).toBe(Date.UTC(2025, 7, 1, 11, 0));
    expect(settings.origin).toBe(WALL);
  });

  it('at high speed starts far enough back to play an hour of fast history, never in the future', () => {
    const settings = resolveSettings({ speed: 600 }, WALL);
    expect(settings.start).toBe(Date.UTC(2025, 7, 1, 12, 0) - 36_000 * MINUTE);
    expect(settings.origin).toBe(WALL - 599 * 60 * MINUTE);
    // At 600× the clock gains 599 ms a wall ms: it reaches the wall clock after about an hour.
    expect((WALL - settings.origin) / 599 / MINUTE).toBeCloseTo(60);
  });

  it('starts the clock at an explicit start', () => {
    const start = Date.UTC(2025, 7, 1, 10, 0);
    expect(resolveSettings({ start, speed: 10 }, WALL)).toMatchObject({ start, origin: start });
  });

  it('uppercases symbols', () => {
    expect(resolveSettings({ symbols: ['btcusdt', 'EthUsdt'] }, WALL).symbols).toEqual(['BTCUSDT', 'ETHUSDT']);
  });

  it('replays from the dump\'s first candle with its symbol', () => {
    expect(resolveSettings({ replay: { csvPath: dump } }, WALL)).toMatchObject({ source: 'replay', symbols: ['ETHUSDT'], start: 1754006400000, origin: 1754006400000 });
  });

  it.each([
    ['speed 0', { speed: 0 }],
    ['a negative speed', { speed: -2 }],
    ['speed NaN', { speed: Number.NaN }],
    ['a fractional seed', { seed: 1.5 }],
    ['port 70000', { port: 70_000 }],
    ['an unaligned start', { start: WALL }],
    ['no symbols', { symbols: [] }],
    ['a bad symbol', { symbols: ['BTC/USDT'] }],
    ['a repeated symbol', { symbols: ['BTCUSDT', 'btcusdt'] }],
    ['symbols other than the replay\'s', { replay: { csvPath: dump }, symbols: ['BTCUSDT'] }],
    ['a start after the replay\'s end', { replay: { csvPath: dump }, start: 1754006400000 + 10 * MINUTE }],
  ])('refuses %s with INVALID_OPTIONS', (_what, options) => {
    expect(() => resolveSettings(options, WALL)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});
