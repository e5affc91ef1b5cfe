// The e-invoice domain (einvoice-domain.md): invoice numbers, unified social credit codes, money
// and tax, tax periods, restore priority classes and a synthetic invoice generator. Pure: no I/O,
// no clock (callers pass `now`), no Math.random (a seeded PRNG).
export { mulberry32, pick, randomInt, standardNormal, weightedPicker } from './random';
export type { Rng } from './random';
export { CHINA_UTC_OFFSET_MS, addMonths, chinaDayOfMonth, chinaYear, isTaxPeriod, periodStart, taxPeriodOf } from './period';
export type { TaxPeriod } from './period';
export { MAX_SEQUENCE, PROVINCES, PROVINCE_CODES, SEQUENCE_DIGITS, formatInvoiceNo, isProvinceCode, isValidInvoiceNo, parseInvoiceNo } from './invoice-number';
export type { InvoiceNoParts } from './invoice-number';
export {
  CREDIT_CODE_ALPHABET,
  CREDIT_CODE_PROBLEM_TEXT,
  CREDIT_CODE_WEIGHTS,
  ORG_CODE_WEIGHTS,
  REGISTRATION_AUTHORITIES,
  creditCodeCheckChar,
  creditCodeProblem,
  isValidCreditCode,
  makeCreditCode,
  orgCodeCheckChar,
  randomCreditCode,
} from './credit-code';
export type { CreditCodeProblem } from './credit-code';
export { HIGH_VALUE_FEN, TAX_RATES, assertFen, formatYuan, isTaxRate, priceWithTax, taxFor } from './money';
export type { TaxRate } from './money';
export { INVOICE_KINDS, INVOICE_STATUSES, SYNC_STATUSES, isRedLetter } from './invoice';
export type { Invoice, InvoiceKind, InvoiceStatus, SyncStatus } from './invoice';
export { PRIORITY_CLASSES, priorityBounds, priorityClassCaseSql, priorityClassOf, priorityClassSql, priorityClassifier } from './priority';
export type { ClassifiableInvoice, PriorityBounds, PriorityClass } from './priority';
export { FOLDER_CATEGORIES, HISTORY_MONTHS, HOT_MONTH_SHARE, RED_LETTER_SHARE, synthesizeInvoices } from './synthesize';
export type { SynthesizeOptions, Taxpayer } from './synthesize';
