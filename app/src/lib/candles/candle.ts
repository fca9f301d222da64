// The candle the dashboard holds, the intervals it draws, and the compact columnar form that carries
// candles from the server to the browser (the first paint of 1,440 candles must stay under ~120 KB).

/** One OHLCV candle; `time` is its open time and `eventTime` its version (newer wins), both epoch ms. */
export interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
  closed: boolean;
  eventTime: number;
}

export const INTERVALS = ['1m', '5m', '15m', '1h'] as const;
export type Interval = (typeof INTERVALS)[number];

export const MINUTE_MS = 60_000;

const STEP_MS: Record<Interval, number> = {
  '1m': MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '1h': 60 * MINUTE_MS,
};

/** Whether a string names an interval the dashboard draws. */
export function isInterval(value: string): value is Interval {
  return (INTERVALS as readonly string[]).includes(value);
}

/** The length of one candle of the interval, in ms. */
export function stepOf(interval: Interval): number {
  return STEP_MS[interval];
}

/** The open time of the bucket of `step` ms holding `time` (UTC-aligned, as the exchange aligns them). */
export function bucketStart(time: number, step: number): number {
  return Math.floor(time / step) * step;
}

/**
 * Candles as columns: `t` holds the first open time in ms, then each next time as a count of steps
 * after the previous one; `e` is event time minus open time; `open` lists the indices of candles not
 * yet closed (usually only the last).
 */
export interface CandleColumns {
  step: number;
  t: number[];
  o: number[];
  h: number[];
  l: number[];
  c: number[];
  v: number[];
  n: number[];
  e: number[];
  open: number[];
}

/** Packs candles (oldest first) into columns. */
export function encodeCandles(candles: readonly Candle[], step: number): CandleColumns {
  const columns: CandleColumns = { step, t: [], o: [], h: [], l: [], c: [], v: [], n: [], e: [], open: [] };
  let previous = 0;
  candles.forEach((candle, i) => {
    columns.t.push(i === 0 ? candle.time : (candle.time - previous) / step);
    previous = candle.time;
    columns.o.push(candle.open);
    columns.h.push(candle.high);
    columns.l.push(candle.low);
    columns.c.push(candle.close);
    columns.v.push(candle.volume);
    columns.n.push(candle.trades);
    columns.e.push(candle.eventTime - candle.time);
    if (!candle.closed) columns.open.push(i);
  });
  return columns;
}

/** Unpacks columns made by `encodeCandles`. */
export function decodeCandles(columns: CandleColumns): Candle[] {
  const open = new Set(columns.open);
  const candles: Candle[] = [];
  let time = 0;
  for (let i = 0; i < columns.t.length; i++) {
    time = i === 0 ? (columns.t[0] ?? 0) : time + (columns.t[i] ?? 0) * columns.step;
    candles.push({
      time,
      open: columns.o[i] ?? 0,
      high: columns.h[i] ?? 0,
      low: columns.l[i] ?? 0,
      close: columns.c[i] ?? 0,
      volume: columns.v[i] ?? 0,
      trades: columns.n[i] ?? 0,
      closed: !open.has(i),
      eventTime: time + (columns.e[i] ?? 0),
    });
  }
  return candles;
}
