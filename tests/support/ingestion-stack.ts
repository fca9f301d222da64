// The real ingestion path for integration tests: the exchange simulator, the exchange-stream Edge
// Function under Deno behind the local gateway, writing into the test database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { startExchangeSimulator, type ExchangeSimulator, type SimulatorOptions } from '../../local/exchange/simulator.ts';
import { startFunctionsHost, type FunctionsHost } from '../../local/functions/host.ts';
import { startGateway, type Gateway } from '../../local/gateway.ts';
import { signRoleKey } from '../../local/keys.ts';
import { stateDir } from '../../local/paths.ts';
import { compareDecimal } from '../../local/decimal.ts';

export interface IngestionStack {
  simulator: ExchangeSimulator;
  gateway: Gateway;
  host: FunctionsHost;
  serviceRoleKey: string;
  /** POSTs to /functions/v1/exchange-stream as the watchdog does, and returns status and JSON body. */
  invoke(token?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export interface StackOptions {
  databaseUrl: string;
  simulator: SimulatorOptions & { symbols: string[] };
  budgetSeconds: number;
  /** Each test its own lease, so tests running side by side do not take each other's stream. */
  streamName: string;
  /**
   * Let a session that spent its budget invoke its successor through the gateway, as deployed. Off by
   * default: tests that compare one session's writes want the stream to end with it.
   */
  handOff?: boolean;
}

export async function startIngestionStack(options: StackOptions): Promise<IngestionStack> {
  const simulator = await startExchangeSimulator(options.simulator);
  const secret = `test-secret-${Math.random().toString(36).slice(2)}`;
  const serviceRoleKey = await signRoleKey(secret, 'service_role');
  const logDir = mkdtempSync(join(tmpdir(), 'candlestream-functions-'));
  // The gateway first: with hand-off on, the function's SUPABASE_URL is the gateway's URL.
  let host: FunctionsHost | undefined;
  const gateway = await startGateway({
    port: 0,
    portVariable: 'API_PORT',
    functionPort: (name) => host?.portOf(name),
    functionNames: () => host?.names() ?? [],
    health: () => ({ functions: host?.status() ?? 'starting' }),
    log: () => {},
  });
  host = await startFunctionsHost({
    env: {
      // Nothing listens on port 0: without hand-off a finished session's successor call fails, as meant.
      SUPABASE_URL: options.handOff ? gateway.url : 'http://127.0.0.1:0',
      SUPABASE_ANON_KEY: await signRoleKey(secret, 'anon'),
      SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
      SUPABASE_DB_URL: options.databaseUrl,
      EXCHANGE_MARKET: 'spot',
      EXCHANGE_WS_URL: simulator.wsUrl,
      EXCHANGE_REST_URL: simulator.httpUrl,
      SYMBOLS: options.simulator.symbols.join(','),
      STREAM_BUDGET_S: String(options.budgetSeconds),
      STREAM_NAME: options.streamName,
      FEED_SOURCE: 'simulated',
    },
    denoDir: join(stateDir(), 'deno'),
    logDir,
    log: () => {},
  });
  const functions = host;
  return {
    simulator, gateway, host: functions, serviceRoleKey,
    async invoke(token = serviceRoleKey) {
      const response = await fetch(`${gateway.url}/functions/v1/exchange-stream`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: '{"trigger":"test"}',
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async stop() {
      await gateway.close();
      await functions.stop();
      await simulator.close();
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}

/**
 * Compares the table with every candle the simulator closed for symbol from the oldest stored candle
 * (where the writer's backfill began) to the newest stored event (a candle closed after the writer
 * stopped cannot be there yet), value by value. Returns the differences as sentences (empty when the
 * table is exact and has no hole) and how many candles were compared.
 */
export async function compareWithSimulator(sql: postgres.Sql, simulator: ExchangeSimulator, symbol: string): Promise<{ compared: number; differences: string[] }> {
  const [newest] = await sql`
    select coalesce((extract(epoch from max(event_time)) * 1000)::float8, 0) as event_time,
           coalesce((extract(epoch from min("timestamp")) * 1000)::float8, 0) as first_open
    from public.live_candles_1m where symbol = ${symbol}`;
  const rows = await sql`
    select (extract(epoch from "timestamp") * 1000)::float8 as open_time, "open"::text, high::text, low::text,
           "close"::text, volume::text, quote_volume::text, trades, is_closed
    from public.live_candles_1m where symbol = ${symbol}`;
  const stored = new Map(rows.map((row) => [Number(row.open_time), row]));
  const differences: string[] = [];
  const closed = simulator.history(symbol).filter((candle) =>
    candle.closed && candle.openTime >= Number(newest!.first_open) && candle.closeTime <= Number(newest!.event_time));
  for (const candle of closed) {
    const row = stored.get(candle.openTime);
    const at = new Date(candle.openTime).toISOString();
    if (!row) {
      differences.push(`${symbol} ${at}: missing`);
      continue;
    }
    for (const [field, expected, actual] of [
      ['open', candle.open, row.open], ['high', candle.high, row.high], ['low', candle.low, row.low],
      ['close', candle.close, row.close], ['volume', candle.volume, row.volume], ['quote_volume', candle.quoteVolume, row.quote_volume],
    ] as const) {
      if (compareDecimal(String(expected), String(actual)) !== 0) differences.push(`${symbol} ${at}: ${field} ${actual} != ${expected}`);
    }
    if (row.trades !== candle.trades) differences.push(`${symbol} ${at}: trades ${row.trades} != ${candle.trades}`);
    if (row.is_closed !== true) differences.push(`${symbol} ${at}: not closed`);
  }
  return { compared: closed.length, differences };
}

/** Forgets a test symbol's candles, so a rerun against a kept database starts from a clean table. */
export async function forgetSymbol(sql: postgres.Sql, symbol: string): Promise<void> {
  await sql`delete from public.live_candles_1m where symbol = ${symbol}`;
}
