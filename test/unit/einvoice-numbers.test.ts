// Invoice numbers (数电票号码) and tax periods.
import fc from 'fast-check';
import {
  MAX_SEQUENCE,
  PROVINCE_CODES,
  addMonths,
  chinaDayOfMonth,
  formatInvoiceNo,
  isTaxPeriod,
  isValidInvoiceNo,
  parseInvoiceNo,
  periodStart,
  taxPeriodOf,
} from '../../domain/einvoice';

describe('invoice numbers', () => {
  it('are year, provincial tax authority, channel and a 15-digit sequence', () => {
    const no = formatInvoiceNo({ year: 26, region: '11', channel: 2, sequence: 123456789 });
    expect(no).toBe('26112000000123456789');
    expect(no).toHaveLength(20);
    expect(parseInvoiceNo(no)).toEqual({ year: 26, region: '11', channel: 2, sequence: 123456789 });
    expect(isValidInvoiceNo(no)).toBe(true);
    expect(formatInvoiceNo({ year: 5, region: '65', channel: 0, sequence: 1 })).toBe('05650000000000000001');
  });

  it('round-trip through parse for any valid parts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99 }),
        fc.constantFrom(...PROVINCE_CODES),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 1, max: MAX_SEQUENCE }),
        (year, region, channel, sequence) => {
          const no = formatInvoiceNo({ year, region, channel, sequence });
          expect(no).toMatch(/^\d{20}$/);
          expect(parseInvoiceNo(no)).toEqual({ year, region, channel, sequence });
        },
      ),
    );
  });

  it.each([
    ['19 digits', '2611200000012345678'],
    ['21 digits', '261120000001234567890'],
    ['a letter', '2611200000012345678X'],
    ['spaces', ' 6112000000123456789'],
    ['unknown province 99', '26992000000123456789'],
    ['province 00', '26002000000123456789'],
    ['zero sequence', '26112000000000000000'],
    ['empty', ''],
    ['full-width digits', '２６112000000123456789'],
  ])('rejects %s', (_what, no) => {
    expect(isValidInvoiceNo(no)).toBe(false);
    expect(parseInvoiceNo(no)).toBeUndefined();
  });

  it('refuses to format impossible parts', () => {
    expect(() => formatInvoiceNo({ year: 100, region: '11', channel: 1, sequence: 1 })).toThrow(/year/);
    expect(() => formatInvoiceNo({ year: 26, region: '99', channel: 1, sequence: 1 })).toThrow(/tax authority/);
    expect(() => formatInvoiceNo({ year: 26, region: '11', channel: 10, sequence: 1 })).toThrow(/channel/);
    expect(() => formatInvoiceNo({ year: 26, region: '11', channel: 1, sequence: 0 })).toThrow(/sequence/);
    expect(() => formatInvoiceNo({ year: 26, region: '11', channel: 1, sequence: MAX_SEQUENCE + 1 })).toThrow(/sequence/);
    expect(() => formatInvoiceNo({ year: 26, region: '11', channel: 1, sequence: 1.5 })).toThrow(/sequence/);
  });
});

describe('tax periods (months in China Standard Time)', () => {
  it('put an instant in its Beijing-time month', () => {
    expect(taxPeriodOf(new Date('2026-10-31T15:59:59.999Z'))).toBe('2026-10');
    expect(taxPeriodOf(new Date('2026-10-31T16:00:00.000Z'))).toBe('2026-11');
    expect(taxPeriodOf(new Date('2026-12-31T16:00:00.000Z'))).toBe('2027-01');
  });

  it('start at 00:00 +08:00 on the first day', () => {
    expect(periodStart('2026-11').toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(periodStart('2027-01').toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(periodStart('2024-03').toISOString()).toBe('2024-02-29T16:00:00.000Z');
  });

  it('add and subtract months across years', () => {
    expect(addMonths('2026-11', -12)).toBe('2025-11');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(addMonths('2026-12', 1)).toBe('2027-01');
    expect(addMonths('2026-11', -47)).toBe('2022-12');
    expect(addMonths('2026-11', 0)).toBe('2026-11');
  });

  it('validate the YYYY-MM form', () => {
    expect(isTaxPeriod('2026-11')).toBe(true);
    expect(isTaxPeriod('2026-13')).toBe(false);
    expect(isTaxPeriod('2026-00')).toBe(false);
    expect(isTaxPeriod('2026-1')).toBe(false);
    expect(() => periodStart('2026-13')).toThrow(/tax period/);
  });

  it('agree with each other for any instant', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
        const p = taxPeriodOf(d);
        expect(periodStart(p).getTime()).toBeLessThanOrEqual(d.getTime());
        expect(periodStart(addMonths(p, 1)).getTime()).toBeGreaterThan(d.getTime());
        expect(chinaDayOfMonth(periodStart(p))).toBe(1);
      }),
    );
  });
});
