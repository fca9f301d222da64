// Number formatting for prices and volumes, precision chosen from the price's size.

/** Decimals that show a price's meaningful digits: 2 above 1, more below. */
export function priceDecimals(price: number): number {
  const abs = Math.abs(price);
  if (abs >= 1_000) return 2;
  if (abs >= 1) return 4;
  if (abs >= 0.01) return 6;
  return 8;
}

const formats = new Map<number, Intl.NumberFormat>();

/** "67,005.25" (formatters are cached: building one costs more than a tick's budget). */
export function formatPrice(price: number, decimals = priceDecimals(price)): string {
  let format = formats.get(decimals);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    formats.set(decimals, format);
  }
  return format.format(price);
}

/** "1.23K", "4.5M" */
export function formatVolume(volume: number): string {
  const abs = Math.abs(volume);
  if (abs >= 1e9) return `${(volume / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `${(volume / 1e6).toFixed(2)}M`;
  if (abs >= 1e3) return `${(volume / 1e3).toFixed(2)}K`;
  return volume.toFixed(abs >= 100 ? 1 : 3);
}

/** "+1.23 %" */
export function formatPercent(ratio: number): string {
  const sign = ratio > 0 ? '+' : ratio < 0 ? '−' : '';
  return `${sign}${Math.abs(ratio * 100).toFixed(2)} %`;
}
