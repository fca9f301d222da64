// Synthetic BTC-like prices for the simulator: a seeded random walk per symbol, one candle a minute
// with plausible volatility, volume and trade counts, expanded into per-second updates.
import { buildMinutePath, type CandleSource, type CandleValues, type MinutePath } from './minute-path.ts';
import { createRandom, gaussian, mixSeed } from './random.ts';

export interface SyntheticOptions {
  symbol: string;
  seed: number;
  /** Open time of the first candle, epoch ms, minute-aligned. */
  start: number;
}

/** An endless, deterministic source of minutes for one symbol: same seed and symbol, same market. */
export function createSyntheticSource({ symbol, seed, start }: SyntheticOptions): CandleSource {
  const random = createRandom(mixSeed(seed, symbol));
  const market = describeMarket(random);
  let openTime = start;
  let lastClose = market.startPrice.toFixed(2);
  return {
    symbol,
    nextMinute(): MinutePath {
      const candle = nextCandle(lastClose, market, random);
      const path = { openTime, updates: buildMinutePath(candle, random) };
      lastClose = candle.close;
      openTime += 60_000;
      return path;
    },
  };
}

interface MarketShape {
  startPrice: number;
  /** Standard deviation of a minute's log return. */
  volatility: number;
  /** Typical base-asset volume of a minute. */
  volume: number;
}

/** The symbol's character: BTC-like price level, 0.05–0.1 % a minute, 8–20 units a minute. */
function describeMarket(random: () => number): MarketShape {
  return { startPrice: 60_000 + random() * 50_000, volatility: 0.0005 + random() * 0.0005, volume: 8 + random() * 12 };
}

/** The next minute's final candle, opening at the previous close. */
function nextCandle(open: string, market: MarketShape, random: () => number): CandleValues {
  const o = Number(open);
  const c = Math.max(0.01, o * Math.exp(market.volatility * gaussian(random)));
  const close = c.toFixed(2);
  const top = Math.max(o, Number(close));
  const bottom = Math.min(o, Number(close));
  const high = (top * (1 + Math.abs(gaussian(random)) * market.volatility * 0.4)).toFixed(2);
  const low = Math.max(0.01, bottom * (1 - Math.abs(gaussian(random)) * market.volatility * 0.4)).toFixed(2);
  const volume = Math.max(0.001, market.volume * Math.exp(0.45 * gaussian(random)));
  const average = (o + Number(close) + Number(high) + Number(low)) / 4;
  const takerShare = 0.35 + random() * 0.3;
  return {
    open, high, low, close,
    volume: volume.toFixed(5),
    quoteVolume: (volume * average).toFixed(8),
    trades: Math.max(1, Math.round(volume * (80 + random() * 40))),
    takerBuyVolume: (volume * takerShare).toFixed(5),
    takerBuyQuoteVolume: (volume * takerShare * average).toFixed(8),
  };
}
