// The invoice database's effects: open (create + migrate), fill with synthetic invoices, count.
export { adminUrlFor, prepareInvoiceDatabase } from './database';
export { INVOICE_COLUMNS, copyText, generateInvoices, invoiceCopyLine, isoUtc } from './generate';
export type { GenerateOptions, GenerateResult } from './generate';
export { invoiceStats } from './stats';
export type { InvoiceStats } from './stats';
