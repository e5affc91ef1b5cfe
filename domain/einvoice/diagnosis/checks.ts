// The individual checks, each on plain rows and returning findings (empty when it does not hold).
// diagnose-invoice.ts runs them for one number, reconcile.ts for every discrepancy of a period.
import { INVOICE_KINDS } from '../invoice';
import { isTaxPeriod, taxPeriodOf } from '../period';
import type { Asker, FactDifference, Finding, LedgerRow, PlatformError, PlatformInvoice, SyncFacts } from './diagnosis.types';
import { findNear } from './near-match';
import { finding } from './next-steps';
import { chinaDate } from './validate';

/**
 * Format versions this system reads. The project's choice: the simulator states none (read as
 * readable) or '1.0'; a record stating any other version is reported, not guessed at.
 */
export const READABLE_FORMAT_VERSIONS: readonly string[] = ['1.0'];

/** The platform could not answer: login expired (1101) is a permission matter, the rest an outage. */
export function platformFailure(error: PlatformError): Finding {
  if (error.code === '1101') return finding('permission', { reason: 'login-expired', ...error });
  const transport = error.code === 'unreachable' || error.code.startsWith('http-');
  return finding('network', { reason: transport ? 'unreachable' : 'platform-error', ...error });
}

export function versionCheck(where: 'local' | 'platform', record: { kind: string; formatVersion?: string }): Finding[] {
  const kindOk = (INVOICE_KINDS as readonly string[]).includes(record.kind);
  const versionOk = record.formatVersion === undefined || READABLE_FORMAT_VERSIONS.includes(record.formatVersion);
  if (kindOk && versionOk) return [];
  return [
    finding('version', {
      where,
      kind: record.kind,
      ...(record.formatVersion !== undefined ? { formatVersion: record.formatVersion } : {}),
      readableKinds: INVOICE_KINDS,
      readableFormatVersions: READABLE_FORMAT_VERSIONS,
    }),
  ];
}

/** Is `folder` the folder `scope` names or under it (path segments: 'sales' covers 'sales/2026-11')? */
export function folderWithin(folder: string, scope: string): boolean {
  const s = scope.endsWith('/') ? scope.slice(0, -1) : scope;
  return folder === s || folder.startsWith(`${s}/`);
}

export function scopeCheck(row: LedgerRow, asker: Asker): Finding[] {
  const outside: ('region' | 'folder')[] = [];
  if (asker.regions !== 'all' && !asker.regions.includes(row.region)) outside.push('region');
  if (asker.folders !== 'all' && !asker.folders.some((f) => folderWithin(row.folder, f))) outside.push('folder');
  if (outside.length === 0) return [];
  return [
    finding('permission', {
      reason: 'out-of-scope',
      askerId: asker.id,
      outside,
      rowRegion: row.region,
      rowFolder: row.folder,
      askerRegions: asker.regions,
      askerFolders: asker.folders,
    }),
  ];
}

/**
 * Misfiled: not where the person looked (when they say), or under a folder whose period
 * (a last segment `yyyy-MM`, as the ledger files them) is not the invoice's tax period.
 */
export function folderCheck(row: LedgerRow, askedFolder: string | undefined): Finding[] {
  if (askedFolder !== undefined && !folderWithin(row.folder, askedFolder)) {
    return [finding('misfiled', { folder: row.folder, expectedFolder: askedFolder, basis: 'asked' })];
  }
  const segments = row.folder.split('/');
  const last = segments[segments.length - 1];
  const period = taxPeriodOf(new Date(row.issuedAt));
  if (!isTaxPeriod(last) || last === period) return [];
  const expectedFolder = [...segments.slice(0, -1), period].join('/');
  return [finding('misfiled', { folder: row.folder, expectedFolder, basis: 'issue-period' })];
}

/**
 * The local row's sync state against what the platform showed: `onPlatform` is undefined when the
 * platform could not be asked (then only what the row alone proves is reported).
 */
export function syncCheck(row: LedgerRow, onPlatform: boolean | undefined, sync: SyncFacts, now: number): Finding[] {
  if (row.syncStatus === 'failed') {
    return [finding('sync-failure', { reason: 'failed', syncStatus: 'failed', code: row.syncCode ?? null, message: row.syncMessage ?? null })];
  }
  if (row.syncStatus === 'pending') {
    const ageMs = now - Date.parse(row.issuedAt);
    if (ageMs > sync.syncIntervalMs) {
      return [finding('sync-failure', { reason: 'pending-too-long', syncStatus: 'pending', issuedAt: row.issuedAt, ageMs, syncIntervalMs: sync.syncIntervalMs })];
    }
    if (onPlatform === false) return [finding('sync-delay', { reason: 'not-uploaded-yet', issuedAt: row.issuedAt, ageMs, syncIntervalMs: sync.syncIntervalMs })];
    return [];
  }
  if (onPlatform !== false) return [];
  const since = row.syncedAt ?? row.issuedAt;
  const ageMs = now - Date.parse(since);
  if (ageMs <= sync.platformDelayMs && row.syncedAt) {
    return [finding('sync-delay', { reason: 'not-visible-yet', syncedAt: row.syncedAt, ageMs, platformDelayMs: sync.platformDelayMs })];
  }
  return [finding('sync-failure', { reason: 'lost-after-acceptance', syncStatus: 'synced', syncedAt: row.syncedAt, ageMs, platformDelayMs: sync.platformDelayMs })];
}

/** On the platform, not local: recent enough to be still on its way? */
export function arrivalCheck(record: PlatformInvoice, sync: SyncFacts, now: number): Finding[] {
  const ageMs = now - Date.parse(record.issuedAt);
  if (ageMs > sync.platformDelayMs) return [];
  return [finding('sync-delay', { reason: 'not-local-yet', platformIssuedAt: record.issuedAt, ageMs, platformDelayMs: sync.platformDelayMs })];
}

/** The facts a person or a source states about an invoice, for comparing sources. */
export interface Facts {
  amount?: number;
  total?: number;
  issueDate?: string;
  sellerTaxId?: string;
  buyerTaxId?: string | null;
}

export function factsOf(r: LedgerRow | PlatformInvoice): Facts {
  return { amount: r.amount, total: r.total, issueDate: chinaDate(r.issuedAt), sellerTaxId: r.sellerTaxId, buyerTaxId: r.buyerTaxId };
}

type FactField = FactDifference['field'];
const FACT_FIELDS: readonly FactField[] = ['amount', 'issueDate', 'sellerTaxId', 'buyerTaxId'];

/**
 * Does `stated` (what a person says, which may be the amount or the total) agree with `source`
 * on `field`? undefined when either side does not know it.
 */
function agrees(field: FactField, stated: Facts, source: Facts, statedIsPerson: boolean): boolean | undefined {
  const a = stated[field];
  const b = source[field];
  if (a === undefined || a === null || b === undefined || b === null) return undefined;
  if (field === 'amount') {
    if (statedIsPerson) return a === b || a === source.total;
    return a === b && (stated.total === undefined || source.total === undefined || stated.total === source.total);
  }
  return a === b;
}

/** The cheap test a reconciliation runs on every matched pair before comparing field by field. */
export function sameFacts(a: LedgerRow | PlatformInvoice, b: LedgerRow | PlatformInvoice): boolean {
  return (
    a.amount === b.amount &&
    a.total === b.total &&
    a.sellerTaxId === b.sellerTaxId &&
    a.buyerTaxId === b.buyerTaxId &&
    (a.issuedAt === b.issuedAt || chinaDate(a.issuedAt) === chinaDate(b.issuedAt))
  );
}

/**
 * Same number, other facts: every field on which the person's question, the local row and the
 * platform's record (those given) do not all agree.
 */
export function sameNumberCheck(invoiceNo: string, sources: { question?: Facts; local?: Facts; platform?: Facts }): Finding[] {
  const differences: FactDifference[] = [];
  for (const field of FACT_FIELDS) {
    const pairs: [Facts | undefined, Facts | undefined, boolean][] = [
      [sources.question, sources.local, true],
      [sources.question, sources.platform, true],
      [sources.local, sources.platform, false],
    ];
    const disagree = pairs.some(([a, b, person]) => a && b && agrees(field, a, b, person) === false);
    if (!disagree) continue;
    const d: FactDifference = { field };
    if (sources.question?.[field] !== undefined) d.question = sources.question[field];
    if (sources.local) d.local = sources.local[field] ?? null;
    if (sources.platform) d.platform = sources.platform[field] ?? null;
    differences.push(d);
  }
  return differences.length === 0 ? [] : [finding('data-entry', { reason: 'other-facts', invoiceNo, differences })];
}

/**
 * Near numbers in `byNumber` whose facts agree with what is known of the wanted invoice (from the
 * person, who may quote amount or total, and from a source's record): every known fact agrees and at least one is known (a neighbour in the same seller's sequence is one
 * digit off too, so the number alone proves nothing).
 */
export function nearNumberCheck<T extends LedgerRow | PlatformInvoice>(
  invoiceNo: string,
  known: readonly { facts: Facts; person: boolean }[],
  byNumber: ReadonlyMap<string, T>,
  foundIn: 'local' | 'platform',
): { finding: Finding; row: T }[] {
  const out: { finding: Finding; row: T }[] = [];
  for (const near of findNear(invoiceNo, byNumber)) {
    const theirs = factsOf(near.value);
    const verdicts = known.flatMap((k) => FACT_FIELDS.map((f) => [f, agrees(f, k.facts, theirs, k.person)] as const));
    if (verdicts.some(([, v]) => v === false)) continue;
    const agreeingFacts = FACT_FIELDS.filter((f) => verdicts.some(([g, v]) => g === f && v === true));
    if (agreeingFacts.length === 0) continue;
    out.push({
      row: near.value,
      finding: finding('data-entry', {
        reason: 'near-number',
        invoiceNo,
        nearInvoiceNo: near.invoiceNo,
        foundIn,
        difference: near.how.difference,
        position: near.how.position,
        agreeingFacts,
      }),
    });
  }
  return out;
}
