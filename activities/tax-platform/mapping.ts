// Our invoice rows (table `invoices`, migrations/invoices/1795400000000-create-invoices.ts) to the
// platform's upload rows, and the platform's records to the diagnosis core's PlatformInvoice.
import { CHINA_UTC_OFFSET_MS } from '../../domain/einvoice';
import type { InvoiceKind } from '../../domain/einvoice';
import type { PlatformInvoice } from '../../domain/einvoice/diagnosis';
import type { PlatformRecord, UploadRow } from './wire';

/** The columns an upload needs, as pg reads them (bigint arrives as a string, timestamptz as a Date). */
export interface InvoiceRow {
  invoice_no: string;
  issued_at: Date | string;
  seller_tax_id: string;
  buyer_tax_id: string | null;
  amount: number | string;
  tax: number | string;
  total: number | string;
  original_invoice_no: string | null;
}

/** A row that cannot be uploaded as it is, naming the invoice and the column. */
export class InvoiceRowError extends Error {
  override readonly name = 'InvoiceRowError';
}

function fen(row: InvoiceRow, column: 'amount' | 'tax' | 'total'): number {
  const v = typeof row[column] === 'string' ? Number(row[column]) : row[column];
  if (!Number.isSafeInteger(v)) throw new InvoiceRowError(`invoice ${row.invoice_no}: ${column} must be an integer number of fen, got ${JSON.stringify(row[column])}`);
  return v as number;
}

/** An instant as the platform's kprq: China time with its offset, e.g. 2026-11-03T10:15:00.000+08:00. */
export function chinaTimestamp(instant: Date): string {
  return `${new Date(instant.getTime() + CHINA_UTC_OFFSET_MS).toISOString().slice(0, -1)}+08:00`;
}

/** One invoice row as an upload row; names, kind, rate and status are not part of the upload. */
export function toUploadRow(row: InvoiceRow): UploadRow {
  const issued = new Date(row.issued_at);
  if (Number.isNaN(issued.getTime())) throw new InvoiceRowError(`invoice ${row.invoice_no}: issued_at is not a date, got ${JSON.stringify(row.issued_at)}`);
  const out: UploadRow = {
    fphm: row.invoice_no.trim(),
    kprq: chinaTimestamp(issued),
    xsfnsrsbh: row.seller_tax_id.trim(),
    hjje: fen(row, 'amount'),
    hjse: fen(row, 'tax'),
    jshj: fen(row, 'total'),
  };
  if (row.buyer_tax_id !== null) out.gmfnsrsbh = row.buyer_tax_id.trim();
  if (row.original_invoice_no !== null) out.lzfphm = row.original_invoice_no.trim();
  return out;
}

/** Direct-connect type codes (票种) this system reads. */
const KIND_OF_TYPE_CODE: Readonly<Record<string, InvoiceKind>> = { '81': 'special', '01': 'special', '08': 'special', '82': 'ordinary', '04': 'ordinary', '10': 'ordinary' };

/**
 * The platform's record in the diagnosis core's terms. `kind` comes from the record's type code
 * (fppz) when it states one (an unknown code is kept as received, so the core can report it as
 * unreadable); a record that states none gets `unstatedKind`: the simulator stores no type, and
 * its blue/red `kind` is the direction of the invoice, not its type.
 */
export function toPlatformInvoice(record: PlatformRecord, unstatedKind: InvoiceKind = 'ordinary'): PlatformInvoice {
  const code = record.fppz;
  const kind = code === undefined ? unstatedKind : (Object.prototype.hasOwnProperty.call(KIND_OF_TYPE_CODE, code) ? KIND_OF_TYPE_CODE[code] : code);
  return {
    invoiceNo: record.fphm,
    issuedAt: new Date(record.kprq).toISOString(),
    kind,
    sellerTaxId: record.xsfnsrsbh,
    buyerTaxId: record.gmfnsrsbh ?? null,
    amount: record.hjje,
    total: record.jshj,
  };
}
