// Intra-minute updates: the states a 1-minute candle passes through, one per simulated second, built
// from its final values so the last update equals the candle byte for byte and every state before it
// is consistent with it (inside high/low, volumes and trades only growing).
import type { DumpCandle } from '../../supabase/functions/_shared/kline-dump.ts';
import { formatDecimal, parseDecimal, rescale } from '../decimal.ts';
import { LocalStackError } from '../errors.ts';

/** A candle's values (no times): prices and amounts as the exchange's decimal strings. */
export type CandleValues = Omit<DumpCandle, 'openTime' | 'closeTime'>;

/** One minute of a symbol's stream: the candle's state after each of its simulated seconds. */
export interface MinutePath {
  openTime: number;
  /** UPDATES_PER_MINUTE states; the last one is the final candle. */
  updates: CandleValues[];
}

/** Where a symbol's minutes come from (synthetic prices or a replayed dump), oldest first. */
export interface CandleSource {
  readonly symbol: string;
  /** The next minute, or undefined once the source has no more candles. */
  nextMinute(): MinutePath | undefined;
}

/** One kline event per simulated second, as Binance spot sends them. */
export const UPDATES_PER_MINUTE = 60;

/** Progress through the minute's volume and trades is counted in billionths. */
const PROGRESS_DENOMINATOR = 1_000_000_000n;

/** The states of a candle, second by second, ending exactly at `final`. */
export function buildMinutePath(final: CandleValues, random: () => number): CandleValues[] {
  const prices = buildPricePath(final, random);
  const progress = buildProgress(random);
  const updates = prices.map((price, i) => ({
    open: final.open,
    ...price,
    volume: amountAt(final.volume, progress[i]!),
    quoteVolume: amountAt(final.quoteVolume, progress[i]!),
    trades: Number((BigInt(final.trades) * progress[i]!) / PROGRESS_DENOMINATOR),
    takerBuyVolume: amountAt(final.takerBuyVolume, progress[i]!),
    takerBuyQuoteVolume: amountAt(final.takerBuyQuoteVolume, progress[i]!),
  }));
  updates[updates.length - 1] = { ...final };
  return updates;
}

/** Close, high and low after each second: starts at the open, touches high and low, ends at close. */
function buildPricePath(final: CandleValues, random: () => number) {
  const parsed = [final.open, final.high, final.low, final.close].map(parseDecimal);
  const scale = Math.max(...parsed.map((p) => p.scale));
  const [open, high, low, close] = parsed.map((p) => rescale(p, scale)) as [bigint, bigint, bigint, bigint];
  if (low > high || open < low || open > high || close < low || close > high) {
    throw new LocalStackError('INVALID_CANDLE', `candle o=${final.open} h=${final.high} l=${final.low} c=${final.close} has open or close outside its low..high`);
  }
  // A value equal to one of the candle's prices keeps that price's exact spelling.
  const spelled = new Map<bigint, string>([[open, final.open], [close, final.close], [low, final.low], [high, final.high]]);
  const text = (offset: number) => {
    const units = low + BigInt(offset);
    return spelled.get(units) ?? formatDecimal(units, scale);
  };
  const offsets = walkOffsets(Number(open - low), Number(high - low), Number(close - low), random);
  let highest = offsets[0]!;
  let lowest = offsets[0]!;
  return offsets.slice(1).map((offset) => {
    highest = Math.max(highest, offset);
    lowest = Math.min(lowest, offset);
    return { high: text(highest), low: text(lowest), close: text(offset) };
  });
}

/**
 * Price offsets above the low for seconds 0..60: the open at 0, the high and the low each at some
 * second in between, the close at 60, and a noisy line between these anchors, inside 0..range.
 */
function walkOffsets(open: number, range: number, close: number, random: () => number): number[] {
  const highAt = 1 + Math.floor(random() * (UPDATES_PER_MINUTE - 1));
  let lowAt = 1 + Math.floor(random() * (UPDATES_PER_MINUTE - 2));
  if (lowAt >= highAt) lowAt += 1;
  const anchors = [[0, open], [highAt, range], [lowAt, 0], [UPDATES_PER_MINUTE, close]].sort((a, b) => a[0]! - b[0]!) as Array<[number, number]>;
  const offsets: number[] = [];
  for (let i = 0; i + 1 < anchors.length; i++) {
    const [fromAt, from] = anchors[i]!;
    const [toAt, to] = anchors[i + 1]!;
    for (let second = fromAt; second < toAt; second++) {
      const line = from + ((to - from) * (second - fromAt)) / (toAt - fromAt);
      const noise = second === fromAt ? 0 : (random() - 0.5) * range * 0.15;
      offsets.push(Math.min(range, Math.max(0, Math.round(line + noise))));
    }
  }
  offsets.push(close);
  return offsets;
}

/** Cumulative share of the minute's volume after each second, in billionths, ending at exactly 1. */
function buildProgress(random: () => number): bigint[] {
  const weights = Array.from({ length: UPDATES_PER_MINUTE }, () => 0.2 + random());
  const total = weights.reduce((sum, w) => sum + w, 0);
  let sum = 0;
  return weights.map((w, i) => {
    sum += w;
    if (i === UPDATES_PER_MINUTE - 1) return PROGRESS_DENOMINATOR;
    return BigInt(Math.floor((sum / total) * Number(PROGRESS_DENOMINATOR)));
  });
}

/** `progress` billionths of a decimal amount, rounded down, at the amount's own precision. */
function amountAt(total: string, progress: bigint): string {
  if (progress === PROGRESS_DENOMINATOR) return total;
  const value = parseDecimal(total);
  return formatDecimal((value.units * progress) / PROGRESS_DENOMINATOR, value.scale);
}
