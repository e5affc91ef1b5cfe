// Checks on what a person asks before anything is diagnosed: each error names the field and the
// value, so the CLI and the API can show it as it is (and nothing is looked up for a bad question).
import { isISO8601 } from 'class-validator';
import { creditCodeCheckChar, creditCodeProblem, CREDIT_CODE_PROBLEM_TEXT } from '../credit-code';
import { isProvinceCode, parseInvoiceNo } from '../invoice-number';
import { CHINA_UTC_OFFSET_MS, isTaxPeriod, taxPeriodOf } from '../period';
import type { Asker, InvoiceQuestion, PlatformError, ReconcileQuestion, SyncFacts } from './diagnosis.types';

export class DiagnosisInputError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    problem: string,
  ) {
    super(`${field}: ${JSON.stringify(value)} ${problem}`);
    this.name = 'DiagnosisInputError';
  }
}

export function assertInvoiceNo(field: string, value: unknown): void {
  if (typeof value !== 'string') throw new DiagnosisInputError(field, value, 'is not an invoice number (a string of 20 digits)');
  if (value.length !== 20) throw new DiagnosisInputError(field, value, `has ${value.length} characters; an invoice number has 20 digits`);
  if (!/^\d{20}$/.test(value)) throw new DiagnosisInputError(field, value, 'has characters other than digits; an invoice number has 20 digits');
  if (!parseInvoiceNo(value)) {
    throw new DiagnosisInputError(field, value, `is not a valid invoice number (unknown provincial tax authority code ${value.slice(2, 4)} or a zero sequence)`);
  }
}

export function assertCreditCode(field: string, value: unknown): void {
  const problem = typeof value === 'string' ? creditCodeProblem(value) : 'length';
  if (!problem) return;
  let detail = CREDIT_CODE_PROBLEM_TEXT[problem];
  if (problem === 'check-character') detail += `: expected ${creditCodeCheckChar((value as string).slice(0, 17))}`;
  throw new DiagnosisInputError(field, value, detail);
}

/** A yyyy-MM-dd that exists in the calendar (2026-02-30 does not): strict ISO 8601, as the API checks dates. */
const isCalendarDate = (value: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(value) && isISO8601(value, { strict: true });

/** The China-time calendar date of an instant, yyyy-MM-dd (kprq's date). */
export function chinaDate(instant: string | number): string {
  const t = typeof instant === 'number' ? instant : Date.parse(instant);
  return new Date(t + CHINA_UTC_OFFSET_MS).toISOString().slice(0, 10);
}

/** An ISO 8601 instant with its zone (Z or ±hh:mm), as the adapters write them. */
export function assertInstant(field: string, value: unknown): number {
  const ok = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) && isCalendarDate(value.slice(0, 10));
  const t = ok ? Date.parse(value as string) : NaN;
  if (Number.isNaN(t)) throw new DiagnosisInputError(field, value, 'is not an ISO 8601 date-time with a zone (e.g. 2026-11-20T09:30:00+08:00)');
  return t;
}

export function assertSyncFacts(sync: SyncFacts): number {
  const now = assertInstant('sync.now', sync.now);
  for (const field of ['syncIntervalMs', 'platformDelayMs'] as const) {
    const v = sync[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new DiagnosisInputError(`sync.${field}`, v, 'is not a duration in milliseconds (a number ≥ 0)');
  }
  return now;
}

/** A platform failure as the adapter reports it: a code, and how many attempts it made (≥ 1). */
export function assertPlatformError(field: string, error: PlatformError): void {
  if (typeof error?.code !== 'string' || error.code.length === 0) throw new DiagnosisInputError(`${field}.code`, error?.code, 'is not a platform error code');
  if (!Number.isSafeInteger(error.attempts) || error.attempts < 1) {
    throw new DiagnosisInputError(`${field}.attempts`, error.attempts, 'is not a number of attempts (≥ 1): conclude an outage only after trying');
  }
}

export function assertAsker(asker: Asker): void {
  if (typeof asker?.id !== 'string' || asker.id.length === 0) throw new DiagnosisInputError('asker.id', asker?.id, 'is not a person or token id');
  if (asker.regions !== 'all') {
    if (!Array.isArray(asker.regions)) throw new DiagnosisInputError('asker.regions', asker.regions, 'is not a list of province codes or "all"');
    asker.regions.forEach((r, i) => {
      if (!isProvinceCode(r)) throw new DiagnosisInputError(`asker.regions[${i}]`, r, 'is not a province code (e.g. 11 for Beijing)');
    });
  }
  if (asker.folders !== 'all') {
    if (!Array.isArray(asker.folders)) throw new DiagnosisInputError('asker.folders', asker.folders, 'is not a list of folders or "all"');
    asker.folders.forEach((f, i) => {
      if (typeof f !== 'string' || f.length === 0) throw new DiagnosisInputError(`asker.folders[${i}]`, f, 'is not a folder name');
    });
  }
}

/** Throws DiagnosisInputError on the first bad field of an invoice question. */
export function assertInvoiceQuestion(q: InvoiceQuestion, now: number): void {
  assertInvoiceNo('invoiceNo', q.invoiceNo);
  if (q.issueDate !== undefined) {
    if (typeof q.issueDate !== 'string' || !isCalendarDate(q.issueDate)) throw new DiagnosisInputError('issueDate', q.issueDate, 'is not a date (yyyy-MM-dd)');
    const today = chinaDate(now);
    if (q.issueDate > today) throw new DiagnosisInputError('issueDate', q.issueDate, `is in the future (today is ${today} in China)`);
  }
  if (q.amount !== undefined && !Number.isSafeInteger(q.amount)) throw new DiagnosisInputError('amount', q.amount, 'is not a whole number of fen');
  if (q.sellerTaxId !== undefined) assertCreditCode('sellerTaxId', q.sellerTaxId);
  if (q.buyerTaxId !== undefined) assertCreditCode('buyerTaxId', q.buyerTaxId);
  if (q.folder !== undefined && (typeof q.folder !== 'string' || q.folder.length === 0 || q.folder.length > 200)) {
    throw new DiagnosisInputError('folder', q.folder, 'is not a folder name (1 to 200 characters)');
  }
}

/** Throws DiagnosisInputError on the first bad field of a reconciliation question. */
export function assertReconcileQuestion(q: ReconcileQuestion, now: number): void {
  assertCreditCode('taxpayer', q.taxpayer);
  if (!isTaxPeriod(q.period)) throw new DiagnosisInputError('period', q.period, 'is not a tax period (yyyy-MM)');
  const current = taxPeriodOf(new Date(now));
  if (q.period > current) throw new DiagnosisInputError('period', q.period, `is in the future (the current period is ${current})`);
}
