// Reconciling one taxpayer-period with the platform: 100,000 invoices with 50 arranged
// discrepancies, each found once with its cause; and the small cases around it.
import { periodStart } from '../../domain/einvoice';
import { reconcile } from '../../domain/einvoice/diagnosis';
import type { LedgerRow, PlatformInvoice, ReconcileInput } from '../../domain/einvoice/diagnosis';
import { expectDiscrepancies, Expected, LI_NA, MINUTE, NOW_MS, SELLER, SYNC, invoiceNo, iso, recordOf, row } from './einvoice-diagnosis-fixtures';

const PERIOD = '2026-11';
const START = periodStart(PERIOD).getTime();
const DAY = 86_400_000;

function input(local: LedgerRow[], platform: PlatformInvoice[]): ReconcileInput {
  return { question: { taxpayer: SELLER, period: PERIOD }, asker: LI_NA, local, platform: { reached: true, invoices: platform }, sync: SYNC };
}

/** A synced invoice of the period: issued `at`, filed under sales/2026-11, its amount unique to `tag`. */
function invoice(sequence: number, at: number, tag: number, over: Partial<LedgerRow> = {}): LedgerRow {
  const amount = 10_000 + tag * 7;
  return row({ invoiceNo: invoiceNo(sequence), issuedAt: iso(at), syncedAt: iso(at + MINUTE), amount, total: amount + Math.round(amount * 0.13), ...over });
}

describe('reconciling a taxpayer-period', () => {
  it('finds exactly the 50 arranged discrepancies among 100,000 invoices, each with its cause', () => {
    const N = 100_000;
    const local: LedgerRow[] = [];
    const platform: PlatformInvoice[] = [];
    for (let i = 0; i < N; i++) {
      const r = invoice(1_000_000 + i, START + i * 15_000, i); // Nov 1 .. Nov 18, every 15 s
      local.push(r);
      platform.push(recordOf(r));
    }
    const expected = new Map<string, Expected>();
    let tag = N;
    const arrange = (n: number, make: (k: number) => void) => {
      for (let k = 0; k < n; k++) make(k);
    };

    // On the platform only: 8 issued 5 minutes ago (sync delay), 8 issued on Nov 5 (truly missing).
    arrange(8, (k) => {
      const r = invoice(2_000_000 + k * 10_007, NOW_MS - 5 * MINUTE, tag++);
      platform.push(recordOf(r));
      expected.set(r.invoiceNo, { side: 'platform-only', causes: ['sync-delay'], reason: 'not-local-yet' });
    });
    arrange(8, (k) => {
      const r = invoice(3_000_000 + k * 10_007, START + 4 * DAY, tag++);
      platform.push(recordOf(r));
      expected.set(r.invoiceNo, { side: 'platform-only', causes: ['truly-missing'] });
    });
    // On the platform only, keyed locally with two digits swapped (...12 -> ...21): data entry,
    // and the local row is not reported a second time.
    arrange(6, (k) => {
      const r = invoice(4_000_012 + k * 10_000, START + 6 * DAY, tag++);
      platform.push(recordOf(r));
      local.push({ ...r, invoiceNo: invoiceNo(4_000_021 + k * 10_000) });
      expected.set(r.invoiceNo, { side: 'platform-only', causes: ['data-entry'], reason: 'near-number' });
    });
    // Local only: 6 failed (1108), 4 pending since Nov 10, 2 accepted 5 minutes ago, 2 accepted on Nov 3.
    arrange(6, (k) => {
      const r = invoice(5_000_000 + k * 10_007, START + 8 * DAY, tag++, { syncStatus: 'failed', syncedAt: null, syncCode: '1108' });
      local.push(r);
      expected.set(r.invoiceNo, { side: 'local-only', causes: ['sync-failure'], reason: 'failed' });
    });
    arrange(4, (k) => {
      const r = invoice(6_000_000 + k * 10_007, START + 9 * DAY, tag++, { syncStatus: 'pending', syncedAt: null });
      local.push(r);
      expected.set(r.invoiceNo, { side: 'local-only', causes: ['sync-failure'], reason: 'pending-too-long' });
    });
    arrange(2, (k) => {
      const r = invoice(7_000_000 + k * 10_007, NOW_MS - 10 * MINUTE, tag++, { syncedAt: iso(NOW_MS - 5 * MINUTE) });
      local.push(r);
      expected.set(r.invoiceNo, { side: 'local-only', causes: ['sync-delay'], reason: 'not-visible-yet' });
    });
    arrange(2, (k) => {
      const r = invoice(8_000_000 + k * 10_007, START + 2 * DAY, tag++);
      local.push(r);
      expected.set(r.invoiceNo, { side: 'local-only', causes: ['sync-failure'], reason: 'lost-after-acceptance' });
    });
    // On both sides, but: 4 with another amount, 4 under October's folder, 3 in a folder Li Na
    // cannot see, 3 of a kind this system does not read. Spread over the period's rows.
    const both = (n: number, first: number, change: (r: LedgerRow) => void, e: Expected) =>
      arrange(n, (k) => {
        const r = local[first + k * 9_973];
        change(r);
        expected.set(r.invoiceNo, e);
      });
    both(4, 11, (r) => void (r.amount += 100), { side: 'both', causes: ['data-entry'], reason: 'other-facts' });
    both(4, 23, (r) => void (r.folder = 'sales/2026-10'), { side: 'both', causes: ['misfiled'] });
    both(3, 37, (r) => void (r.folder = 'board/2026-11'), { side: 'both', causes: ['permission'], reason: 'out-of-scope' });
    both(3, 51, (r) => void (r.kind = 'special-2027'), { side: 'both', causes: ['version'] });
    expect(expected.size).toBe(50);

    const result = reconcile(input(local, platform));

    expect(result).toMatchObject({ taxpayer: SELLER, period: PERIOD, platformCount: N + 22, localCount: N + 20, matchedCount: N, platformFinding: null });
    const found = expectDiscrepancies(result, expected);
    // Evidence of one of each kind.
    const swapped = found.get(invoiceNo(4_000_012))!.findings[0];
    expect(swapped.evidence).toEqual({
      reason: 'near-number',
      invoiceNo: invoiceNo(4_000_012),
      nearInvoiceNo: invoiceNo(4_000_021),
      foundIn: 'local',
      difference: 'transposition',
      position: 19,
      agreeingFacts: ['amount', 'issueDate', 'sellerTaxId', 'buyerTaxId'],
    });
    const amount = found.get(local[11].invoiceNo)!.findings[0];
    expect(amount.evidence).toEqual({ reason: 'other-facts', invoiceNo: local[11].invoiceNo, differences: [{ field: 'amount', local: local[11].amount, platform: local[11].amount - 100 }] });
    expect(found.get(local[23].invoiceNo)!.findings[0].evidence).toEqual({ folder: 'sales/2026-10', expectedFolder: 'sales/2026-11', basis: 'issue-period' });
    expect(found.get(invoiceNo(5_000_000))!.findings[0].evidence).toEqual({ reason: 'failed', syncStatus: 'failed', code: '1108', message: null });
  });

  it('a local row and a platform record one digit apart are not paired when their amounts differ', () => {
    const onPlatform = invoice(1_000_001, START + DAY, 1);
    const keyed = invoice(1_000_002, START + DAY, 2); // the next number, another invoice
    const result = reconcile(input([keyed], [recordOf(onPlatform)]));
    expect(result.discrepancies.map((d) => [d.invoiceNo, d.side, d.findings.map((f) => f.cause)])).toEqual([
      [onPlatform.invoiceNo, 'platform-only', ['truly-missing']],
      [keyed.invoiceNo, 'local-only', ['sync-failure']],
    ]);
  });

  it('a row the platform repeats on two pages is counted once', () => {
    const a = invoice(1_000_001, START + DAY, 1);
    const b = invoice(1_000_002, START + DAY, 2);
    const result = reconcile(input([a, b], [recordOf(a), recordOf(b), recordOf(b)]));
    expect(result).toMatchObject({ platformCount: 2, localCount: 2, matchedCount: 2, discrepancies: [] });
  });

  it('an unreachable platform: one network finding, no comparison', () => {
    const result = reconcile({ ...input([row()], []), platform: { reached: false, error: { code: 'http-503', httpStatus: 503, attempts: 5 } } });
    expect(result).toMatchObject({ platformCount: null, localCount: 1, matchedCount: 0, discrepancies: [] });
    expect(result.platformFinding).toMatchObject({ cause: 'network', evidence: { reason: 'unreachable', code: 'http-503', attempts: 5 } });
  });

  it('a matched invoice can carry two causes: out of the asker\'s scope and misfiled', () => {
    const r = row({ region: '31', folder: 'sales/2026-10' });
    const result = reconcile(input([r], [recordOf(r)]));
    expect(result.discrepancies.map((d) => [d.side, d.findings.map((f) => f.cause)])).toEqual([['both', ['permission', 'misfiled']]]);
  });
});
