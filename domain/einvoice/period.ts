// Tax periods (纳税期): a calendar month in China Standard Time. China has kept UTC+8 without
// daylight saving since 1991, so a fixed offset is exact and needs no time-zone database.

export const CHINA_UTC_OFFSET_MS = 8 * 3600_000;

/** `YYYY-MM`, e.g. `2026-11`: the tax period, and the form of `declared_period`. */
export type TaxPeriod = string;

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isTaxPeriod(value: unknown): value is TaxPeriod {
  return typeof value === 'string' && PERIOD.test(value);
}

/** The tax period an instant falls in (its month in China Standard Time). */
export function taxPeriodOf(instant: Date): TaxPeriod {
  const t = instant.getTime();
  if (Number.isNaN(t)) throw new Error('taxPeriodOf: invalid date');
  const d = new Date(t + CHINA_UTC_OFFSET_MS);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The period `months` after (or before, when negative) `period`. */
export function addMonths(period: TaxPeriod, months: number): TaxPeriod {
  const { year, month } = parsePeriod(period);
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  return `${String(y).padStart(4, '0')}-${String((index - y * 12) + 1).padStart(2, '0')}`;
}

/** The instant the period begins: 00:00 China Standard Time on its first day. */
export function periodStart(period: TaxPeriod): Date {
  const { year, month } = parsePeriod(period);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, 1);
  d.setUTCHours(0, 0, 0, 0);
  return new Date(d.getTime() - CHINA_UTC_OFFSET_MS);
}

/** The day of the month (1-31) of an instant in China Standard Time. */
export function chinaDayOfMonth(instant: Date): number {
  return new Date(instant.getTime() + CHINA_UTC_OFFSET_MS).getUTCDate();
}

/** The two-digit year (China Standard Time) of an instant, as invoice numbers carry it. */
export function chinaYear(instant: Date): number {
  return new Date(instant.getTime() + CHINA_UTC_OFFSET_MS).getUTCFullYear();
}

function parsePeriod(period: TaxPeriod): { year: number; month: number } {
  const m = PERIOD.exec(period);
  if (!m) throw new Error(`not a tax period (YYYY-MM): ${JSON.stringify(period)}`);
  return { year: Number(m[1]), month: Number(m[2]) };
}
