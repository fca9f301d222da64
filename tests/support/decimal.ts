// Exact decimal arithmetic for comparing sums with Postgres numeric (floats would drift).

const SCALE = 12;

/** A decimal string as a BigInt scaled by 10^12. */
export function toScaled(value: string): bigint {
  const negative = value.startsWith('-');
  const [whole = '0', fraction = ''] = value.replace(/^[-+]/, '').split('.');
  const scaled = BigInt(whole + fraction.padEnd(SCALE, '0').slice(0, SCALE));
  return negative ? -scaled : scaled;
}

/** Sums decimal strings exactly; returns the sum scaled by 10^12. */
export function sumDecimals(values: string[]): bigint {
  return values.reduce((sum, v) => sum + toScaled(v), 0n);
}
