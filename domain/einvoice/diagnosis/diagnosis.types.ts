// Inputs and answers of the missing-invoice diagnosis. Plain data (instants as ISO 8601 strings,
// money as integer fen) so they cross Temporal, HTTP and the audit log unchanged. An adapter fills
// the inputs from the invoice database (migrations/invoices/1795400000000-create-invoices.ts) and
// from the tax platform's answers (fphm, kprq, error codes 2116, 1108, 1101, 6655, 6783).
import type { SyncStatus } from '../invoice';
import type { TaxPeriod } from '../period';
import type { DiagnosisCause } from './causes';

/** A person-facing sentence in both languages, like the product's other messages. */
export interface Bilingual {
  zh: string;
  en: string;
}

/** Who is asking: what they may see (a responder's region and folder scope). */
export interface Asker {
  /** Person or token id, carried into the evidence for the audit trail. */
  id: string;
  /** Province codes they may see (e.g. ['11']), or 'all'. */
  regions: readonly string[] | 'all';
  /** Folder prefixes they may see (path segments: 'sales' covers 'sales/2026-11'), or 'all'. */
  folders: readonly string[] | 'all';
}

/** One row of the local ledger (table `invoices`), as the adapter reads it. */
export interface LedgerRow {
  invoiceNo: string;
  /** issued_at, ISO 8601. */
  issuedAt: string;
  /** kind as stored: text, so a value this version does not know can be reported, not dropped. */
  kind: string;
  sellerTaxId: string;
  buyerTaxId: string | null;
  /** Fen, excluding tax. */
  amount: number;
  /** Fen, amount + tax. */
  total: number;
  status: string;
  region: string;
  folder: string;
  syncStatus: SyncStatus;
  syncedAt: string | null;
  /** The platform's code when sync_status is failed (when the sync records it). */
  syncCode?: string | null;
  syncMessage?: string | null;
  declaredPeriod: TaxPeriod | null;
}

/** The platform's record of an invoice (fphm, kprq, amounts), mapped by the adapter. */
export interface PlatformInvoice {
  /** fphm */
  invoiceNo: string;
  /** kprq, ISO 8601 (the adapter reads the platform's China-time form). */
  issuedAt: string;
  /** Mapped to 'special' / 'ordinary' when the adapter knows the platform's type code, else as received. */
  kind: string;
  /** The record's format version, when the platform states one. */
  formatVersion?: string;
  sellerTaxId: string;
  buyerTaxId: string | null;
  amount: number;
  total: number;
  status?: string;
}

/**
 * What the platform answered after the caller's retries with backoff. `code` is the platform's
 * error code ('2116' unstable, '1108' bad data from the bureau, '1101' login expired, ...) or
 * 'http-<status>' / 'unreachable' (connection refused, timeout) for a transport failure.
 */
export interface PlatformError {
  code: string;
  message?: string;
  httpStatus?: number;
  /** How many attempts were made before concluding (≥ 1). */
  attempts: number;
}

export type PlatformLookup = { reached: true; invoice: PlatformInvoice | null } | { reached: false; error: PlatformError };
export type PlatformListing = { reached: true; invoices: readonly PlatformInvoice[] } | { reached: false; error: PlatformError };

/** How sync is set up, and when "now" is. */
export interface SyncFacts {
  /** The scheduled sync's interval: a pending invoice older than this should have gone up. */
  syncIntervalMs: number;
  /** How long the platform may take to show an accepted invoice (and we to download a new one). */
  platformDelayMs: number;
  /** ISO 8601. */
  now: string;
}

/** "Invoice X is not in the system": what the person knows. */
export interface InvoiceQuestion {
  invoiceNo: string;
  /** yyyy-MM-dd, China time (kprq's date). */
  issueDate?: string;
  /** Fen; compared with both the amount and the total (a holder may quote either). */
  amount?: number;
  sellerTaxId?: string;
  buyerTaxId?: string;
  /** Where the person looked for it (e.g. 'sales/2026-11'). */
  folder?: string;
}

export interface InvoiceDiagnosisInput {
  question: InvoiceQuestion;
  asker: Asker;
  /** The local row with the asked number, if any (read without the asker's scope). */
  local: LedgerRow | null;
  /**
   * Local rows that may be the same invoice keyed differently: the adapter's choice, e.g. the same
   * seller or buyer in the same period, or the same amount on the same day. The core decides
   * which are near.
   */
  candidates: readonly LedgerRow[];
  /** The platform's answer for the asked number (fphm + kprq). */
  platform: PlatformLookup;
  sync: SyncFacts;
}

export interface ReconcileQuestion {
  /** Unified social credit code of the taxpayer, as seller or buyer. */
  taxpayer: string;
  period: TaxPeriod;
}

export interface ReconcileInput {
  question: ReconcileQuestion;
  asker: Asker;
  /** Every local row of the taxpayer-period (read without the asker's scope). */
  local: readonly LedgerRow[];
  platform: PlatformListing;
  sync: SyncFacts;
}

// ---- Evidence, one shape per cause (and per reason within a cause) ----

export type NetworkEvidence = { reason: 'unreachable' | 'platform-error' } & PlatformError;

export interface VersionEvidence {
  where: 'local' | 'platform';
  kind: string;
  formatVersion?: string;
  readableKinds: readonly string[];
  readableFormatVersions: readonly string[];
}

export type PermissionEvidence =
  | ({ reason: 'login-expired' } & PlatformError)
  | {
      reason: 'out-of-scope';
      askerId: string;
      outside: ('region' | 'folder')[];
      rowRegion: string;
      rowFolder: string;
      askerRegions: readonly string[] | 'all';
      askerFolders: readonly string[] | 'all';
    };

export type SyncDelayEvidence =
  | { reason: 'not-local-yet'; platformIssuedAt: string; ageMs: number; platformDelayMs: number }
  | { reason: 'not-uploaded-yet'; issuedAt: string; ageMs: number; syncIntervalMs: number }
  | { reason: 'not-visible-yet'; syncedAt: string; ageMs: number; platformDelayMs: number };

export type SyncFailureEvidence =
  | { reason: 'failed'; syncStatus: 'failed'; code: string | null; message: string | null }
  | { reason: 'pending-too-long'; syncStatus: 'pending'; issuedAt: string; ageMs: number; syncIntervalMs: number }
  | { reason: 'lost-after-acceptance'; syncStatus: 'synced'; syncedAt: string | null; ageMs: number; platformDelayMs: number };

/** One fact that disagrees between the sources that hold the same invoice number. */
export interface FactDifference {
  field: 'amount' | 'issueDate' | 'sellerTaxId' | 'buyerTaxId';
  question?: string | number | null;
  local?: string | number | null;
  platform?: string | number | null;
}

export type DataEntryEvidence =
  | {
      reason: 'near-number';
      /** The number asked about (or the platform's, in a reconciliation). */
      invoiceNo: string;
      /** The near number found, and where. */
      nearInvoiceNo: string;
      foundIn: 'local' | 'platform';
      difference: 'one-digit' | 'transposition';
      /** 1-based position of the (first) differing digit. */
      position: number;
      /** The facts that agree and make the match likely. */
      agreeingFacts: ('amount' | 'issueDate' | 'sellerTaxId' | 'buyerTaxId')[];
    }
  | { reason: 'other-facts'; invoiceNo: string; differences: FactDifference[] };

export interface MisfiledEvidence {
  folder: string;
  expectedFolder: string;
  /** 'asked': where the person looked; 'issue-period': the folder's period is not the invoice's. */
  basis: 'asked' | 'issue-period';
}

export interface TrulyMissingEvidence {
  invoiceNo: string;
  question?: InvoiceQuestion;
  local: 'absent' | 'present';
  platform: 'absent' | 'present';
  nearCandidatesChecked: number;
  checkedCauses: DiagnosisCause[];
}

export interface EvidenceOf {
  network: NetworkEvidence;
  version: VersionEvidence;
  permission: PermissionEvidence;
  'sync-delay': SyncDelayEvidence;
  'sync-failure': SyncFailureEvidence;
  'data-entry': DataEntryEvidence;
  misfiled: MisfiledEvidence;
  'truly-missing': TrulyMissingEvidence;
}

/** One cause, its evidence and what a person should do next. */
export type Finding = { [C in DiagnosisCause]: { cause: C; evidence: EvidenceOf[C]; nextStep: Bilingual } }[DiagnosisCause];

export type FindingOf<C extends DiagnosisCause> = Extract<Finding, { cause: C }>;

export interface InvoiceDiagnosis {
  invoiceNo: string;
  /** 'explained': at least one cause other than truly-missing; 'visible': nothing is wrong (the asker can see it, the platform agrees). */
  outcome: 'explained' | 'truly-missing' | 'visible';
  /** In the seed's order; several causes may hold at once. */
  findings: Finding[];
}

export interface Discrepancy {
  invoiceNo: string;
  /** Where the number is: only on the platform, only local, or on both but not as it should be. */
  side: 'platform-only' | 'local-only' | 'both';
  findings: Finding[];
}

export interface Reconciliation {
  taxpayer: string;
  period: TaxPeriod;
  platformCount: number | null;
  localCount: number;
  matchedCount: number;
  /** Set when the platform could not be read: no comparison was possible. */
  platformFinding: FindingOf<'network'> | FindingOf<'permission'> | null;
  discrepancies: Discrepancy[];
}
