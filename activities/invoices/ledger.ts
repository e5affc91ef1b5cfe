// The local ledger side of the missing-invoice diagnosis: rows of `invoices` read as the core's
// LedgerRow (domain/einvoice/diagnosis/README.md, "Filling the inputs"). Every read ignores the
// asker's scope on purpose: the core decides what the asker may see and says so as a finding.
import { Pool } from 'pg';
import type { ClientBase } from 'pg';
import { addMonths, isTaxPeriod, periodStart } from '../../domain/einvoice';
import type { SyncStatus, TaxPeriod } from '../../domain/einvoice';
import { DiagnosisInputError, nearNumbers } from '../../domain/einvoice/diagnosis';
import type { InvoiceQuestion, LedgerRow } from '../../domain/einvoice/diagnosis';
import { assertCreditCode, assertInvoiceNo } from '../../domain/einvoice/diagnosis/validate';

/** A pool (a connection is taken per call) or one connection the caller owns (not inside a transaction). */
export type LedgerDb = Pool | ClientBase;

/** Which side of the invoice the taxpayer is on; the platform lists by seller or by buyer. */
export type TaxpayerRole = 'seller' | 'buyer' | 'either';
export const TAXPAYER_ROLES: readonly TaxpayerRole[] = ['seller', 'buyer', 'either'];

/** Rows per page of a taxpayer-period (one FETCH): small enough to map between two event-loop turns. */
export const PERIOD_PAGE_ROWS = 2_000;
/** Most rows each fact-based candidate search returns (a busy seller has 100,000 in a month). */
export const NEAR_CANDIDATE_LIMIT = 100;

const COLUMNS = `invoice_no, issued_at, kind, seller_tax_id, buyer_tax_id, amount, total, status, region, folder, sync_status, synced_at, declared_period, sync_code, sync_message`;

interface Row {
  invoice_no: string;
  issued_at: Date;
  kind: string;
  seller_tax_id: string;
  buyer_tax_id: string | null;
  amount: string;
  total: string;
  status: string;
  region: string;
  folder: string;
  sync_status: SyncStatus;
  synced_at: Date | null;
  declared_period: string | null;
  sync_code: string | null;
  sync_message: string | null;
}

// syncCode/syncMessage are set only when the sync recorded the platform's answer.
function ledgerRow(r: Row): LedgerRow {
  return {
    invoiceNo: r.invoice_no,
    issuedAt: r.issued_at.toISOString(),
    kind: r.kind,
    sellerTaxId: r.seller_tax_id,
    buyerTaxId: r.buyer_tax_id,
    amount: Number(r.amount),
    total: Number(r.total),
    status: r.status,
    region: r.region,
    folder: r.folder,
    syncStatus: r.sync_status,
    syncedAt: r.synced_at ? r.synced_at.toISOString() : null,
    declaredPeriod: r.declared_period,
    ...(r.sync_code ? { syncCode: r.sync_code } : {}),
    ...(r.sync_message ? { syncMessage: r.sync_message } : {}),
  };
}

/** The row with this number, whoever may see it; undefined when there is none. */
export async function ledgerRowOf(db: LedgerDb, invoiceNo: string): Promise<LedgerRow | undefined> {
  assertInvoiceNo('invoiceNo', invoiceNo);
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM invoices WHERE invoice_no = $1`, [invoiceNo]);
  return rows[0] && ledgerRow(rows[0]);
}

/** [start, end) of a tax period: 00:00 Beijing time on its first day to 00:00 on the next month's. */
export function periodBounds(period: TaxPeriod): { from: Date; to: Date } {
  return { from: periodStart(period), to: periodStart(addMonths(period, 1)) };
}

/** [start, end) of a China calendar day (yyyy-MM-dd, kprq's date). */
function chinaDayBounds(date: string): { from: Date; to: Date } {
  const from = new Date(`${date}T00:00:00+08:00`);
  return { from, to: new Date(from.getTime() + 86_400_000) };
}

/**
 * Rows that may be the asked invoice keyed differently: every number one digit off or with two
 * adjacent digits swapped (by primary key); the same seller or buyer in the asked date's period,
 * with the asked amount or total when given; the asked amount or total on the asked day. The
 * fact-based searches are capped at `limit` rows each, nearest the asked day first. The asked
 * number itself is left out (it is `local`). Call with a validated question.
 */
export async function nearCandidates(db: LedgerDb, q: InvoiceQuestion, limit = NEAR_CANDIDATE_LIMIT): Promise<LedgerRow[]> {
  assertInvoiceNo('invoiceNo', q.invoiceNo);
  const found = new Map<string, LedgerRow>();
  const add = (rows: Row[]) => rows.forEach((r) => found.set(r.invoice_no, ledgerRow(r)));

  add((await db.query<Row>(`SELECT ${COLUMNS} FROM invoices WHERE invoice_no = ANY($1)`, [[...nearNumbers(q.invoiceNo)]])).rows);
  if (q.issueDate === undefined) return [...found.values()];

  const day = chinaDayBounds(q.issueDate);
  const amountOrTotal = `($A::bigint IS NULL OR amount = $A OR total = $A)`;
  if (q.sellerTaxId !== undefined || q.buyerTaxId !== undefined) {
    const { from, to } = periodBounds(q.issueDate.slice(0, 7));
    const sql = `SELECT ${COLUMNS} FROM invoices
      WHERE (seller_tax_id = $1 OR buyer_tax_id = $2) AND issued_at >= $3 AND issued_at < $4 AND invoice_no <> $5 AND ${amountOrTotal.replace(/\$A/g, '$6')}
      ORDER BY abs(extract(epoch FROM issued_at - $7::timestamptz)), invoice_no LIMIT $8`;
    add((await db.query<Row>(sql, [q.sellerTaxId ?? null, q.buyerTaxId ?? null, from, to, q.invoiceNo, q.amount ?? null, day.from, limit])).rows);
  }
  if (q.amount !== undefined) {
    const sql = `SELECT ${COLUMNS} FROM invoices
      WHERE issued_at >= $1 AND issued_at < $2 AND invoice_no <> $3 AND (amount = $4 OR total = $4)
      ORDER BY issued_at, invoice_no LIMIT $5`;
    add((await db.query<Row>(sql, [day.from, day.to, q.invoiceNo, q.amount, limit])).rows);
  }
  return [...found.values()];
}

function assertPeriodQuestion(taxpayer: string, period: TaxPeriod, role: TaxpayerRole): void {
  assertCreditCode('taxpayer', taxpayer);
  if (!isTaxPeriod(period)) throw new DiagnosisInputError('period', period, 'is not a tax period (yyyy-MM)');
  if (!TAXPAYER_ROLES.includes(role)) throw new DiagnosisInputError('role', role, `is not one of ${TAXPAYER_ROLES.join(', ')}`);
}

/**
 * Every row of the taxpayer (as `role`) issued in the period, in pages of `pageRows`. One
 * server-side cursor in a read-only transaction: all pages come from one snapshot, each page is
 * one FETCH, so 100,000 rows never arrive (or get mapped) in one event-loop turn. Breaking out of
 * the loop closes the cursor and frees the connection.
 */
export async function* taxpayerPeriodRows(
  db: LedgerDb,
  taxpayer: string,
  period: TaxPeriod,
  role: TaxpayerRole,
  pageRows = PERIOD_PAGE_ROWS,
): AsyncGenerator<LedgerRow[]> {
  assertPeriodQuestion(taxpayer, period, role);
  if (!Number.isSafeInteger(pageRows) || pageRows < 1) throw new DiagnosisInputError('pageRows', pageRows, 'is not a number of rows (≥ 1)');
  const party = role === 'seller' ? 'seller_tax_id = $1' : role === 'buyer' ? 'buyer_tax_id = $1' : '(seller_tax_id = $1 OR buyer_tax_id = $1)';
  const { from, to } = periodBounds(period);
  const pooled = db instanceof Pool ? await db.connect() : undefined;
  const client = pooled ?? (db as ClientBase);
  let open = false;
  try {
    await client.query('BEGIN READ ONLY');
    open = true;
    await client.query(`DECLARE ledger_period NO SCROLL CURSOR FOR SELECT ${COLUMNS} FROM invoices WHERE ${party} AND issued_at >= $2 AND issued_at < $3`, [taxpayer, from, to]);
    for (;;) {
      const { rows } = await client.query<Row>(`FETCH ${pageRows} FROM ledger_period`);
      if (rows.length === 0) break;
      yield rows.map(ledgerRow);
      if (rows.length < pageRows) break;
    }
    await client.query('COMMIT');
    open = false;
  } finally {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    pooled?.release();
  }
}

/** Every row of the taxpayer-period, collected from the pages. */
export async function allTaxpayerPeriodRows(db: LedgerDb, taxpayer: string, period: TaxPeriod, role: TaxpayerRole): Promise<LedgerRow[]> {
  const all: LedgerRow[] = [];
  for await (const page of taxpayerPeriodRows(db, taxpayer, period, role)) for (const r of page) all.push(r);
  return all;
}
