// Diagnosing an invoice that "is not in the system" and reconciling a taxpayer-period with the tax
// platform (tax-platform.md). Pure: adapters read the invoice database and the platform and pass
// plain rows in; no I/O, no clock (`sync.now`).
export { CAUSE_NAMES, DIAGNOSIS_CAUSES, causeRank } from './causes';
export type { DiagnosisCause } from './causes';
export type * from './diagnosis.types';
export { diagnoseInvoice } from './diagnose-invoice';
export { countByCause, reconcile } from './reconcile';
export { READABLE_FORMAT_VERSIONS, folderWithin } from './checks';
export { findNear, nearNumbers, numberDifference } from './near-match';
export type { NumberDifference } from './near-match';
export { describeFinding, evidenceLines } from './next-steps';
export { PLATFORM_CODES, adviceFor, describeCode } from './platform-codes';
export type { PlatformCode } from './platform-codes';
export { DiagnosisInputError, chinaDate } from './validate';
