// Money in fen and tax rounded half up to the fen.
import fc from 'fast-check';
import { HIGH_VALUE_FEN, TAX_RATES, formatYuan, isTaxRate, priceWithTax, taxFor } from '../../domain/einvoice';
import type { TaxRate } from '../../domain/einvoice';

/** Reference: exact decimal arithmetic with BigInt, half away from zero. */
function referenceTax(amount: number, rate: number): number {
  const scaled = BigInt(Math.abs(amount)) * BigInt(rate);
  let q = scaled / 100n;
  if (scaled % 100n >= 50n) q += 1n;
  return amount < 0 && q > 0n ? -Number(q) : Number(q);
}

describe('taxFor', () => {
  it('has exactly the seven VAT rates', () => {
    expect([...TAX_RATES]).toEqual([13, 9, 6, 5, 3, 1, 0]);
    expect(isTaxRate(13)).toBe(true);
    expect(isTaxRate(17)).toBe(false);
    expect(isTaxRate('13')).toBe(false);
  });

  it.each<[number, TaxRate, number]>([
    [10_000, 13, 1_300], // 100.00 CNY at 13% = 13.00
    [100, 13, 13],
    [50, 1, 1], // 0.50 fen rounds up
    [49, 1, 0], // 0.49 fen rounds down
    [150, 1, 2], // 1.5 -> 2
    [250, 1, 3], // 2.5 -> 3 (half up, not half even)
    [350, 3, 11], // 10.5 -> 11
    [1, 6, 0],
    [9, 6, 1], // 0.54 -> 1
    [8, 6, 0], // 0.48 -> 0
    [123_456_789, 9, 11_111_111], // 11,111,111.01 -> 11,111,111
    [99_999_999, 5, 5_000_000], // 4,999,999.95 -> 5,000,000
    [10_000, 0, 0],
    [0, 13, 0],
  ])('taxFor(%d fen, %d%%) = %d fen', (amount, rate, tax) => {
    expect(taxFor(amount, rate)).toBe(tax);
  });

  it('is symmetric for red-letter (negative) amounts', () => {
    expect(taxFor(-150, 1)).toBe(-2);
    expect(taxFor(-49, 1)).toBe(0);
    expect(Object.is(taxFor(-49, 1), 0)).toBe(true); // not -0
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 13 }), fc.constantFrom(...TAX_RATES), (a, r) => {
        expect(taxFor(-a, r) + taxFor(a, r)).toBe(0);
        expect(Object.is(taxFor(-a, r), -0)).toBe(false);
      }),
    );
  });

  it('agrees with exact decimal arithmetic', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 14), max: 10 ** 14 }), fc.constantFrom(...TAX_RATES), (a, r) => {
        expect(taxFor(a, r)).toBe(referenceTax(a, r));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses floats, unknown rates and amounts too large to tax exactly', () => {
    expect(() => taxFor(100.5, 13)).toThrow(/integer/);
    expect(() => taxFor(Number.NaN, 13)).toThrow(/integer/);
    expect(() => taxFor(100, 17 as TaxRate)).toThrow(/tax rate/);
    expect(() => taxFor(Number.MAX_SAFE_INTEGER, 13)).toThrow(/too large/);
  });

  it('totals are amount + tax', () => {
    expect(priceWithTax(10_000, 13)).toEqual({ amount: 10_000, tax: 1_300, total: 11_300 });
    expect(priceWithTax(-10_000, 13)).toEqual({ amount: -10_000, tax: -1_300, total: -11_300 });
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 12), max: 10 ** 12 }), fc.constantFrom(...TAX_RATES), (a, r) => {
        const p = priceWithTax(a, r);
        expect(Number.isSafeInteger(p.total)).toBe(true);
        expect(p.total).toBe(p.amount + p.tax);
      }),
    );
  });

  it('puts high value at 1,000,000 CNY and formats yuan for people', () => {
    expect(HIGH_VALUE_FEN).toBe(100_000_000);
    expect(formatYuan(HIGH_VALUE_FEN)).toBe('1,000,000.00');
    expect(formatYuan(-1_234_567)).toBe('-12,345.67');
    expect(formatYuan(5)).toBe('0.05');
  });
});
