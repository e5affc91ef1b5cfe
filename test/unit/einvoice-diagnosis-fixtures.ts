// Rows and platform records for the diagnosis tests: a Beijing seller's invoices in November 2026.
import { formatInvoiceNo, makeCreditCode } from '../../domain/einvoice';
import type { Asker, LedgerRow, PlatformInvoice, Reconciliation, SyncFacts } from '../../domain/einvoice/diagnosis';

export const SELLER = makeCreditCode({ authority: '9', type: '1', division: '110108', orgBody: 'MA01ABCD' });
export const BUYER = makeCreditCode({ authority: '9', type: '1', division: '310115', orgBody: '12345678' });

export const MINUTE = 60_000;
/** 2026-11-20 12:00 China time. */
export const NOW = '2026-11-20T04:00:00.000Z';
export const NOW_MS = Date.parse(NOW);
export const SYNC: SyncFacts = { syncIntervalMs: 15 * MINUTE, platformDelayMs: 30 * MINUTE, now: NOW };

/** Li Na, Beijing finance: region 11, the sales and purchases folders. */
export const LI_NA: Asker = { id: 'li.na', regions: ['11'], folders: ['sales', 'purchases'] };

export function invoiceNo(sequence: number): string {
  return formatInvoiceNo({ year: 26, region: '11', channel: 2, sequence });
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A synced Beijing sales invoice issued 2026-11-18 09:30 China time, filed under sales/2026-11. */
export function row(overrides: Partial<LedgerRow> = {}): LedgerRow {
  const issuedAt = overrides.issuedAt ?? '2026-11-18T01:30:00.000Z';
  return {
    invoiceNo: invoiceNo(1234567),
    issuedAt,
    kind: 'special',
    sellerTaxId: SELLER,
    buyerTaxId: BUYER,
    amount: 1_000_000,
    total: 1_130_000,
    status: 'issued',
    region: '11',
    folder: 'sales/2026-11',
    syncStatus: 'synced',
    syncedAt: iso(Date.parse(issuedAt) + MINUTE),
    declaredPeriod: null,
    ...overrides,
  };
}

/** What the platform holds for a local row (fphm, kprq, amounts). */
export function recordOf(r: LedgerRow, overrides: Partial<PlatformInvoice> = {}): PlatformInvoice {
  return {
    invoiceNo: r.invoiceNo,
    issuedAt: r.issuedAt,
    kind: r.kind,
    sellerTaxId: r.sellerTaxId,
    buyerTaxId: r.buyerTaxId,
    amount: r.amount,
    total: r.total,
    ...overrides,
  };
}

/** A discrepancy a reconciliation test arranged: its side, its causes in order, and the first finding's reason. */
export type Expected = { side: 'platform-only' | 'local-only' | 'both'; causes: string[]; reason?: string };

/** The reconciliation found exactly the arranged discrepancies, each once, on its side, with its causes and reason. */
export function expectDiscrepancies(result: Reconciliation, expected: Map<string, Expected>): Map<string, Reconciliation['discrepancies'][number]> {
  const found = new Map(result.discrepancies.map((d) => [d.invoiceNo, d]));
  expect(found.size).toBe(result.discrepancies.length);
  expect([...found.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [no, e] of expected) {
    const d = found.get(no)!;
    expect({ no, side: d.side, causes: d.findings.map((f) => f.cause) }).toEqual({ no, side: e.side, causes: e.causes });
    if (e.reason) expect({ no, reason: (d.findings[0].evidence as { reason?: string }).reason }).toEqual({ no, reason: e.reason });
  }
  return found;
}
