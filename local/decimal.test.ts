import { describe, expect, it } from 'vitest';
import { compareDecimal, formatDecimal, parseDecimal, rescale } from './decimal.ts';

describe('parseDecimal', () => {
  it('reads a decimal string as integer units at its own scale', () => {
    expect(parseDecimal('11.87539')).toEqual({ units: 1187539n, scale: 5 });
    expect(parseDecimal('115729.0')).toEqual({ units: 1157290n, scale: 1 });
    expect(parseDecimal('42')).toEqual({ units: 42n, scale: 0 });
    expect(parseDecimal('.5')).toEqual({ units: 5n, scale: 1 });
  });

  it('reads exponents exactly', () => {
    expect(parseDecimal('1.5e-3')).toEqual({ units: 15n, scale: 4 });
    expect(parseDecimal('1.5E3')).toEqual({ units: 1500n, scale: 0 });
  });

  it('refuses text that is not a number', () => {
    expect(() => parseDecimal('abc')).toThrow('"abc"');
    expect(() => parseDecimal('.')).toThrow();
  });
});

describe('formatDecimal', () => {
  it('writes exactly scale decimals, padding small values', () => {
    expect(formatDecimal(1187539n, 5)).toBe('11.87539');
    expect(formatDecimal(5n, 5)).toBe('0.00005');
    expect(formatDecimal(0n, 2)).toBe('0.00');
    expect(formatDecimal(42n, 0)).toBe('42');
    expect(formatDecimal(-5n, 1)).toBe('-0.5');
  });
});

describe('rescale', () => {
  it('moves a value to more decimals without changing it', () => {
    expect(rescale(parseDecimal('115729.0'), 2)).toBe(11572900n);
    expect(() => rescale(parseDecimal('1.25'), 1)).toThrow();
  });
});

describe('compareDecimal', () => {
  it('compares values, not spellings', () => {
    expect(compareDecimal('115729.0', '115729.00')).toBe(0);
    expect(compareDecimal('115704.78', '115729.0')).toBe(-1);
    expect(compareDecimal('1e3', '999.99')).toBe(1);
  });
});
