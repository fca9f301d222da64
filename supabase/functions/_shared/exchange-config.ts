// The Edge Function's settings, read from its environment and checked once: which exchange (Binance
// USD-M futures by default, as the seed used; spot selectable; any compatible base URL, such as the
// local simulator), which symbols, how long to hold the stream, and the label its rows carry.

export interface ExchangeConfig {
  wsBaseUrl: string;
  restBaseUrl: string;
  restPath: string;
  symbols: string[];
  budgetSeconds: number;
  streamName: string;
  /** What stream_status calls this source: binance, simulated, replay... */
  sourceLabel: string;
}

export type ConfigResult = { config: ExchangeConfig } | { error: { code: 'INVALID_CONFIG'; message: string } };

const MARKETS = {
  futures: { ws: 'wss://fstream.binance.com', rest: 'https://fapi.binance.com', path: '/fapi/v1/klines' },
  spot: { ws: 'wss://stream.binance.com:9443', rest: 'https://api.binance.com', path: '/api/v3/klines' },
} as const;

export const DEFAULT_BUDGET_SECONDS = 140;

export function readExchangeConfig(get: (name: string) => string | undefined): ConfigResult {
  const marketName = get('EXCHANGE_MARKET') || 'futures';
  if (marketName !== 'futures' && marketName !== 'spot') {
    return invalid(`EXCHANGE_MARKET must be "futures" or "spot", got "${marketName}"`);
  }
  const market = MARKETS[marketName];
  const symbols = (get('SYMBOLS') || 'BTCUSDT').split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
  const badSymbol = symbols.find((s) => !/^[A-Z0-9]{2,20}$/.test(s));
  if (badSymbol !== undefined || symbols.length === 0) return invalid(`SYMBOLS must list symbols like BTCUSDT, got "${get('SYMBOLS')}"`);
  const budget = Number(get('STREAM_BUDGET_S') || DEFAULT_BUDGET_SECONDS);
  if (!Number.isFinite(budget) || budget < 1 || budget > 3600) return invalid(`STREAM_BUDGET_S must be 1..3600 seconds, got "${get('STREAM_BUDGET_S')}"`);
  for (const name of ['EXCHANGE_WS_URL', 'EXCHANGE_REST_URL']) {
    const value = get(name);
    if (value && !/^(wss?|https?):\/\/[^\s]+$/.test(value)) return invalid(`${name} must be a ws(s):// or http(s):// URL, got "${value}"`);
  }
  return {
    config: {
      wsBaseUrl: get('EXCHANGE_WS_URL') || market.ws,
      restBaseUrl: get('EXCHANGE_REST_URL') || market.rest,
      restPath: market.path,
      symbols,
      budgetSeconds: budget,
      streamName: get('STREAM_NAME') || 'exchange-stream',
      sourceLabel: get('FEED_SOURCE') || 'binance',
    },
  };
}

function invalid(message: string): ConfigResult {
  return { error: { code: 'INVALID_CONFIG', message } };
}
