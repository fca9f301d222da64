// Realistic kline traffic for benchmarks: a combined stream over N symbols where every candle gets
// several intra-minute updates before its closing one, as Binance sends them.
import { createRandom } from '../local/exchange/random.ts';
import { buildKlineEvent, MINUTE_MS, type KlineEvent } from '../supabase/functions/_shared/kline-event.ts';

export interface StreamShape {
  symbols: number;
  /** Updates per candle, the last one closing it (Binance sends one per second or two). */
  updatesPerMinute: number;
  /** Open time of the first candle, epoch ms, on a minute boundary. */
  startMinute: number;
  /** Distinguishes symbol sets of different runs ("B" → B0000USDT...). */
  prefix: string;
  seed: number;
}

/** Yields `count` events: minute by minute, update by update, every symbol in turn. */
export function generateStream(shape: StreamShape, count: number): KlineEvent[] {
  const random = createRandom(shape.seed);
  const prices = Array.from({ length: shape.symbols }, (_, i) => 100 + i * 7.31);
  const events: KlineEvent[] = [];
  for (let minute = 0; events.length < count; minute++) {
    const openTime = shape.startMinute + minute * MINUTE_MS;
    const candles = prices.map((price) => ({ open: price, high: price, low: price, close: price, volume: 0, trades: 0 }));
    for (let update = 1; update <= shape.updatesPerMinute && events.length < count; update++) {
      for (let s = 0; s < shape.symbols && events.length < count; s++) {
        const c = candles[s]!;
        c.close = Math.max(0.01, c.close * (1 + (random() - 0.5) * 0.002));
        c.high = Math.max(c.high, c.close);
        c.low = Math.min(c.low, c.close);
        c.volume += random() * 3;
        c.trades += 1 + Math.floor(random() * 40);
        const closed = update === shape.updatesPerMinute;
        events.push(buildKlineEvent({
          symbol: `${shape.prefix}${String(s).padStart(4, '0')}USDT`,
          openTime,
          eventTime: openTime + Math.floor(((MINUTE_MS - 1) * update) / shape.updatesPerMinute),
          open: c.open.toFixed(2), high: c.high.toFixed(2), low: c.low.toFixed(2), close: c.close.toFixed(2),
          volume: c.volume.toFixed(5), quoteVolume: (c.volume * c.close).toFixed(4), trades: c.trades, closed,
        }));
        if (closed) prices[s] = c.close;
      }
    }
  }
  return events;
}
