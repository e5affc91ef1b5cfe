// The diagnosis inputs read from a real invoice database: seed 001's misfiled invoice, a keyed-in
// transposition, a failed sync and a row outside the asker's region, each diagnosed end to end;
// a taxpayer-period read to the Beijing month's first and last instant; and one taxpayer-period of
// 100,000 generated invoices reconciled against a platform listing with 50 arranged discrepancies.
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { FOLDER_CATEGORIES, formatInvoiceNo, makeCreditCode } from '../../domain/einvoice';
import { DiagnosisInputError, diagnoseInvoice, reconcile } from '../../domain/einvoice/diagnosis';
import type { Asker, InvoiceQuestion, LedgerRow, PlatformInvoice, SyncFacts } from '../../domain/einvoice/diagnosis';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { invoiceDiagnosisInputFromLedger, reconcileInputFromLedger } from '../../activities/invoices/diagnosis-inputs';
import { asOneTaxpayerPeriod, generateInvoices } from '../../activities/invoices/generate';
import { NEAR_CANDIDATE_LIMIT, allTaxpayerPeriodRows, ledgerRowOf, nearCandidates, taxpayerPeriodRows } from '../../activities/invoices/ledger';
import { dropDatabase } from '../../scripts/stack/postgres';
import { adminUrl, urlOf } from './support/databases';
import { expectDiscrepancies, Expected } from '../unit/einvoice-diagnosis-fixtures';

const MINUTE = 60_000;
/** 2026-11-20 12:00 in Beijing. */
const NOW = '2026-11-20T04:00:00.000Z';
const NOW_MS = Date.parse(NOW);
const SYNC: SyncFacts = { syncIntervalMs: 15 * MINUTE, platformDelayMs: 30 * MINUTE, now: NOW };
const N = 100_000;

/** The busy Beijing seller that every generated invoice is moved to (one taxpayer-period of 100,000). */
const BIG = makeCreditCode({ authority: '9', type: '1', division: '110105', orgBody: 'MA02BCDE' });
const SELLER = makeCreditCode({ authority: '9', type: '1', division: '110108', orgBody: 'MA01ABCD' });
const BUYER = makeCreditCode({ authority: '9', type: '1', division: '310115', orgBody: '12345678' });
const EDGE = makeCreditCode({ authority: '9', type: '1', division: '110101', orgBody: 'MA03EFGH' });
/** Li Na, Beijing finance: region 11, the sales and purchases folders. */
const LI_NA: Asker = { id: 'li.na', regions: ['11'], folders: ['sales', 'purchases'] };

const name = `yingji_ledger_${randomBytes(4).toString('hex')}`;
const url = urlOf(name);
// Periods are Beijing months whatever the session's time zone.
const pool = new Pool({ connectionString: url, max: 2, options: '-c TimeZone=America/Los_Angeles' });

const numberOf = (sequence: number, region = '11') => formatInvoiceNo({ year: 26, region, channel: 2, sequence });

/** Inserts one invoice (issued_at as text, so microseconds reach the database). */
async function insert(over: { invoiceNo: string; issuedAt: string } & Partial<Record<string, unknown>>): Promise<void> {
  const r = {
    kind: 'special',
    sellerTaxId: SELLER,
    buyerTaxId: BUYER,
    amount: 1_000_000,
    tax: 130_000,
    status: 'issued',
    region: '11',
    folder: 'sales/2026-11',
    syncStatus: 'synced',
    syncedAt: null as string | null,
    ...over,
  };
  await pool.query(
    `INSERT INTO invoices (invoice_no, issued_at, kind, seller_tax_id, buyer_tax_id, seller_name, buyer_name, amount, tax_rate, tax, total, status, region, folder, sync_status, synced_at)
     VALUES ($1, $2, $3, $4, $5, '北京某科技有限公司', '上海某贸易有限公司', $6, 13, $7, $6::bigint + $7::bigint, $8, $9, $10, $11, $12)`,
    [r.invoiceNo, r.issuedAt, r.kind, r.sellerTaxId, r.buyerTaxId, r.amount, r.tax, r.status, r.region, r.folder, r.syncStatus,
      r.syncStatus === 'synced' ? (r.syncedAt ?? new Date(Date.parse(r.issuedAt) + MINUTE).toISOString()) : r.syncedAt],
  );
}

function recordOf(r: LedgerRow, over: Partial<PlatformInvoice> = {}): PlatformInvoice {
  return { invoiceNo: r.invoiceNo, issuedAt: r.issuedAt, kind: r.kind, sellerTaxId: r.sellerTaxId, buyerTaxId: r.buyerTaxId, amount: r.amount, total: r.total, ...over };
}

async function diagnose(question: InvoiceQuestion, platform: PlatformInvoice | null, asker: Asker = LI_NA) {
  const input = await invoiceDiagnosisInputFromLedger(pool, question, asker, { reached: true, invoice: platform }, SYNC);
  return { input, diagnosis: diagnoseInvoice(input) };
}

beforeAll(async () => {
  await prepareInvoiceDatabase(url);
  await generateInvoices(url, { count: N, seed: 12, now: NOW });
  // One taxpayer-period: every generated invoice becomes BIG's, issued every 15 s from Nov 1 00:00
  // Beijing time (to Nov 18), synced a minute later, filed under its category's November folder.
  await asOneTaxpayerPeriod(pool, BIG, '2026-11');
});

afterAll(async () => {
  await pool.end();
  await dropDatabase(adminUrl(), name);
});

describe('diagnosing one invoice from the ledger', () => {
  it("seed 001: the customer's Beijing invoice is filed under October's folder, not where finance looked", async () => {
    const no = numberOf(5_000_012);
    await insert({ invoiceNo: no, issuedAt: '2026-11-18T01:30:00.000Z', folder: 'sales/2026-10' });
    const local = await ledgerRowOf(pool, no);
    expect(local).toEqual({
      invoiceNo: no,
      issuedAt: '2026-11-18T01:30:00.000Z',
      kind: 'special',
      sellerTaxId: SELLER,
      buyerTaxId: BUYER,
      amount: 1_000_000,
      total: 1_130_000,
      status: 'issued',
      region: '11',
      folder: 'sales/2026-10',
      syncStatus: 'synced',
      syncedAt: '2026-11-18T01:31:00.000Z',
      declaredPeriod: null,
    });
    const { input, diagnosis } = await diagnose({ invoiceNo: no, issueDate: '2026-11-18', amount: 1_130_000, folder: 'sales/2026-11' }, recordOf(local!));
    expect(input.local).toEqual(local);
    expect(diagnosis.outcome).toBe('explained');
    expect(diagnosis.findings.map((f) => [f.cause, f.evidence])).toEqual([['misfiled', { folder: 'sales/2026-10', expectedFolder: 'sales/2026-11', basis: 'asked' }]]);
  });

  it('a number keyed with two digits swapped is found among the candidates and diagnosed as data entry', async () => {
    const asked = numberOf(5_000_112); // what the customer holds, and the platform shows
    const keyed = numberOf(5_000_121); // what was typed into the ledger
    const neighbour = numberOf(5_000_113); // the seller's next invoice: one digit off, another amount
    await insert({ invoiceNo: keyed, issuedAt: '2026-11-17T02:00:00.000Z', amount: 2_000_000, tax: 260_000 });
    await insert({ invoiceNo: neighbour, issuedAt: '2026-11-17T03:00:00.000Z', amount: 500_000, tax: 65_000 });
    const onPlatform = recordOf((await ledgerRowOf(pool, keyed))!, { invoiceNo: asked });

    const { input, diagnosis } = await diagnose({ invoiceNo: asked, issueDate: '2026-11-17', amount: 2_260_000, sellerTaxId: SELLER }, onPlatform);
    expect(input.local).toBeNull();
    expect(input.candidates.map((c) => c.invoiceNo)).toEqual(expect.arrayContaining([keyed, neighbour]));
    expect(input.candidates.map((c) => c.invoiceNo)).not.toContain(asked);
    expect(diagnosis.outcome).toBe('explained');
    expect(diagnosis.findings.map((f) => [f.cause, f.evidence])).toEqual([
      [
        'data-entry',
        { reason: 'near-number', invoiceNo: asked, nearInvoiceNo: keyed, foundIn: 'local', difference: 'transposition', position: 19, agreeingFacts: ['amount', 'issueDate', 'sellerTaxId', 'buyerTaxId'] },
      ],
    ]);
  });

  it('a row whose upload failed is a sync failure', async () => {
    const no = numberOf(5_000_201);
    await insert({ invoiceNo: no, issuedAt: '2026-11-19T06:00:00.000Z', syncStatus: 'failed' });
    const { diagnosis } = await diagnose({ invoiceNo: no, issueDate: '2026-11-19' }, null);
    expect(diagnosis.findings.map((f) => [f.cause, f.evidence])).toEqual([['sync-failure', { reason: 'failed', syncStatus: 'failed', code: null, message: null }]]);
  });

  it("a Shanghai invoice asked about by Beijing finance is outside the asker's region", async () => {
    const no = numberOf(5_000_301, '31');
    await insert({ invoiceNo: no, issuedAt: '2026-11-16T02:00:00.000Z', sellerTaxId: BUYER, buyerTaxId: SELLER, region: '31' });
    const { input, diagnosis } = await diagnose({ invoiceNo: no }, null);
    expect(input.local?.region).toBe('31');
    expect(diagnosis.findings.map((f) => f.cause)).toEqual(['permission', 'sync-failure']);
    expect(diagnosis.findings[0].evidence).toEqual({
      reason: 'out-of-scope',
      askerId: 'li.na',
      outside: ['region'],
      rowRegion: '31',
      rowFolder: 'sales/2026-11',
      askerRegions: ['11'],
      askerFolders: ['sales', 'purchases'],
    });
    // With the platform showing it, the region is the only cause.
    const shown = await diagnose({ invoiceNo: no }, recordOf(input.local!));
    expect(shown.diagnosis.findings.map((f) => f.cause)).toEqual(['permission']);
  });

  it('caps the fact-based candidates of a busy seller', async () => {
    const rows = await nearCandidates(pool, { invoiceNo: numberOf(9_000_000), issueDate: '2026-11-05', sellerTaxId: BIG });
    expect(rows).toHaveLength(NEAR_CANDIDATE_LIMIT);
    expect(rows.every((r) => r.sellerTaxId === BIG)).toBe(true);
    // Nearest the asked day first: Nov 5 00:00 Beijing time is within 25 minutes of all of them.
    expect(rows.every((r) => Math.abs(Date.parse(r.issuedAt) - Date.parse('2026-11-05T00:00:00+08:00')) <= 25 * MINUTE)).toBe(true);
  });

  it('refuses a bad question before reading anything, naming the field', async () => {
    await expect(ledgerRowOf(pool, '2611200000000000001')).rejects.toThrow(new DiagnosisInputError('invoiceNo', '2611200000000000001', 'has 19 characters; an invoice number has 20 digits'));
    await expect(diagnose({ invoiceNo: numberOf(1), issueDate: '2026-12-01' }, null)).rejects.toThrow(/issueDate: "2026-12-01" is in the future/);
    const badCode = `${BIG.slice(0, 17)}${BIG[17] === '0' ? '1' : '0'}`;
    await expect(allTaxpayerPeriodRows(pool, badCode, '2026-11', 'seller')).rejects.toThrow(/^taxpayer: .* wrong check character/);
    await expect(allTaxpayerPeriodRows(pool, BIG, '2026-13', 'seller')).rejects.toThrow('period: "2026-13" is not a tax period (yyyy-MM)');
    await expect(allTaxpayerPeriodRows(pool, BIG, '2026-11', 'owner' as 'seller')).rejects.toThrow('role: "owner" is not one of seller, buyer, either');
  });
});

describe("a taxpayer-period's rows", () => {
  it("are exactly the rows from the Beijing month's first instant to its last, on the side asked", async () => {
    const at = (seq: number, issuedAt: string, over: Record<string, unknown> = {}) => insert({ invoiceNo: numberOf(6_000_000 + seq), issuedAt, sellerTaxId: EDGE, folder: 'sales/2026-10', ...over });
    await at(1, '2026-09-30 23:59:59.999999+08');
    await at(2, '2026-10-01 00:00:00+08');
    await at(3, '2026-10-15 10:00:00+08', { sellerTaxId: SELLER, buyerTaxId: EDGE });
    await at(4, '2026-10-31 23:59:59.999999+08');
    await at(5, '2026-11-01 00:00:00+08');
    const numbers = async (role: 'seller' | 'buyer' | 'either') => {
      const pages: string[][] = [];
      for await (const page of taxpayerPeriodRows(pool, EDGE, '2026-10', role, 1)) pages.push(page.map((r) => r.invoiceNo));
      return pages;
    };
    expect(await numbers('either')).toEqual([[numberOf(6_000_002)], [numberOf(6_000_003)], [numberOf(6_000_004)]]);
    expect(await numbers('seller')).toEqual([[numberOf(6_000_002)], [numberOf(6_000_004)]]);
    expect(await numbers('buyer')).toEqual([[numberOf(6_000_003)]]);
    expect((await allTaxpayerPeriodRows(pool, EDGE, '2026-10', 'seller')).map((r) => r.issuedAt)).toEqual(['2026-09-30T16:00:00.000Z', '2026-10-31T15:59:59.999Z']);
  });

  it('come in pages, with event-loop turns between them', async () => {
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const sizes: number[] = [];
    for await (const page of taxpayerPeriodRows(pool, BIG, '2026-11', 'seller')) sizes.push(page.length);
    ticking = false;
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(N);
    expect(sizes.length).toBe(50);
    expect(turns).toBeGreaterThanOrEqual(sizes.length);
  });

  it('stop cleanly when the reader breaks off, leaving the pool usable', async () => {
    // Three times on a pool of two: a connection kept after a break would leave the last read waiting.
    for (let i = 0; i < 3; i++) {
      for await (const page of taxpayerPeriodRows(pool, BIG, '2026-11', 'seller', 10)) {
        expect(page).toHaveLength(10);
        break;
      }
    }
    expect(await allTaxpayerPeriodRows(pool, EDGE, '2026-10', 'buyer')).toHaveLength(1);
  });
});

describe('reconciling a taxpayer-period of 100,000 generated invoices', () => {
  it('finds exactly the 50 arranged discrepancies through the ledger adapter', async () => {
    // The platform's listing, built from the same rows with plain SQL.
    const { rows } = await pool.query<{ invoice_no: string; issued_at: Date; kind: string; seller_tax_id: string; buyer_tax_id: string | null; amount: string; total: string }>(
      `SELECT invoice_no, issued_at, kind, seller_tax_id, buyer_tax_id, amount, total FROM invoices WHERE seller_tax_id = $1 ORDER BY invoice_no`,
      [BIG],
    );
    expect(rows).toHaveLength(N);
    const platform = new Map<string, PlatformInvoice>(
      rows.map((r) => [
        r.invoice_no,
        { invoiceNo: r.invoice_no, issuedAt: r.issued_at.toISOString(), kind: r.kind, sellerTaxId: r.seller_tax_id, buyerTaxId: r.buyer_tax_id, amount: Number(r.amount), total: Number(r.total) },
      ]),
    );
    const expected = new Map<string, Expected>();
    const picked = rows.map((r) => r.invoice_no).filter((_, i) => i % 1999 === 7).slice(0, 34);
    let next = 0;
    const each = async (n: number, change: (no: string) => Promise<unknown> | unknown, e: Expected) => {
      for (let k = 0; k < n; k++) {
        const no = picked[next++];
        await change(no);
        expected.set(no, e);
      }
    };
    const set = (sql: string) => (no: string) => pool.query(`UPDATE invoices SET ${sql} WHERE invoice_no = $1`, [no]);

    // On the platform only: 8 issued 5 minutes ago (on their way), 8 on Nov 5 (truly missing).
    const template = platform.get(picked[0])!;
    const platformOnly: PlatformInvoice[] = [];
    for (let k = 0; k < 16; k++) {
      const record = { ...template, invoiceNo: numberOf(5_300_000 + k * 10_007), issuedAt: k < 8 ? new Date(NOW_MS - 5 * MINUTE).toISOString() : '2026-11-05T02:00:00.000Z', amount: 7_000 + k, total: 7_910 + k };
      platformOnly.push(record);
      expected.set(record.invoiceNo, k < 8 ? { side: 'platform-only', causes: ['sync-delay'], reason: 'not-local-yet' } : { side: 'platform-only', causes: ['truly-missing'] });
    }
    // Keyed one digit off locally (the 6th digit): the platform's number is explained, the local row not reported again.
    const keyedAs = (no: string) => `${no.slice(0, 5)}9${no.slice(6)}`;
    await each(6, (no) => pool.query(`UPDATE invoices SET invoice_no = $2 WHERE invoice_no = $1`, [no, keyedAs(no)]), { side: 'platform-only', causes: ['data-entry'], reason: 'near-number' });
    // Local only: 6 failed, 4 pending since early November, 2 accepted 5 minutes ago, 2 accepted long ago and gone.
    const localOnly = (n: number, change: (no: string) => Promise<unknown> | unknown, e: Expected) => each(n, async (no) => (await change(no), platform.delete(no)), e);
    await localOnly(6, set(`sync_status = 'failed', synced_at = NULL`), { side: 'local-only', causes: ['sync-failure'], reason: 'failed' });
    await localOnly(4, set(`sync_status = 'pending', synced_at = NULL`), { side: 'local-only', causes: ['sync-failure'], reason: 'pending-too-long' });
    await localOnly(2, (no) => pool.query(`UPDATE invoices SET issued_at = $2, synced_at = $3 WHERE invoice_no = $1`, [no, new Date(NOW_MS - 10 * MINUTE), new Date(NOW_MS - 5 * MINUTE)]), {
      side: 'local-only',
      causes: ['sync-delay'],
      reason: 'not-visible-yet',
    });
    await localOnly(2, () => undefined, { side: 'local-only', causes: ['sync-failure'], reason: 'lost-after-acceptance' });
    // On both sides, but: another amount on the platform, October's folder, a folder Li Na cannot see, a format this system does not read.
    const onPlatform = (change: (r: PlatformInvoice) => void) => (no: string) => change(platform.get(no)!);
    await each(4, onPlatform((r) => ((r.amount += 100), (r.total += 100))), { side: 'both', causes: ['data-entry'], reason: 'other-facts' });
    await each(4, set(`folder = 'sales/2026-10'`), { side: 'both', causes: ['misfiled'] });
    await each(3, set(`folder = 'board/2026-11'`), { side: 'both', causes: ['permission'], reason: 'out-of-scope' });
    await each(3, onPlatform((r) => void (r.formatVersion = '2.0')), { side: 'both', causes: ['version'] });
    expect(expected.size).toBe(50);

    const asker: Asker = { id: 'li.na', regions: ['11'], folders: [...FOLDER_CATEGORIES] };
    const input = await reconcileInputFromLedger(pool, { taxpayer: BIG, period: '2026-11' }, 'seller', asker, { reached: true, invoices: [...platform.values(), ...platformOnly] }, SYNC);
    const result = reconcile(input);

    expect(result).toMatchObject({ taxpayer: BIG, period: '2026-11', localCount: N, platformCount: N - 14 + 16, matchedCount: N - 20, platformFinding: null });
    const found = expectDiscrepancies(result, expected);
    expect(found.get(picked[0])!.findings[0].evidence).toMatchObject({ nearInvoiceNo: keyedAs(picked[0]), difference: 'one-digit', position: 6 });
  });
});
