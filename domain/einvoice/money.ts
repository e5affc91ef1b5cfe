// Money on invoices: integer fen (分, 0.01 CNY), never floats. Tax is the amount (excluding tax)
// times the rate, rounded half up to the fen; total = amount + tax.

export const TAX_RATES = [13, 9, 6, 5, 3, 1, 0] as const;
export type TaxRate = (typeof TAX_RATES)[number];

export function isTaxRate(v: unknown): v is TaxRate {
  return (TAX_RATES as readonly unknown[]).includes(v);
}

/** 1,000,000 CNY in fen: the `high-value` threshold on `total`. */
export const HIGH_VALUE_FEN = 100_000_000;

export function assertFen(v: number, what = 'amount'): void {
  if (!Number.isSafeInteger(v)) throw new Error(`${what} must be an integer number of fen, got ${v}`);
}

/**
 * The tax on `amount` fen at `rate` percent, rounded half up to the fen. Rounding is symmetric
 * (half away from zero) so a red-letter invoice's tax is exactly the negation of the tax its
 * positive counterpart would carry: taxFor(-a, r) === -taxFor(a, r).
 */
export function taxFor(amount: number, rate: TaxRate): number {
  assertFen(amount);
  if (!isTaxRate(rate)) throw new Error(`tax rate must be one of ${TAX_RATES.join(', ')} percent, got ${rate}`);
  const magnitude = Math.abs(amount) * rate;
  if (!Number.isSafeInteger(magnitude)) throw new Error(`amount ${amount} is too large to tax exactly`);
  const whole = Math.floor(magnitude / 100);
  const tax = magnitude - whole * 100 >= 50 ? whole + 1 : whole;
  return amount < 0 && tax !== 0 ? -tax : tax;
}

/** amount + tax, with the tax computed by taxFor. */
export function priceWithTax(amount: number, rate: TaxRate): { amount: number; tax: number; total: number } {
  const tax = taxFor(amount, rate);
  return { amount, tax, total: amount + tax };
}

/** `1234567` -> `12,345.67` (for people; the data stays in fen). */
export function formatYuan(fen: number): string {
  assertFen(fen);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${yuan}.${String(abs % 100).padStart(2, '0')}`;
}
