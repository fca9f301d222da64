// The Binance-compatible exchange simulator: one HTTP server on 127.0.0.1 carrying kline WebSocket
// streams and the klines REST endpoints, fed by synthetic prices or a replayed dump on a simulated
// clock, with fault knobs for testing clients.
import { createServer, type Server } from 'node:http';
import type { KlineEvent, KlineValues } from '../../supabase/functions/_shared/kline-event.ts';
import { LocalStackError } from '../errors.ts';
import { portInUse } from '../process.ts';
import { createSimClock, type SimClock } from './clock.ts';
import { createEventFaults, parseFaultRequest, type EventFaults, type FaultRequest } from './faults.ts';
import { createMarket, type Market } from './market.ts';
import { createRestHandler, type SimulatorStatus } from './rest.ts';
import { resolveSettings, type SimulatorSettings } from './settings.ts';
import { attachStreamServer, type StreamServer } from './ws-server.ts';

export interface SimulatorOptions {
  /** 0 or absent: a free port. The host is always 127.0.0.1. */
  port?: number;
  /** Default ['BTCUSDT'] (uppercase; stream names are lowercase). */
  symbols?: string[];
  /** Simulated seconds per wall second, default 1. */
  speed?: number;
  /** Default 1; the same seed and options give the same history. */
  seed?: number;
  /** Replay a Binance dump instead of synthetic prices; symbol defaults to the file name's prefix. */
  replay?: { csvPath: string; symbol?: string };
  /** Epoch ms (minute-aligned) where simulated history starts; default: see resolveSettings. */
  start?: number;
  /** Default 20_000, as Binance spot. */
  pingIntervalMs?: number;
  /** Wall clock injection for tests; default Date.now. */
  now?: () => number;
}

export interface ExchangeSimulator {
  port: number;
  /** http://127.0.0.1:<port> */
  httpUrl: string;
  /** ws://127.0.0.1:<port> */
  wsUrl: string;
  symbols: string[];
  /** Every candle the stream has emitted so far for symbol, oldest first: closed ones final, the last one possibly still open (its latest state). Values exactly as emitted (decimal strings). */
  history(symbol: string): SimCandle[];
  /** The simulated clock (epoch ms). */
  simulatedNow(): number;
  faults: {
    /** Terminate every client socket abruptly (no close frame). */
    dropConnections(): void;
    /** Keep sockets open but send nothing for ms (wall time); events of that time are not sent. */
    stall(ms: number): void;
    /** Send one frame that is not valid JSON to every client. */
    sendMalformed(): void;
    /** Send each of the next `count` events twice. */
    duplicateNext(count?: number): void;
    /** Swap the order of the next `count` pairs of events (pairs of one symbol). */
    reorderNext(count?: number): void;
    /** Send Binance's {"e":"serverShutdown","E":<ms>} then close sockets. */
    serverShutdown(): void;
  };
  close(): Promise<void>;
}

/** A candle as the stream emitted it: the kline event's values, with its close and last event times. */
export interface SimCandle extends Pick<KlineValues, 'openTime' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'quoteVolume' | 'trades' | 'closed'> {
  closeTime: number;
  lastEventTime: number;
}

/** Updates due are looked for at most this often (wall ms), so high speeds emit in small bursts. */
const MIN_TICK_MS = 10;
const MAX_TICK_MS = 1_000;
/** Bounds one tick's work, so a huge speed cannot starve the event loop. */
const MAX_EVENTS_PER_TICK = 5_000;

/**
 * Starts the simulator. Simulated time runs `speed` times faster than wall time but never ahead of
 * it; each symbol gets one kline event per simulated second, the last of a minute with k.x true.
 */
export async function startExchangeSimulator(options: SimulatorOptions = {}): Promise<ExchangeSimulator> {
  const wallNow = options.now ?? Date.now;
  const settings = resolveSettings(options, wallNow());
  const clock = createSimClock({ origin: settings.origin, speed: settings.speed, wallNow });
  const market = createMarket(settings.sources);
  market.advance(clock.now()); // catching up to the origin: nobody can be connected yet
  const eventFaults = createEventFaults();
  const server = createServer();
  const streams = attachStreamServer(server, { symbols: settings.symbols, pingIntervalMs: settings.pingIntervalMs });
  const faults = createFaultKnobs(streams, eventFaults, clock);
  const status = (): SimulatorStatus => ({
    symbols: settings.symbols, speed: settings.speed, simulatedNow: clock.now(), source: settings.source,
    start: settings.start, ended: market.ended(), clients: streams.clientCount(),
  });
  server.on('request', createRestHandler({
    symbols: settings.symbols,
    history: (symbol) => market.history(symbol),
    status,
    applyFault: (fault) => applyFault(faults, fault),
  }));
  const port = await listen(server, settings.port);
  const stopTicking = startTicking(() => tick(market, clock, streams, eventFaults));
  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    symbols: [...settings.symbols],
    history: (symbol) => historyOf(market, settings, symbol),
    simulatedNow: () => clock.now(),
    faults,
    async close() {
      stopTicking();
      await streams.close();
      await closeServer(server);
    },
  };
}

/** Emits what is due, and says how long to wait (wall ms) before looking again. */
function tick(market: Market, clock: SimClock, streams: StreamServer, eventFaults: EventFaults): number {
  const events = market.advance(clock.now(), MAX_EVENTS_PER_TICK);
  // While stalled the events are lost to clients (as over a dead link); REST still has them.
  if (!streams.isStalled()) {
    const outgoing = eventFaults.apply(events);
    if (market.ended()) outgoing.push(...eventFaults.release());
    streams.broadcast(outgoing);
  }
  if (events.length === MAX_EVENTS_PER_TICK) return MIN_TICK_MS;
  const due = market.nextDueTime();
  const delay = due === undefined ? MAX_TICK_MS : clock.wallDelayUntil(due);
  return Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, delay));
}

function startTicking(step: () => number): () => void {
  let timer: NodeJS.Timeout | undefined;
  const run = () => {
    timer = setTimeout(run, step());
  };
  timer = setTimeout(run, 0);
  return () => clearTimeout(timer);
}

function createFaultKnobs(streams: StreamServer, eventFaults: EventFaults, clock: SimClock): ExchangeSimulator['faults'] {
  return {
    dropConnections: () => streams.dropConnections(),
    stall: (ms) => streams.stall(checked({ kind: 'stall', ms }).ms),
    sendMalformed: () => streams.sendMalformed(),
    duplicateNext: (count = 1) => eventFaults.duplicateNext(checked({ kind: 'duplicate', count }).count),
    reorderNext: (count = 1) => eventFaults.reorderNext(checked({ kind: 'reorder', count }).count),
    serverShutdown: () => streams.serverShutdown(clock.now()),
  };
}

/** The same checks for faults asked for in code as for those asked for over HTTP. */
function checked<T extends FaultRequest>(fault: T): T {
  const parsed = parseFaultRequest(fault);
  if (!parsed.ok) throw new LocalStackError(parsed.error.code, parsed.error.message);
  return fault;
}

function applyFault(faults: ExchangeSimulator['faults'], fault: FaultRequest): void {
  switch (fault.kind) {
    case 'drop': return faults.dropConnections();
    case 'stall': return faults.stall(fault.ms);
    case 'malformed': return faults.sendMalformed();
    case 'duplicate': return faults.duplicateNext(fault.count);
    case 'reorder': return faults.reorderNext(fault.count);
    case 'shutdown': return faults.serverShutdown();
  }
}

function historyOf(market: Market, settings: SimulatorSettings, symbol: string): SimCandle[] {
  const events = market.history(symbol.toUpperCase());
  if (!events) throw new LocalStackError('UNKNOWN_SYMBOL', `the simulator does not trade "${symbol}" (it has ${settings.symbols.join(', ')})`);
  return events.map(toSimCandle);
}

function toSimCandle({ E, k }: KlineEvent): SimCandle {
  return {
    openTime: k.t, closeTime: k.T, open: k.o, high: k.h, low: k.l, close: k.c, volume: k.v,
    quoteVolume: k.q, trades: k.n, closed: k.x, lastEventTime: E,
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE'
        ? portInUse(port, 'EXCHANGE_PORT (or --port)')
        : error);
    });
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
