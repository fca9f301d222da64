// The price and volume extremes of the drawn slice, with the extremes of all but the last candle kept
// apart: a tick that changes only the last candle then needs O(1) work to know if the range moved.
import type { Candle } from '../candles/candle.ts';

export interface Bounds {
  low: number;
  high: number;
  volume: number;
  lowBeforeLast: number;
  highBeforeLast: number;
  volumeBeforeLast: number;
}

/** Extremes of a slice (one pass, run when the slice changes, not per tick). */
export function sliceBounds(candles: readonly Candle[]): Bounds {
  let lowBeforeLast = Infinity;
  let highBeforeLast = -Infinity;
  let volumeBeforeLast = 0;
  for (let i = 0; i < candles.length - 1; i++) {
    const c = candles[i] as Candle;
    if (c.low < lowBeforeLast) lowBeforeLast = c.low;
    if (c.high > highBeforeLast) highBeforeLast = c.high;
    if (c.volume > volumeBeforeLast) volumeBeforeLast = c.volume;
  }
  const last = candles[candles.length - 1];
  if (!last) return { low: 0, high: 1, volume: 0, lowBeforeLast, highBeforeLast, volumeBeforeLast };
  return {
    low: Math.min(lowBeforeLast, last.low),
    high: Math.max(highBeforeLast, last.high),
    volume: Math.max(volumeBeforeLast, last.volume),
    lowBeforeLast,
    highBeforeLast,
    volumeBeforeLast,
  };
}
