// The feed the local exchange-stream function reads: Binance itself, or the exchange simulator
// (synthetic prices or a replayed dump). FEED=auto tries Binance's stream for a few seconds first.
import WebSocket from 'ws';
import { startExchangeSimulator } from '../exchange/simulator.ts';
import type { FeedChoice } from './config.ts';

export interface Feed {
  /** What stream_status.source and the dashboard show: binance, simulated or replay. */
  source: 'binance' | 'simulated' | 'replay';
  /** One line for the ready block. */
  label: string;
  /** What the function streams: SYMBOLS, or the replayed file's symbol. */
  symbols: string[];
  /** Settings for the function (EXCHANGE_*), empty for Binance's defaults. */
  functionEnv: Record<string, string>;
  health(): Record<string, unknown>;
  stop(): Promise<void>;
}

const BINANCE_STREAM = 'wss://fstream.binance.com/ws';

/** `probe` answers whether Binance's stream delivers (FEED=auto asks it once); tests pass their own. */
export async function startFeed(choice: FeedChoice, port: number, symbols: string[], probe = probeBinanceStream): Promise<Feed> {
  if (choice.kind === 'binance' || (choice.kind === 'auto' && (await probe(symbols[0]!)))) {
    const label = `binance (USD-M futures, ${BINANCE_STREAM})`;
    return { source: 'binance', label, symbols, functionEnv: {}, health: () => ({ state: 'up', source: 'binance' }), stop: async () => {} };
  }
  const replay = choice.kind === 'replay' ? choice.csvPath : undefined;
  const simulator = await startExchangeSimulator({ port, ...(replay ? { replay: { csvPath: replay } } : { symbols }) });
  const source = replay ? 'replay' : 'simulated';
  const why = choice.kind === 'auto' ? '; Binance was not reachable' : '';
  return {
    source,
    label: `${source} (exchange simulator at ${simulator.httpUrl}${replay ? `, replaying ${replay}` : ''}${why})`,
    symbols: simulator.symbols,
    // The simulator speaks Binance spot's paths; the function's default is futures.
    functionEnv: { EXCHANGE_MARKET: 'spot', EXCHANGE_WS_URL: simulator.wsUrl, EXCHANGE_REST_URL: simulator.httpUrl },
    health: () => ({ state: 'up', source, url: simulator.httpUrl, symbols: simulator.symbols }),
    stop: () => simulator.close(),
  };
}

/** True when Binance's kline stream for symbol (at `baseUrl`) delivers an event within timeoutMs. */
export function probeBinanceStream(symbol: string, timeoutMs = 5_000, baseUrl = BINANCE_STREAM): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${baseUrl}/${symbol.toLowerCase()}@kline_1m`);
    const finish = (reachable: boolean) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.terminate();
      resolve(reachable);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once('message', () => finish(true));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
  });
}
