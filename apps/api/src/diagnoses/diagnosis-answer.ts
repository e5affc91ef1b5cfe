// The answer of POST /diagnoses, as the CLI and other clients read it (plain JSON).
import type { Asker, DiagnosisCause, InvoiceDiagnosis, InvoiceQuestion, Reconciliation } from '../../../../domain/einvoice/diagnosis';

/** Who asked, with whose scope, and the order the causes were checked in (the seed's). */
export interface Asked {
  asker: Asker;
  askedBy: string;
  checkedInOrder: readonly DiagnosisCause[];
}

export type InvoiceAnswer = Asked & { kind: 'invoice'; question: InvoiceQuestion; diagnosis: InvoiceDiagnosis };

/** `counts`: discrepancies per cause in the seed's order (one with two causes counts under both). */
export type ReconcileAnswer = Asked & { kind: 'reconciliation'; role: 'seller' | 'buyer'; counts: Record<DiagnosisCause, number>; reconciliation: Reconciliation };

export type DiagnosisAnswer = InvoiceAnswer | ReconcileAnswer;
