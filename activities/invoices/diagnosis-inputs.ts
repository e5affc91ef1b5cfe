// The diagnosis core's inputs, filled from the invoice database. The platform's answer and the sync
// facts come in from their own adapters (the tax-platform client, the sync schedule), so this file
// only reads the ledger. The question is checked before anything is read.
import type { Asker, InvoiceDiagnosisInput, InvoiceQuestion, PlatformListing, PlatformLookup, ReconcileInput, ReconcileQuestion, SyncFacts } from '../../domain/einvoice/diagnosis';
import { assertAsker, assertInvoiceQuestion, assertReconcileQuestion, assertSyncFacts } from '../../domain/einvoice/diagnosis/validate';
import { allTaxpayerPeriodRows, ledgerRowOf, nearCandidates } from './ledger';
import type { LedgerDb, TaxpayerRole } from './ledger';

/** "Invoice X is not in the system": the row with that number and, when there is none, the rows it may have been keyed as. */
export async function invoiceDiagnosisInputFromLedger(
  db: LedgerDb,
  question: InvoiceQuestion,
  asker: Asker,
  platform: PlatformLookup,
  sync: SyncFacts,
): Promise<InvoiceDiagnosisInput> {
  assertInvoiceQuestion(question, assertSyncFacts(sync));
  assertAsker(asker);
  const local = (await ledgerRowOf(db, question.invoiceNo)) ?? null;
  // With the number on file the core looks no further, so the candidates are not read.
  const candidates = local ? [] : await nearCandidates(db, question);
  return { question, asker, local, candidates, platform, sync };
}

/**
 * One taxpayer-period: every local row on the same side (`role`) as the platform's listing, so that
 * a buyer's invoices are not reported missing from a seller listing.
 */
export async function reconcileInputFromLedger(
  db: LedgerDb,
  question: ReconcileQuestion,
  role: TaxpayerRole,
  asker: Asker,
  platform: PlatformListing,
  sync: SyncFacts,
): Promise<ReconcileInput> {
  assertReconcileQuestion(question, assertSyncFacts(sync));
  assertAsker(asker);
  const local = await allTaxpayerPeriodRows(db, question.taxpayer, question.period, role);
  return { question, asker, local, platform, sync };
}
