import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFeed, readStackConfig, readSymbols } from './config.ts';

const API = { SUPABASE_URL: 'https://abc.supabase.co/', SUPABASE_ANON_KEY: 'anon', SUPABASE_SERVICE_ROLE_KEY: 'service' };
const DB = 'postgresql://postgres:pw@db.abc.supabase.co:5432/postgres';

describe('readStackConfig', () => {
  it('defaults to every local service on supabase start\'s ports, FEED=auto and BTCUSDT', () => {
    expect(readStackConfig({})).toEqual({
      ports: { api: 54321, db: 54322, exchange: 54329, app: 54330 }, feed: { kind: 'auto' }, symbols: ['BTCUSDT'],
    });
  });

  it('takes every port from its variable', () => {
    expect(readStackConfig({ API_PORT: '1', DB_PORT: '2', EXCHANGE_PORT: '3', APP_PORT: '4' }).ports).toEqual({ api: 1, db: 2, exchange: 3, app: 4 });
  });

  it('refuses a port that is not a number, naming its variable', () => {
    expect(() => readStackConfig({ APP_PORT: 'eighty' })).toThrow(expect.objectContaining({ code: 'INVALID_PORT', exitCode: 2, message: expect.stringContaining('APP_PORT') }));
  });

  it('uses DATABASE_URL instead of a local cluster', () => {
    expect(readStackConfig({ DATABASE_URL: DB }).databaseUrl).toBe(DB);
  });

  it('refuses a DATABASE_URL that is not a postgres connection string', () => {
    expect(() => readStackConfig({ DATABASE_URL: 'mysql://x' })).toThrow(expect.objectContaining({ code: 'INVALID_DATABASE_URL', exitCode: 2 }));
  });

  it('uses SUPABASE_URL with both keys as the external API, without its trailing slash', () => {
    expect(readStackConfig({ ...API, DATABASE_URL: DB }).externalApi).toEqual({ url: 'https://abc.supabase.co', anonKey: 'anon', serviceRoleKey: 'service' });
  });

  it('names the missing key when SUPABASE_URL is set without one', () => {
    expect(() => readStackConfig({ SUPABASE_URL: API.SUPABASE_URL, SUPABASE_ANON_KEY: 'anon', DATABASE_URL: DB }))
      .toThrow(expect.objectContaining({ code: 'SUPABASE_KEYS_REQUIRED', message: expect.stringContaining('SUPABASE_SERVICE_ROLE_KEY') }));
  });

  it('refuses keys without SUPABASE_URL, which the local gateway could not verify', () => {
    expect(() => readStackConfig({ SUPABASE_ANON_KEY: 'anon' })).toThrow(expect.objectContaining({ code: 'SUPABASE_URL_REQUIRED', exitCode: 2 }));
  });

  it('requires DATABASE_URL with SUPABASE_URL, since the functions write to that project\'s database', () => {
    expect(() => readStackConfig(API)).toThrow(expect.objectContaining({ code: 'DATABASE_URL_REQUIRED', exitCode: 2 }));
  });

  it('refuses a local FEED choice with an external API', () => {
    expect(() => readStackConfig({ ...API, DATABASE_URL: DB, FEED: 'simulated' })).toThrow(expect.objectContaining({ code: 'FEED_NOT_LOCAL', exitCode: 2 }));
  });
});

describe('readFeed', () => {
  it('reads auto (also when unset or blank), binance and simulated', () => {
    expect([undefined, ' ', 'auto', 'binance', 'simulated'].map(readFeed)).toEqual([
      { kind: 'auto' }, { kind: 'auto' }, { kind: 'auto' }, { kind: 'binance' }, { kind: 'simulated' },
    ]);
  });

  it('reads replay:<csv> with the file resolved, and refuses a missing file', () => {
    const csv = join(mkdtempSync(join(tmpdir(), 'feed-')), 'BTCUSDT-1m.csv');
    writeFileSync(csv, '');
    expect(readFeed(`replay:${csv}`)).toEqual({ kind: 'replay', csvPath: csv });
    expect(() => readFeed('replay:/nowhere/x.csv')).toThrow(expect.objectContaining({ code: 'REPLAY_FILE_MISSING', exitCode: 2 }));
  });

  it('refuses anything else, quoting it', () => {
    expect(() => readFeed('kraken')).toThrow(expect.objectContaining({ code: 'INVALID_FEED', message: expect.stringContaining('"kraken"') }));
  });
});

describe('readSymbols', () => {
  it('uppercases, trims and deduplicates a comma-separated list', () => {
    expect(readSymbols(' btcusdt, ETHUSDT ,btcusdt')).toEqual(['BTCUSDT', 'ETHUSDT']);
  });

  it('refuses a symbol that is not one, quoting it', () => {
    expect(() => readSymbols('BTCUSDT,,ETH')).toThrow(expect.objectContaining({ code: 'INVALID_SYMBOLS', message: expect.stringContaining('""') }));
    expect(() => readSymbols('btc-usdt')).toThrow(expect.objectContaining({ code: 'INVALID_SYMBOLS', message: expect.stringContaining('"BTC-USDT"') }));
  });
});
