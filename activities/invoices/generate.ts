// Fills the invoice database with synthetic invoices (domain/einvoice/synthesize.ts) through
// `COPY invoices (...) FROM STDIN`, the fastest way into PostgreSQL: one statement, rows streamed
// in text format, no per-row round trip or parse.
//
// The change log is off for the load, on purpose. Generated rows are a baseline (what the system
// held before anything happened), not changes to replay: logging them would put one I row per
// invoice in invoice_changes (a million rows at the benchmark size) and run a PL/pgSQL trigger per
// row, several times slower than the COPY itself. So, inside the load's transaction:
//   ALTER TABLE invoices DISABLE TRIGGER invoices_change_log; COPY ...; ENABLE TRIGGER; COMMIT
// The ALTER takes a SHARE ROW EXCLUSIVE lock until commit: readers go on, but other writers wait,
// so no other session's change can slip through unlogged, and the disabled state is never visible
// outside the transaction (a crash rolls it back with the rows). The catch for backups: rows
// generated after a full backup are not in any incremental; take a full backup after generating.
import { randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { periodStart, synthesizeInvoices } from '../../domain/einvoice';
import type { Invoice, TaxPeriod } from '../../domain/einvoice';
import { INVOICE_CHANGE_TRIGGER } from '../../migrations/invoices/index';

export const INVOICE_COLUMNS = [
  'invoice_no',
  'issued_at',
  'kind',
  'seller_tax_id',
  'buyer_tax_id',
  'seller_name',
  'buyer_name',
  'amount',
  'tax_rate',
  'tax',
  'total',
  'status',
  'original_invoice_no',
  'region',
  'folder',
  'sync_status',
  'synced_at',
  'declared_period',
  'updated_at',
  'row_version',
] as const;

export interface GenerateOptions {
  count: number;
  /** PRNG seed; random when omitted (the result reports it, so a run can be repeated). */
  seed?: number;
  /** The moment the data is generated "at" (hot month, declaration, sync); default the clock. */
  now?: Date | string;
  /** Called as rows are handed to the COPY stream, at least once at the end. */
  onProgress?: (done: number, total: number) => void;
  /** Rows per chunk written to the stream (default 4000). */
  chunkRows?: number;
}

export interface GenerateResult {
  rows: number;
  seed: number;
  now: string;
  /** The 15-digit sequence range used by the new invoice numbers. */
  firstSequence: number;
  lastSequence: number;
  ms: number;
}

const SPECIAL = /[\\\t\n\r]/;

/** A value for COPY's text format: backslash, tab, newline and carriage return escaped; null is \N. */
export function copyText(value: string | null): string {
  if (value === null) return '\\N';
  if (!SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const DAY_MS = 86_400_000;
const dayPrefix = new Map<number, string>();

/**
 * `date.toISOString()` (UTC, milliseconds, `Z`), about five times faster: a million invoices carry
 * three timestamps each, and the days repeat, so the `YYYY-MM-DDT` part is cached per day.
 */
export function isoUtc(date: Date): string {
  const ms = date.getTime();
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefix.get(day);
  if (prefix === undefined) {
    const iso = date.toISOString();
    if (iso.length !== 24) return iso; // years outside 0000-9999
    prefix = iso.slice(0, 11);
    if (dayPrefix.size > 100_000) dayPrefix.clear();
    dayPrefix.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / 3600_000);
  rest -= h * 3600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = Math.floor(rest / 1000);
  return `${prefix}${TWO[h]}:${TWO[m]}:${TWO[sec]}.${THREE[rest - sec * 1000]}Z`;
}

/** One invoice as a line of COPY text format, columns in INVOICE_COLUMNS order. */
export function invoiceCopyLine(inv: Invoice): string {
  return (
    `${copyText(inv.invoiceNo)}\t${isoUtc(inv.issuedAt)}\t${copyText(inv.kind)}\t${copyText(inv.sellerTaxId)}\t${copyText(inv.buyerTaxId)}\t` +
    `${copyText(inv.sellerName)}\t${copyText(inv.buyerName)}\t${inv.amount}\t${inv.taxRate}\t${inv.tax}\t${inv.total}\t${copyText(inv.status)}\t` +
    `${copyText(inv.originalInvoiceNo)}\t${copyText(inv.region)}\t${copyText(inv.folder)}\t${copyText(inv.syncStatus)}\t` +
    `${inv.syncedAt === null ? '\\N' : isoUtc(inv.syncedAt)}\t${copyText(inv.declaredPeriod)}\t${isoUtc(inv.updatedAt)}\t${inv.rowVersion}\n`
  );
}

export async function generateInvoices(url: string, opts: GenerateOptions): Promise<GenerateResult> {
  const { count } = opts;
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`count must be a non-negative integer, got ${count}`);
  const seed = opts.seed ?? randomInt(0, 2 ** 31);
  const now = opts.now === undefined ? new Date() : new Date(opts.now);
  if (Number.isNaN(now.getTime())) throw new Error(`now is not a valid instant: ${String(opts.now)}`);
  const chunkRows = opts.chunkRows ?? 4000;
  const started = Date.now();

  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`ALTER TABLE invoices DISABLE TRIGGER ${INVOICE_CHANGE_TRIGGER}`);
    // After the lock: concurrent generators take turns, so their sequence ranges never overlap.
    const { rows } = await client.query<{ max: string }>(`SELECT COALESCE(MAX(substr(invoice_no, 6)::bigint), 0)::text AS max FROM invoices`);
    const firstSequence = Number(rows[0].max) + 1;

    const invoices = synthesizeInvoices(count, { seed, now, firstSequence });
    function* chunks(): Generator<string> {
      let done = 0;
      let lines: string[] = [];
      for (const inv of invoices) {
        lines.push(invoiceCopyLine(inv));
        if (lines.length === chunkRows) {
          done += lines.length;
          yield lines.join('');
          lines = [];
          opts.onProgress?.(done, count);
        }
      }
      if (lines.length) {
        done += lines.length;
        yield lines.join('');
      }
      opts.onProgress?.(done, count);
    }
    const copy = client.query(copyFrom(`COPY invoices (${INVOICE_COLUMNS.join(', ')}) FROM STDIN`));
    await pipeline(Readable.from(chunks(), { objectMode: false }), copy);
    if (copy.rowCount !== count) throw new Error(`COPY wrote ${copy.rowCount} rows, expected ${count}`);

    await client.query(`ALTER TABLE invoices ENABLE TRIGGER ${INVOICE_CHANGE_TRIGGER}`);
    await client.query('COMMIT');
    return { rows: count, seed, now: now.toISOString(), firstSequence, lastSequence: firstSequence + count - 1, ms: Date.now() - started };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

/**
 * One busy Beijing taxpayer-period for reconciliation tests and benches: every invoice in the
 * database becomes `taxpayer`'s, issued every 15 s from the start of `period` (Beijing time), synced
 * a minute later and filed under its category's folder of that month.
 */
export async function asOneTaxpayerPeriod(db: { query(sql: string, params: unknown[]): Promise<unknown> }, taxpayer: string, period: TaxPeriod): Promise<void> {
  await db.query(
    `UPDATE invoices i SET seller_tax_id = $1, region = '11', issued_at = $2::timestamptz + (s.n - 1) * interval '15 seconds',
       synced_at = $2::timestamptz + (s.n - 1) * interval '15 seconds' + interval '1 minute', sync_status = 'synced',
       folder = split_part(i.folder, '/', 1) || '/' || $3
     FROM (SELECT invoice_no, row_number() OVER (ORDER BY invoice_no) AS n FROM invoices) s WHERE s.invoice_no = i.invoice_no`,
    [taxpayer, periodStart(period), period],
  );
}
