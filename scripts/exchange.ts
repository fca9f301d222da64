// npm run exchange — the Binance-compatible exchange simulator alone: kline WebSocket streams and REST
// on 127.0.0.1, synthetic prices or a replayed dump, until SIGINT/SIGTERM.
import { existsSync, statSync } from 'node:fs';
import { startExchangeSimulator, type SimulatorOptions } from '../local/exchange/simulator.ts';
import { klineStreamName } from '../local/exchange/stream-path.ts';
import { parseCli, runMain, untilStopSignal } from './cli.ts';

const USAGE = `usage: npm run exchange -- [--replay <csv>] [--symbol S] [--symbols A,B] [--speed N] [--seed N] [--port N]

Serves Binance-compatible 1-minute kline streams (ws://127.0.0.1:<port>/ws/<symbol>@kline_1m and
/stream?streams=...) and REST (/api/v3/klines, /fapi/v1/klines) until Ctrl-C.
  --replay <csv>   replay a Binance kline dump (ms or µs timestamps) instead of synthetic prices
  --symbol S       the symbol (with --replay: the dump's symbol, default its file name's prefix)
  --symbols A,B    synthetic symbols, default BTCUSDT
  --speed N        simulated seconds per wall second (> 0), default 1; never runs ahead of real time
  --seed N         integer seed of the synthetic prices, default 1
  --port N         port, default EXCHANGE_PORT or 54329
Faults: curl -X POST http://127.0.0.1:<port>/_sim/faults -d '{"kind":"drop"}'
  (kinds: drop, stall + "ms", malformed, duplicate/reorder + "count", shutdown); status: GET /_sim/status`;

const DEFAULT_PORT = 54329;

const { values } = parseCli(USAGE, {
  replay: { type: 'string' },
  symbol: { type: 'string' },
  symbols: { type: 'string' },
  speed: { type: 'string' },
  seed: { type: 'string' },
  port: { type: 'string' },
});
const options = readOptions();

runMain(async () => {
  const simulator = await startExchangeSimulator(options);
  const streams = simulator.symbols.map(klineStreamName).join('/');
  const source = options.replay ? `replay of ${options.replay.csvPath}` : 'synthetic';
  console.log(`exchange: listening on ${simulator.httpUrl} (ws ${simulator.wsUrl}/stream?streams=${streams}; ${source} ${simulator.symbols.join(',')}, speed ${options.speed ?? 1})`);
  const signal = await untilStopSignal();
  console.error(`exchange: ${signal}, closing`);
  await simulator.close();
});

/** Turns the command line (and EXCHANGE_PORT) into simulator options; a bad value exits 2 with usage. */
function readOptions(): SimulatorOptions {
  const options: SimulatorOptions = { port: readPort() };
  if (values.speed !== undefined) options.speed = readNumber('--speed', values.speed, /^\d+(\.\d+)?$/, (n) => n > 0);
  if (values.seed !== undefined) options.seed = readNumber('--seed', values.seed, /^-?\d{1,15}$/, () => true);
  if (values.symbol !== undefined && values.symbols !== undefined) usageError('give either --symbol or --symbols, not both');
  if (values.replay !== undefined) {
    if (values.symbols !== undefined) usageError('--symbols does not apply to --replay (a dump holds one symbol; use --symbol)');
    if (!existsSync(values.replay) || !statSync(values.replay).isFile()) usageError(`replay file "${values.replay}" does not exist`);
    options.replay = { csvPath: values.replay, ...(values.symbol === undefined ? {} : { symbol: values.symbol }) };
  } else {
    const list = values.symbols ?? values.symbol;
    if (list !== undefined) options.symbols = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }
  return options;
}

function readPort(): number {
  if (values.port !== undefined) return readNumber('--port', values.port, /^\d{1,5}$/, (n) => n <= 65_535);
  const env = process.env.EXCHANGE_PORT;
  return env ? readNumber('EXCHANGE_PORT', env, /^\d{1,5}$/, (n) => n <= 65_535) : DEFAULT_PORT;
}

function readNumber(name: string, text: string, shape: RegExp, valid: (n: number) => boolean): number {
  const value = Number(text);
  if (!shape.test(text) || !valid(value)) usageError(`${name} "${text}" is not valid`);
  return value;
}

function usageError(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}
