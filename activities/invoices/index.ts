// The invoice database's effects: open (create + migrate), fill with synthetic invoices, count.
export { adminUrlFor, prepareInvoiceDatabase } from './database';
export { INVOICE_COLUMNS, copyText, generateInvoices, invoiceCopyLine, isoUtc } from './generate';
export type { GenerateOptions, GenerateResult } from './generate';
export { invoiceStats } from './stats';
export type { InvoiceStats } from './stats';
// Issuing (held while frozen) and the sync with the tax platform.
export { ISSUING_MODES, freezeIssuing, issueInvoices, issuingState, resumeIssuing } from './issuing';
export type { IssueRequest, IssueResult, IssuingMode, IssuingState } from './issuing';
export { DraftError, checkDraft, syntheticDrafts } from './issue-drafts';
export type { InvoiceDraft } from './issue-drafts';
export { DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, declarationBlockingBefore, syncPass } from './sync';
export type { SyncOutcome, SyncPassOptions, SyncProgress } from './sync';
export { createTaxSyncActivities, describeOutcome } from './sync.activities';
export type { TaxSyncRequest } from './sync.activities';
