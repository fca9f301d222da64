// Synthetic BTC-like 1m candles for browser tests and local runs, ingested through public.ingest_klines
// exactly as the Edge Function writes them (service_role, a named source).
import postgres from 'postgres';

const MINUTE = 60_000;

export interface SeedCandle {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** `count` contiguous candles ending with the minute holding `end`, a seeded random walk from `start`. */
export function syntheticCandles(count: number, end = Date.now(), start = 67_000, seed = 7): SeedCandle[] {
  let state = seed >>> 0;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const last = Math.floor(end / MINUTE) * MINUTE;
  const candles: SeedCandle[] = [];
  let price = start;
  for (let i = count - 1; i >= 0; i--) {
    const open = price;
    const close = round(open * (1 + (random() - 0.5) * 0.004));
    const high = round(Math.max(open, close) * (1 + random() * 0.0015));
    const low = round(Math.min(open, close) * (1 - random() * 0.0015));
    candles.push({ openTime: last - i * MINUTE, open, high, low, close, volume: round(5 + random() * 60, 3) });
    price = close;
  }
  return candles;
}

/** The Binance kline event for a candle; closed unless it is the current minute. */
export function klineEventOf(symbol: string, candle: SeedCandle, eventTime: number, closed: boolean) {
  return {
    e: 'kline',
    E: eventTime,
    s: symbol,
    k: {
      t: candle.openTime,
      T: candle.openTime + MINUTE - 1,
      s: symbol,
      i: '1m',
      f: -1,
      L: -1,
      o: candle.open.toFixed(2),
      c: candle.close.toFixed(2),
      h: candle.high.toFixed(2),
      l: candle.low.toFixed(2),
      v: candle.volume.toFixed(3),
      n: 100,
      x: closed,
      q: (candle.volume * candle.close).toFixed(2),
      V: '0',
      Q: '0',
      B: '0',
    },
  };
}

/** Ingests candles (the newest left open) in batches, as the service role under `source`. */
export async function ingestCandles(sql: postgres.Sql, symbol: string, candles: SeedCandle[], source = 'binance', now = Date.now()): Promise<void> {
  const events = candles.map((c, i) => {
    const closed = i < candles.length - 1 && c.openTime + MINUTE <= now;
    return klineEventOf(symbol, c, closed ? c.openTime + MINUTE - 1 : Math.max(c.openTime, Math.min(now, c.openTime + MINUTE - 2)), closed);
  });
  for (let i = 0; i < events.length; i += 2_000) {
    await sql.begin(async (tx) => {
      await tx`select set_config('candlestream.source', ${source}, true)`;
      await tx`set local role service_role`;
      await tx`select public.ingest_klines(${JSON.stringify(events.slice(i, i + 2_000))}::text::jsonb)`;
    });
  }
}

/** Removes a test symbol's candles and status rows. */
export async function removeSymbol(sql: postgres.Sql, symbol: string): Promise<void> {
  await sql`delete from public.live_candles_1m where symbol = ${symbol}`;
  await sql`delete from public.stream_status where symbol = ${symbol}`;
}

function round(value: number, decimals = 2): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
