// Which streams a WebSocket upgrade asks for: `/ws/<stream>[/<stream>...]` (raw events) or
// `/stream?streams=<stream>/<stream>` (wrapped as {"stream","data"}); only `<symbol>@kline_1m`.

export interface StreamRequest {
  /** Whether events are wrapped as Binance's combined stream does. */
  combined: boolean;
  /** Subscribed symbols, uppercase. */
  symbols: Set<string>;
}

export type StreamPathResult =
  | { ok: true; request: StreamRequest }
  | { ok: false; error: { code: 'INVALID_STREAM'; message: string } };

const STREAM = /^([a-z0-9]+)@kline_([0-9a-zA-Z]+)$/;

/** Reads an upgrade request's path and query into subscriptions, or says why they are refused. */
export function parseStreamPath(url: string, symbols: readonly string[]): StreamPathResult {
  const parsed = new URL(url, 'http://simulator');
  let combined: boolean;
  let names: string[];
  if (parsed.pathname === '/stream' || parsed.pathname === '/stream/') {
    combined = true;
    names = (parsed.searchParams.get('streams') ?? '').split('/');
  } else if (parsed.pathname.startsWith('/ws/')) {
    combined = false;
    names = parsed.pathname.slice('/ws/'.length).split('/');
  } else {
    return invalid(`no streams at path "${parsed.pathname}": use /ws/<symbol>@kline_1m or /stream?streams=<symbol>@kline_1m/...`);
  }
  const subscribed = new Set<string>();
  for (const name of names) {
    const symbol = symbolOf(decodeName(name), symbols);
    if (typeof symbol !== 'string') return symbol;
    subscribed.add(symbol);
  }
  return { ok: true, request: { combined, symbols: subscribed } };
}

/** The stream name of a symbol's 1-minute klines: BTCUSDT → btcusdt@kline_1m. */
export function klineStreamName(symbol: string): string {
  return `${symbol.toLowerCase()}@kline_1m`;
}

function symbolOf(name: string, symbols: readonly string[]): string | Extract<StreamPathResult, { ok: false }> {
  const match = STREAM.exec(name);
  if (!match) return invalid(`"${name}" is not a kline stream name like btcusdt@kline_1m`);
  if (match[2] !== '1m') return invalid(`stream "${name}" has interval "${match[2]}"; the simulator streams only 1m`);
  const symbol = match[1]!.toUpperCase();
  if (!symbols.includes(symbol)) return invalid(`stream "${name}" names symbol ${symbol}, which the simulator does not trade (it has ${symbols.join(', ')})`);
  return symbol;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

function invalid(message: string): Extract<StreamPathResult, { ok: false }> {
  return { ok: false, error: { code: 'INVALID_STREAM', message } };
}
