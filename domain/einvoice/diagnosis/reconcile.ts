// One taxpayer-period: the platform's list against the local ledger, each discrepancy with its
// causes. Linear in the rows: both sides are indexed by number, and the near-match search (199
// variants a number) runs only on the numbers left unmatched.
import { causeRank, DIAGNOSIS_CAUSES } from './causes';
import type { DiagnosisCause } from './causes';
import { arrivalCheck, factsOf, folderCheck, nearNumberCheck, platformFailure, sameFacts, sameNumberCheck, scopeCheck, syncCheck, versionCheck } from './checks';
import type { Discrepancy, Finding, FindingOf, LedgerRow, PlatformInvoice, Reconciliation, ReconcileInput } from './diagnosis.types';
import { finding } from './next-steps';
import { assertAsker, assertPlatformError, assertReconcileQuestion, assertSyncFacts } from './validate';

function sorted(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => causeRank(a.cause) - causeRank(b.cause));
}

function trulyMissing(invoiceNo: string, local: 'absent' | 'present', platform: 'absent' | 'present', nearCandidatesChecked: number): Finding {
  return finding('truly-missing', {
    invoiceNo,
    local,
    platform,
    nearCandidatesChecked,
    checkedCauses: DIAGNOSIS_CAUSES.filter((c) => c !== 'truly-missing'),
  });
}

/** Throws DiagnosisInputError for a bad taxpayer, a period that is not one or is in the future, a bad asker or sync facts. */
export function reconcile(input: ReconcileInput): Reconciliation {
  const now = assertSyncFacts(input.sync);
  assertReconcileQuestion(input.question, now);
  assertAsker(input.asker);
  if (!input.platform.reached) assertPlatformError('platform.error', input.platform.error);
  const { question, asker, platform, sync } = input;
  const base = { taxpayer: question.taxpayer, period: question.period, localCount: input.local.length };
  if (!platform.reached) {
    const platformFinding = platformFailure(platform.error) as FindingOf<'network'> | FindingOf<'permission'>;
    return { ...base, platformCount: null, matchedCount: 0, platformFinding, discrepancies: [] };
  }

  const localByNo = new Map<string, LedgerRow>();
  for (const row of input.local) localByNo.set(row.invoiceNo, row);
  const onPlatform = new Set<string>();
  const discrepancies: Discrepancy[] = [];
  const platformOnly: PlatformInvoice[] = [];
  let matchedCount = 0;

  // Numbers on both sides: the same invoice, unless it is unreadable, out of the asker's sight,
  // keyed with other facts or misfiled.
  for (const record of platform.invoices) {
    // A paged list may repeat a row that moved between pages: count each number once.
    if (onPlatform.has(record.invoiceNo)) continue;
    onPlatform.add(record.invoiceNo);
    const row = localByNo.get(record.invoiceNo);
    if (!row) {
      platformOnly.push(record);
      continue;
    }
    matchedCount++;
    const findings = versionCheck('local', row).concat(
      versionCheck('platform', record),
      scopeCheck(row, asker),
      sameFacts(row, record) ? [] : sameNumberCheck(record.invoiceNo, { local: factsOf(row), platform: factsOf(record) }),
      folderCheck(row, undefined),
    );
    if (findings.length > 0) discrepancies.push({ invoiceNo: record.invoiceNo, side: 'both', findings: sorted(findings) });
  }

  const localOnly = new Map<string, LedgerRow>();
  for (const row of input.local) if (!onPlatform.has(row.invoiceNo)) localOnly.set(row.invoiceNo, row);

  // On the platform only: a local row keyed one digit off explains it (and is then not reported
  // again as local-only); else it may still be on its way, or truly missing.
  for (const record of platformOnly) {
    const near = nearNumberCheck(record.invoiceNo, [{ facts: factsOf(record), person: false }], localOnly, 'local');
    for (const n of near) localOnly.delete(n.row.invoiceNo);
    const findings = [...versionCheck('platform', record), ...arrivalCheck(record, sync, now), ...near.map((n) => n.finding)];
    if (findings.length === 0) findings.push(trulyMissing(record.invoiceNo, 'absent', 'present', localOnly.size + near.length));
    discrepancies.push({ invoiceNo: record.invoiceNo, side: 'platform-only', findings: sorted(findings) });
  }

  // Local only: the sync has not (or not yet) brought it to the platform.
  for (const row of localOnly.values()) {
    const findings = [...versionCheck('local', row), ...syncCheck(row, false, sync, now)];
    if (findings.length === 0) findings.push(trulyMissing(row.invoiceNo, 'present', 'absent', 0));
    discrepancies.push({ invoiceNo: row.invoiceNo, side: 'local-only', findings: sorted(findings) });
  }

  return { ...base, platformCount: onPlatform.size, matchedCount, platformFinding: null, discrepancies };
}

/**
 * How many discrepancies each cause explains, in the seed's order (a discrepancy with two causes
 * counts under both); a platform that could not be read counts once under its own cause.
 */
export function countByCause(r: Reconciliation): Record<DiagnosisCause, number> {
  const counts = Object.fromEntries(DIAGNOSIS_CAUSES.map((c) => [c, 0])) as Record<DiagnosisCause, number>;
  if (r.platformFinding) counts[r.platformFinding.cause]++;
  for (const d of r.discrepancies) for (const cause of new Set(d.findings.map((f) => f.cause))) counts[cause]++;
  return counts;
}
