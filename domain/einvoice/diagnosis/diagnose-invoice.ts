// "Invoice X is not in the system": every cause that holds, in the seed's order (network, version,
// login and permission, the data itself, then support). Pure: the adapter has already read the
// local rows and asked the platform (with its retries); `now` comes in the input.
import { causeRank, DIAGNOSIS_CAUSES } from './causes';
import {
  arrivalCheck,
  factsOf,
  folderCheck,
  nearNumberCheck,
  platformFailure,
  sameNumberCheck,
  scopeCheck,
  syncCheck,
  versionCheck,
} from './checks';
import type { Facts } from './checks';
import type { Finding, InvoiceDiagnosis, InvoiceDiagnosisInput, LedgerRow } from './diagnosis.types';
import { finding } from './next-steps';
import { assertAsker, assertInvoiceQuestion, assertPlatformError, assertSyncFacts, DiagnosisInputError } from './validate';

/** Throws DiagnosisInputError for a bad question, asker or sync facts. */
export function diagnoseInvoice(input: InvoiceDiagnosisInput): InvoiceDiagnosis {
  const now = assertSyncFacts(input.sync);
  assertInvoiceQuestion(input.question, now);
  assertAsker(input.asker);
  if (!input.platform.reached) assertPlatformError('platform.error', input.platform.error);
  const { question, asker, local, platform, sync } = input;
  const no = question.invoiceNo;
  if (local && local.invoiceNo !== no) throw new DiagnosisInputError('local.invoiceNo', local.invoiceNo, `is not the number asked about (${no})`);

  const record = platform.reached ? platform.invoice : null;
  const onPlatform = platform.reached ? record !== null : undefined;
  const asked: Facts = { amount: question.amount, issueDate: question.issueDate, sellerTaxId: question.sellerTaxId, buyerTaxId: question.buyerTaxId };

  const findings: Finding[] = [];
  // 1. network (and 2116/1108), or the platform login (1101), which the seed checks with permissions.
  if (!platform.reached) findings.push(platformFailure(platform.error));
  // 2. version: a record in a form this system does not read.
  if (local) findings.push(...versionCheck('local', local));
  if (record) findings.push(...versionCheck('platform', record));
  // 3. permission: present here, outside the asker's scope.
  if (local) findings.push(...scopeCheck(local, asker));
  // 4. the data itself: sync delay and failure, data entry, misfiling.
  if (local) findings.push(...syncCheck(local, onPlatform, sync, now));
  else if (record) findings.push(...arrivalCheck(record, sync, now));
  if (local || record) {
    findings.push(...sameNumberCheck(no, { question: asked, local: local ? factsOf(local) : undefined, platform: record ? factsOf(record) : undefined }));
  }
  if (!local) {
    const known = [{ facts: asked, person: true }, ...(record ? [{ facts: factsOf(record), person: false }] : [])];
    const byNumber = new Map<string, LedgerRow>(input.candidates.filter((c) => c.invoiceNo !== no).map((c) => [c.invoiceNo, c]));
    findings.push(...nearNumberCheck(no, known, byNumber, 'local').map((n) => n.finding));
  }
  if (local) findings.push(...folderCheck(local, question.folder));

  findings.sort((a, b) => causeRank(a.cause) - causeRank(b.cause));
  if (findings.length > 0) return { invoiceNo: no, outcome: 'explained', findings };
  // Here the platform answered, and a local row with nothing wrong means it is there to be seen.
  if (local) return { invoiceNo: no, outcome: 'visible', findings };
  // 5. none of the above: a task for finance, with what was checked.
  const missing = finding('truly-missing', {
    invoiceNo: no,
    question,
    local: 'absent',
    platform: record ? 'present' : 'absent',
    nearCandidatesChecked: input.candidates.length,
    checkedCauses: DIAGNOSIS_CAUSES.filter((c) => c !== 'truly-missing'),
  });
  return { invoiceNo: no, outcome: 'truly-missing', findings: [missing] };
}
