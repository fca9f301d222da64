import { describe, expect, it } from 'vitest';
import { formatPercent, formatPrice, formatVolume, priceDecimals } from './price-format.ts';

describe('formatPrice', () => {
  it('groups thousands and keeps the decimals a price of its size needs', () => {
    expect(formatPrice(67005.25)).toBe('67,005.25');
    expect(formatPrice(67005)).toBe('67,005.00');
    expect(priceDecimals(0.5)).toBe(6);
    expect(formatPrice(1.2345678)).toBe('1.2346');
  });
});

describe('formatVolume / formatPercent', () => {
  it('abbreviates large volumes and signs percentages', () => {
    expect(formatVolume(1_234_567)).toBe('1.23M');
    expect(formatVolume(12.3456)).toBe('12.346');
    expect(formatPercent(0.0123)).toBe('+1.23 %');
    expect(formatPercent(-0.5)).toBe('−50.00 %');
  });
});
