// Checks the simulator's options and resolves their defaults: symbols, speed, seed, the candle
// sources, and where simulated time starts (see startExchangeSimulator for the rules).
import { LocalStackError } from '../errors.ts';
import { floorMinute } from './clock.ts';
import type { CandleSource } from './minute-path.ts';
import { createReplaySource, loadReplayDump } from './replay-source.ts';
import type { SimulatorOptions } from './simulator.ts';
import { createSyntheticSource } from './synthetic-source.ts';

export interface SimulatorSettings {
  port: number;
  symbols: string[];
  speed: number;
  seed: number;
  source: 'synthetic' | 'replay';
  sources: CandleSource[];
  /** Open time of the first candle. */
  start: number;
  /** Simulated time when the clock starts; candles from start up to it are emitted at once. */
  origin: number;
  pingIntervalMs: number;
}

const SYMBOL = /^[A-Z0-9]{2,20}$/;
const MINUTE_MS = 60_000;

/** Validates options (throwing INVALID_OPTIONS or a replay error) and fills in defaults. */
export function resolveSettings(options: SimulatorOptions, wallNow: number): SimulatorSettings {
  const speed = options.speed ?? 1;
  const seed = options.seed ?? 1;
  const port = options.port ?? 0;
  const pingIntervalMs = options.pingIntervalMs ?? 20_000;
  check(Number.isFinite(speed) && speed > 0, `speed must be a positive number, got ${speed}`);
  check(Number.isSafeInteger(seed), `seed must be an integer, got ${seed}`);
  check(Number.isInteger(port) && port >= 0 && port <= 65_535, `port must be 0..65535, got ${port}`);
  check(Number.isFinite(pingIntervalMs) && pingIntervalMs > 0, `pingIntervalMs must be a positive number, got ${pingIntervalMs}`);
  if (options.start !== undefined) {
    check(Number.isSafeInteger(options.start) && options.start % MINUTE_MS === 0, `start must be a minute-aligned epoch ms, got ${options.start}`);
  }
  const common = { port, speed, seed, pingIntervalMs };
  return options.replay ? { ...common, ...replaySettings(options, seed) } : { ...common, ...syntheticSettings(options, speed, seed, wallNow) };
}

function replaySettings(options: SimulatorOptions, seed: number) {
  const dump = loadReplayDump(options.replay!.csvPath, options.replay!.symbol);
  if (options.symbols !== undefined) {
    const asked = options.symbols.map((s) => s.toUpperCase());
    check(asked.length === 1 && asked[0] === dump.symbol, `a replay streams only its dump's symbol ${dump.symbol}, but symbols ${options.symbols.join(',')} were asked for`);
  }
  const start = options.start ?? dump.candles[0]!.openTime;
  const candles = dump.candles.filter((candle) => candle.openTime >= start);
  if (candles.length === 0) {
    throw new LocalStackError('INVALID_OPTIONS', `start ${new Date(start).toISOString()} is after the replay's last candle`);
  }
  return { source: 'replay' as const, symbols: [dump.symbol], sources: [createReplaySource({ ...dump, candles }, seed)], start, origin: start };
}

/**
 * Synthetic history starts ceil(60 × speed) minutes back. The clock starts where, at `speed`, it
 * catches up with the wall clock after about an hour; the minutes before that are emitted at once,
 * so REST has history from the start and even speed 1 streams live (not an hour late).
 */
function syntheticSettings(options: SimulatorOptions, speed: number, seed: number, wallNow: number) {
  const symbols = (options.symbols ?? ['BTCUSDT']).map((s) => s.toUpperCase());
  check(symbols.length > 0, 'symbols must name at least one symbol');
  const bad = symbols.find((s) => !SYMBOL.test(s));
  check(bad === undefined, `symbol "${bad}" is not a symbol like BTCUSDT`);
  check(new Set(symbols).size === symbols.length, `symbols ${symbols.join(',')} repeat a symbol`);
  const start = options.start ?? floorMinute(wallNow) - Math.ceil(60 * speed) * MINUTE_MS;
  const catchUpOrigin = wallNow - 60 * Math.max(0, speed - 1) * MINUTE_MS;
  const origin = options.start ?? Math.min(wallNow, Math.max(start, Math.floor(catchUpOrigin)));
  const sources = symbols.map((symbol) => createSyntheticSource({ symbol, seed, start }));
  return { source: 'synthetic' as const, symbols, sources, start, origin };
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new LocalStackError('INVALID_OPTIONS', message, 2);
}
