// The synthetic invoice generator (pure part): valid, consistent, deterministic, realistic shapes.
import {
  HIGH_VALUE_FEN,
  HOT_MONTH_SHARE,
  isTaxPeriod,
  isValidCreditCode,
  isValidInvoiceNo,
  parseInvoiceNo,
  priorityClassifier,
  synthesizeInvoices,
  taxFor,
  taxPeriodOf,
} from '../../domain/einvoice';
import type { Invoice } from '../../domain/einvoice';
import { copyText, invoiceCopyLine, isoUtc, INVOICE_COLUMNS } from '../../activities/invoices/generate';

const NOW = new Date('2026-11-23T02:09:00Z');
const N = 30_000;
const rows: Invoice[] = [...synthesizeInvoices(N, { seed: 11, now: NOW })];
const byNo = new Map(rows.map((r) => [r.invoiceNo, r]));

describe('synthesizeInvoices', () => {
  it('makes exactly count invoices with unique valid numbers from firstSequence on', () => {
    expect(rows).toHaveLength(N);
    expect(byNo.size).toBe(N);
    const seqs = rows.map((r) => parseInvoiceNo(r.invoiceNo)?.sequence);
    expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    const later = [...synthesizeInvoices(3, { seed: 11, now: NOW, firstSequence: 1_000_001 })];
    expect(later.map((r) => parseInvoiceNo(r.invoiceNo)?.sequence)).toEqual([1_000_001, 1_000_002, 1_000_003]);
    expect([...synthesizeInvoices(0, { seed: 1, now: NOW })]).toEqual([]);
    expect([...synthesizeInvoices(1, { seed: 1, now: NOW })]).toHaveLength(1);
  });

  it('is deterministic for a seed and now', () => {
    const again = [...synthesizeInvoices(2_000, { seed: 11, now: NOW })];
    const other = [...synthesizeInvoices(2_000, { seed: 12, now: NOW })];
    const first = [...synthesizeInvoices(2_000, { seed: 11, now: NOW })];
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('writes every field consistently', () => {
    for (const r of rows) {
      const problems: string[] = [];
      if (!isValidInvoiceNo(r.invoiceNo)) problems.push('invoice_no');
      if (parseInvoiceNo(r.invoiceNo)!.region !== r.region) problems.push('region in number');
      if (parseInvoiceNo(r.invoiceNo)!.year !== Number(taxPeriodOf(r.issuedAt).slice(2, 4))) problems.push('year in number');
      if (r.sellerTaxId.slice(2, 4) !== r.region) problems.push('seller division');
      if (!isValidCreditCode(r.sellerTaxId)) problems.push('seller_tax_id');
      if (r.buyerTaxId !== null && !isValidCreditCode(r.buyerTaxId)) problems.push('buyer_tax_id');
      if (r.buyerTaxId === null && r.kind !== 'ordinary') problems.push('person buyer on a special invoice');
      if (![r.amount, r.tax, r.total].every(Number.isSafeInteger)) problems.push('fen');
      if (r.tax !== taxFor(r.amount, r.taxRate) || r.total !== r.amount + r.tax) problems.push('tax/total');
      if (r.issuedAt.getTime() > NOW.getTime()) problems.push('issued after now');
      if ((r.syncStatus === 'synced') !== (r.syncedAt !== null)) problems.push('synced_at');
      if (r.syncedAt && (r.syncedAt < r.issuedAt || r.syncedAt > NOW)) problems.push('synced_at range');
      if (r.declaredPeriod !== null && (!isTaxPeriod(r.declaredPeriod) || r.declaredPeriod < taxPeriodOf(r.issuedAt))) problems.push('declared_period');
      if (!/^(sales|purchases|expenses|assets)\/\d{4}-\d{2}$/.test(r.folder)) problems.push('folder');
      if (r.updatedAt < r.issuedAt) problems.push('updated_at');
      if (problems.length) throw new Error(`${r.invoiceNo}: ${problems.join(', ')}\n${JSON.stringify(r)}`);
    }
  });

  it('links every red-letter invoice to an earlier original whose status says so', () => {
    const red = rows.filter((r) => r.originalInvoiceNo !== null);
    expect(red.length / N).toBeGreaterThan(0.02);
    expect(red.length / N).toBeLessThan(0.05);
    for (const r of red) {
      const o = byNo.get(r.originalInvoiceNo!);
      expect(o).toBeDefined();
      expect(r.amount).toBeLessThan(0);
      expect(r.status).toBe('issued');
      expect(o!.originalInvoiceNo).toBeNull();
      expect(r.issuedAt.getTime()).toBeGreaterThanOrEqual(o!.issuedAt.getTime());
      expect([r.sellerTaxId, r.buyerName, r.taxRate, r.kind]).toEqual([o!.sellerTaxId, o!.buyerName, o!.taxRate, o!.kind]);
      if (o!.status === 'red-flushed') expect([r.amount + o!.amount, r.tax + o!.tax]).toEqual([0, 0]);
      else {
        expect(o!.status).toBe('partially-red-flushed');
        expect(-r.amount).toBeLessThan(o!.amount);
      }
      expect(o!.rowVersion).toBe(2);
      expect(o!.updatedAt.getTime()).toBeGreaterThanOrEqual(r.issuedAt.getTime());
    }
    const flushed = rows.filter((r) => r.status !== 'issued');
    expect(flushed).toHaveLength(red.length);
  });

  it('has a hot current month, log-normal amounts, persons, and recent unsynced invoices', () => {
    const current = rows.filter((r) => taxPeriodOf(r.issuedAt) === '2026-11');
    expect(current.length / N).toBeGreaterThan(HOT_MONTH_SHARE * 0.9);
    // Current-month invoices are undeclared, or already declared in this period.
    expect(new Set(current.map((r) => r.declaredPeriod))).toEqual(new Set([null, '2026-11']));
    const positive = rows.filter((r) => r.amount > 0).map((r) => Math.log(r.amount));
    const mean = positive.reduce((a, b) => a + b, 0) / positive.length;
    const sd = Math.sqrt(positive.reduce((a, b) => a + (b - mean) ** 2, 0) / positive.length);
    expect(sd).toBeGreaterThan(1.5); // spread over orders of magnitude
    expect(Math.exp(mean)).toBeGreaterThan(50_000); // median hundreds to thousands of CNY
    expect(Math.exp(mean)).toBeLessThan(1_000_000);
    const high = rows.filter((r) => r.total >= HIGH_VALUE_FEN).length;
    expect(high).toBeGreaterThan(0);
    expect(high / N).toBeLessThan(0.01);
    expect(rows.filter((r) => r.buyerTaxId === null).length / N).toBeGreaterThan(0.1);
    const unsynced = rows.filter((r) => r.syncStatus !== 'synced');
    expect(unsynced.length).toBeGreaterThan(0);
    const recent = unsynced.filter((r) => NOW.getTime() - r.issuedAt.getTime() < 3 * 86_400_000);
    expect(recent.length / unsynced.length).toBeGreaterThan(0.5);
    expect(new Set(unsynced.map((r) => r.syncStatus))).toEqual(new Set(['pending', 'failed']));
    expect(new Set(rows.map((r) => r.region)).size).toBeGreaterThan(20);
    const classify = priorityClassifier(NOW);
    expect(new Set(rows.map(classify)).size).toBe(6);
  });

  it('refuses impossible options', () => {
    expect(() => [...synthesizeInvoices(-1, { seed: 1, now: NOW })]).toThrow(/count/);
    expect(() => [...synthesizeInvoices(10, { seed: 1, now: new Date('nope') })]).toThrow(/now/);
    expect(() => [...synthesizeInvoices(10, { seed: 1, now: NOW, firstSequence: 999_999_999_999_995 })]).toThrow(/no room/);
  });
});

describe('COPY text serialization', () => {
  it('escapes backslash, tab, newline and carriage return; null is \\N', () => {
    expect(copyText('plain 名称')).toBe('plain 名称');
    expect(copyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyText(null)).toBe('\\N');
    expect(copyText('\\N')).toBe('\\\\N');
  });

  it('formats instants exactly like toISOString', () => {
    const instants = [0, 1, 999, 86_399_999, 86_400_000, -1, -86_400_001, NOW.getTime(), Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(1999, 11, 31, 0, 0, 0, 5)];
    for (let i = 0; i < 2000; i++) instants.push(Math.floor(Math.sin(i) * 2e12));
    for (const t of instants) expect(isoUtc(new Date(t))).toBe(new Date(t).toISOString());
  });

  it('writes one line per invoice with a field per column', () => {
    for (const r of rows.slice(0, 500)) {
      const line = invoiceCopyLine(r);
      expect(line.endsWith('\n')).toBe(true);
      const fields = line.slice(0, -1).split('\t');
      expect(fields).toHaveLength(INVOICE_COLUMNS.length);
      expect(fields[INVOICE_COLUMNS.indexOf('invoice_no')]).toBe(r.invoiceNo);
      expect(fields[INVOICE_COLUMNS.indexOf('buyer_tax_id')]).toBe(r.buyerTaxId ?? '\\N');
      expect(fields[INVOICE_COLUMNS.indexOf('total')]).toBe(String(r.total));
    }
    const odd = { ...rows[0], sellerName: 'tab\there', buyerName: 'line\nbreak\\' };
    const fields = invoiceCopyLine(odd).slice(0, -1).split('\t');
    expect(fields).toHaveLength(INVOICE_COLUMNS.length);
    expect(fields[INVOICE_COLUMNS.indexOf('seller_name')]).toBe('tab\\there');
    expect(fields[INVOICE_COLUMNS.indexOf('buyer_name')]).toBe('line\\nbreak\\\\');
  });
});
