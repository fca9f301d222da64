import { describe, expect, it } from 'vitest';
import { readExchangeConfig, type ExchangeConfig } from './exchange-config.ts';

/** An environment holding exactly `vars`. */
const envOf = (vars: Record<string, string>) => (name: string): string | undefined => vars[name];

function configFrom(vars: Record<string, string>): ExchangeConfig {
  const result = readExchangeConfig(envOf(vars));
  if (!('config' in result)) throw new Error(`expected a config, got ${JSON.stringify(result)}`);
  return result.config;
}

describe('readExchangeConfig', () => {
  it('defaults to Binance USD-M futures, BTCUSDT, 140 s, stream exchange-stream labelled binance', () => {
    expect(readExchangeConfig(envOf({}))).toEqual({
      config: {
        wsBaseUrl: 'wss://fstream.binance.com',
        restBaseUrl: 'https://fapi.binance.com',
        restPath: '/fapi/v1/klines',
        symbols: ['BTCUSDT'],
        budgetSeconds: 140,
        streamName: 'exchange-stream',
        sourceLabel: 'binance',
      },
    });
  });

  it('treats empty variables as unset', () => {
    const empty = { EXCHANGE_MARKET: '', SYMBOLS: '', STREAM_BUDGET_S: '', EXCHANGE_WS_URL: '', EXCHANGE_REST_URL: '', STREAM_NAME: '', FEED_SOURCE: '' };
    expect(configFrom(empty)).toEqual(configFrom({}));
  });

  it('reads EXCHANGE_MARKET=futures as the default market', () => {
    expect(configFrom({ EXCHANGE_MARKET: 'futures' })).toEqual(configFrom({}));
  });

  it('switches to Binance spot URLs and /api/v3/klines with EXCHANGE_MARKET=spot', () => {
    expect(configFrom({ EXCHANGE_MARKET: 'spot' })).toMatchObject({
      wsBaseUrl: 'wss://stream.binance.com:9443',
      restBaseUrl: 'https://api.binance.com',
      restPath: '/api/v3/klines',
    });
  });

  it('prefers explicit URLs over the market defaults, keeping the market path', () => {
    const config = configFrom({ EXCHANGE_MARKET: 'spot', EXCHANGE_WS_URL: 'ws://127.0.0.1:9443', EXCHANGE_REST_URL: 'http://127.0.0.1:9080' });
    expect(config).toMatchObject({ wsBaseUrl: 'ws://127.0.0.1:9443', restBaseUrl: 'http://127.0.0.1:9080', restPath: '/api/v3/klines' });
  });

  it('reads SYMBOLS as a comma-separated list, trimmed and upper-cased, skipping empty entries', () => {
    expect(configFrom({ SYMBOLS: ' btcusdt, EthUsdt ,,SOLUSDT,' }).symbols).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
  });

  it('reads the budget, stream name and source label', () => {
    expect(configFrom({ STREAM_BUDGET_S: '60', STREAM_NAME: 'replay-stream', FEED_SOURCE: 'simulated' })).toMatchObject({
      budgetSeconds: 60, streamName: 'replay-stream', sourceLabel: 'simulated',
    });
  });

  it('accepts budgets of 1 and 3600 seconds', () => {
    expect(configFrom({ STREAM_BUDGET_S: '1' }).budgetSeconds).toBe(1);
    expect(configFrom({ STREAM_BUDGET_S: '3600' }).budgetSeconds).toBe(3600);
  });

  it.each([
    ['an unknown market', { EXCHANGE_MARKET: 'options' }],
    ['an upper-case market', { EXCHANGE_MARKET: 'SPOT' }],
    ['a symbol with a dash', { SYMBOLS: 'BTC-USDT' }],
    ['a one-letter symbol', { SYMBOLS: 'BTCUSDT,X' }],
    ['symbols that are only commas', { SYMBOLS: ' , ,' }],
    ['a budget that is not a number', { STREAM_BUDGET_S: 'two minutes' }],
    ['a zero budget', { STREAM_BUDGET_S: '0' }],
    ['a budget over an hour', { STREAM_BUDGET_S: '3601' }],
    ['a WebSocket URL without a scheme', { EXCHANGE_WS_URL: 'fstream.binance.com' }],
    ['a REST URL with another scheme', { EXCHANGE_REST_URL: 'ftp://fapi.binance.com' }],
    ['a URL with a space in it', { EXCHANGE_REST_URL: 'https://fapi.binance.com /x' }],
  ])('refuses %s with INVALID_CONFIG', (_what, vars) => {
    expect(readExchangeConfig(envOf(vars))).toMatchObject({ error: { code: 'INVALID_CONFIG' } });
  });
});
