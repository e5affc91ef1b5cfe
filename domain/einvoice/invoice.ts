// The invoice record as einvoice-domain.md describes it (table `invoices` in the invoice database).
import type { TaxRate } from './money';
import type { TaxPeriod } from './period';

export const INVOICE_KINDS = ['special', 'ordinary'] as const;
/** `special` 增值税专用发票, `ordinary` 普通发票. */
export type InvoiceKind = (typeof INVOICE_KINDS)[number];

export const INVOICE_STATUSES = ['issued', 'red-flushed', 'partially-red-flushed'] as const;
/** `red-flushed` 红冲 (fully reversed), `partially-red-flushed`. A red-letter invoice itself is `issued`. */
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export const SYNC_STATUSES = ['pending', 'synced', 'failed'] as const;
/** Against the national tax platform. */
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export interface Invoice {
  invoiceNo: string;
  issuedAt: Date;
  kind: InvoiceKind;
  sellerTaxId: string;
  /** null for a person (only on ordinary invoices). */
  buyerTaxId: string | null;
  sellerName: string;
  buyerName: string;
  /** Fen, excluding tax; negative on a red-letter invoice. */
  amount: number;
  taxRate: TaxRate;
  tax: number;
  total: number;
  status: InvoiceStatus;
  /** Set on a red-letter invoice (红字发票): the invoice it reverses. */
  originalInvoiceNo: string | null;
  /** Province code of the seller's tax authority, e.g. '11'. */
  region: string;
  folder: string;
  syncStatus: SyncStatus;
  syncedAt: Date | null;
  /** The tax period the invoice was declared in, null if not yet declared. */
  declaredPeriod: TaxPeriod | null;
  updatedAt: Date;
  rowVersion: number;
}

/** A red-letter invoice (红字发票): negative amounts, pointing at the invoice it reverses. */
export function isRedLetter(inv: Pick<Invoice, 'originalInvoiceNo'>): boolean {
  return inv.originalInvoiceNo !== null && inv.originalInvoiceNo !== undefined;
}
