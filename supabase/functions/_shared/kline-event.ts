// The Binance kline event shape (stream `<symbol>@kline_<interval>`), and a builder for it. Shared by
// the Edge Function, the simulator, the importer, benchmarks and tests, so every producer of events
// emits exactly what the exchange does and what public.ingest_klines validates.

/** A Binance kline event as sent on the wire: prices and volumes are decimal strings. */
export interface KlineEvent {
  e: 'kline';
  /** Event time, epoch ms: the version of the candle this event carries. */
  E: number;
  s: string;
  k: {
    /** Open time and close time, epoch ms. */
    t: number;
    T: number;
    s: string;
    i: string;
    f: number;
    L: number;
    o: string;
    c: string;
    h: string;
    l: string;
    v: string;
    n: number;
    /** Whether this is the candle's final update. */
    x: boolean;
    q: string;
    V: string;
    Q: string;
    B: string;
  };
}

export interface KlineValues {
  symbol: string;
  openTime: number;
  eventTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quoteVolume: string;
  trades: number;
  closed: boolean;
  takerBuyVolume?: string;
  takerBuyQuoteVolume?: string;
}

export const MINUTE_MS = 60_000;

/** Builds the event Binance would send for a 1-minute candle in the given state. */
export function buildKlineEvent(values: KlineValues): KlineEvent {
  return {
    e: 'kline',
    E: values.eventTime,
    s: values.symbol,
    k: {
      t: values.openTime,
      T: values.openTime + MINUTE_MS - 1,
      s: values.symbol,
      i: '1m',
      f: -1,
      L: -1,
      o: values.open,
      c: values.close,
      h: values.high,
      l: values.low,
      v: values.volume,
      n: values.trades,
      x: values.closed,
      q: values.quoteVolume,
      V: values.takerBuyVolume ?? '0',
      Q: values.takerBuyQuoteVolume ?? '0',
      B: '0',
    },
  };
}
