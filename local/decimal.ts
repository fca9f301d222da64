// Exact decimal strings as scaled integers: the simulator's synthesised volumes end byte-identical to a
// dump's, and Realtime filters compare numeric values exactly.

/** A decimal value as integer units of 10^-scale (e.g. "11.87539" → 1187539n at scale 5). */
export interface ScaledDecimal {
  units: bigint;
  scale: number;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parses a decimal string (exponent allowed) exactly; throws on anything else. */
export function parseDecimal(text: string): ScaledDecimal {
  const match = DECIMAL.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw new Error(`"${text}" is not a decimal number`);
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  // A huge exponent would make a huge BigInt: "1e999999" is refused rather than computed.
  if (Math.abs(Number(exponent)) > 1000) throw new Error(`"${text}" has an exponent beyond ±1000`);
  let units = BigInt(`${whole}${fraction}` || '0');
  let scale = fraction.length - Number(exponent);
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: sign === '-' ? -units : units, scale };
}

/** The value at a larger scale (more decimals); the same value, never rounded. */
export function rescale(value: ScaledDecimal, scale: number): bigint {
  if (scale < value.scale) throw new Error(`cannot rescale ${value.scale} decimals down to ${scale}`);
  return value.units * 10n ** BigInt(scale - value.scale);
}

/** Formats integer units at a scale as a plain decimal string with exactly `scale` decimals. */
export function formatDecimal(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const text = scale > 0 ? `${whole}.${digits.slice(digits.length - scale)}` : whole;
  return negative ? `-${text}` : text;
}

/** Compares two decimal strings exactly: negative, zero or positive as a < b, a = b, a > b. */
export function compareDecimal(a: string, b: string): number {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const scale = Math.max(x.scale, y.scale);
  const difference = rescale(x, scale) - rescale(y, scale);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}
