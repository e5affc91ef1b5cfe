// The body of POST /diagnoses as the diagnosis core's question: which of the two shapes it is,
// amounts from yuan to fen, and every bad value refused naming the API's own field.
import type { InvoiceQuestion, ReconcileQuestion } from '../../../../domain/einvoice/diagnosis';
import { DiagnosisInputError } from '../../../../domain/einvoice/diagnosis';
import { assertInvoiceQuestion, assertReconcileQuestion } from '../../../../domain/einvoice/diagnosis/validate';
import type { AuditSubject } from '../auth/audit-trail';
import { DiagnoseDto, INVOICE_FIELDS, RECONCILE_FIELDS } from './diagnose.dto';

export type Question = { kind: 'invoice'; question: InvoiceQuestion } | { kind: 'reconciliation'; question: ReconcileQuestion; role: 'seller' | 'buyer' };

/** A body that is not a question the diagnosis can answer: the message names the field. */
export class QuestionError extends Error {
  override readonly name = 'QuestionError';
}

/** The core's field names where they differ from the API's. */
const API_FIELD: Record<string, string> = { issueDate: 'date' };

const given = (dto: DiagnoseDto, fields: readonly string[]) => fields.filter((f) => (dto as Record<string, unknown>)[f] !== undefined);

/** What the audit trail says the question was about, even when it is refused. */
export function subjectOf(dto: DiagnoseDto): AuditSubject {
  if (typeof dto.invoiceNo === 'string') return { type: 'invoice', id: dto.invoiceNo.slice(0, 40) };
  if (typeof dto.taxpayer === 'string') return { type: 'taxpayer-period', id: `${dto.taxpayer.slice(0, 40)}/${String(dto.period ?? '?').slice(0, 40)}` };
  return { type: 'diagnosis', id: '(new)' };
}

/** Yuan with at most two decimals (the DTO checked) to whole fen, without float drift. */
function fenOf(yuan: number): number {
  const fen = Math.round(yuan * 100);
  if (!Number.isSafeInteger(fen)) throw new QuestionError(`amount: ${yuan} is not an amount of yuan an invoice can carry`);
  return fen;
}

/** The question in the core's terms, checked as of `now`; QuestionError names the field. */
export function questionOf(dto: DiagnoseDto, now: Date): Question {
  const invoice = given(dto, INVOICE_FIELDS);
  const period = given(dto, RECONCILE_FIELDS);
  if (invoice.length > 0 && period.length > 0) {
    throw new QuestionError(`the body asks about one invoice (${invoice.join(', ')}) and a taxpayer-period (${period.join(', ')}) at once: send either {invoiceNo, date?, amount?, sellerTaxId?, buyerTaxId?, folder?} or {taxpayer, period}`);
  }
  try {
    if (invoice.length > 0) {
      if (dto.invoiceNo === undefined) throw new QuestionError(`invoiceNo is required to diagnose one invoice (got ${invoice.join(', ')})`);
      const question: InvoiceQuestion = { invoiceNo: dto.invoiceNo };
      if (dto.date !== undefined) question.issueDate = dto.date;
      if (dto.amount !== undefined) question.amount = fenOf(dto.amount);
      if (dto.sellerTaxId !== undefined) question.sellerTaxId = dto.sellerTaxId;
      if (dto.buyerTaxId !== undefined) question.buyerTaxId = dto.buyerTaxId;
      if (dto.folder !== undefined) question.folder = dto.folder;
      assertInvoiceQuestion(question, now.getTime());
      return { kind: 'invoice', question };
    }
    if (period.length > 0) {
      for (const f of ['taxpayer', 'period'] as const) if (dto[f] === undefined) throw new QuestionError(`${f} is required for a reconciliation (with ${f === 'taxpayer' ? 'period' : 'taxpayer'})`);
      const question: ReconcileQuestion = { taxpayer: dto.taxpayer!, period: dto.period! };
      assertReconcileQuestion(question, now.getTime());
      return { kind: 'reconciliation', question, role: dto.role ?? 'seller' };
    }
  } catch (err) {
    if (!(err instanceof DiagnosisInputError)) throw err;
    const field = API_FIELD[err.field];
    throw new QuestionError(field ? `${field}${err.message.slice(err.field.length)}` : err.message);
  }
  throw new QuestionError('the body names nothing to diagnose: send {invoiceNo, date?, amount?, sellerTaxId?, buyerTaxId?, folder?} for one invoice or {taxpayer, period} for a reconciliation');
}
