// Compliance checks (compliance-and-audit.md "Checks"): what is gathered from the records, and what
// each check answers. Pure data; the checks themselves are pure functions over these facts.
import type { Finding as AccessFinding } from '../access/review';
import type { Plan } from '../plan/plan.types';
import type { TeamDirectory } from '../responsibility/directory';

export type CheckStatus = 'pass' | 'fail' | 'unknown';
export const AREAS = ['plans', 'drills', 'backups', 'dr', 'audit', 'access', 'archives'] as const;
export type Area = (typeof AREAS)[number];

export interface CheckResult {
  /** Stable: `drills.yearly`. With `subject`, the pair names one finding (`compliance:drills.yearly:einvoice-db-crash`). */
  id: string;
  /** What the result is about when the check runs once per thing (a plan id). */
  subject?: string;
  area: Area;
  title: string;
  status: CheckStatus;
  /** What was looked at: ids, dates, counts, and for a failure what is wrong. */
  evidence: string[];
  /** The source the check rests on (law, standard article; "(unverified)" ones are the project's defaults). */
  clause: string;
  /** The team that fixes a failure (it gets the routine task). */
  owner: string;
}

/** The latest published version of a plan, and when the plan was first published. */
export interface PlanFact {
  id: string;
  version: number;
  title: string;
  owner: string;
  publishedAt: Date;
  firstPublishedAt: Date;
  plan: Plan;
}

export interface DrillFact {
  id: string;
  planId: string;
  planVersion: number;
  mode: 'tabletop' | 'live-drill';
  startedAt: Date;
  finishedAt: Date | null;
  scoredAt: Date | null;
  score?: { total: number; grade: string };
  /** Findings the scoring raised. */
  findings: number;
  /** Improvement items (review_findings) recorded for the drill. */
  improvementItems: number;
  /** Live drills: measured recovery time, plan time (undefined: never restored). */
  rtoMs?: number;
  /** Live drills: how far back the data loss reaches (0: nothing lost; undefined: not measured). */
  rpoMs?: number;
}

/** An improvement item from a review (复盘) of an incident or drill of a plan. */
export interface ImprovementItemFact {
  id: string;
  incidentId: string;
  planId: string;
  text: string;
  owner: string;
  /** YYYY-MM-DD */
  dueDate: string;
  createdAt: Date;
}

export interface BackupFact {
  id: string;
  kind: 'full' | 'incremental' | 'differential';
  takenAt: Date;
  status: string;
  keyId: string | null;
}

export interface RecoveryTestFact {
  id: string;
  startedAt: Date;
  finishedAt: Date | null;
  ok: boolean | null;
  error: string | null;
}

/** The backup keyring as the worker would load it (no secret): which key new backups use, and since when. */
export interface KeyringFact {
  currentKeyId?: string;
  keyIds?: string[];
  /** Why the keyring could not be read (no keys configured, a bad key file). */
  error?: string;
  /** When `rotateKeys` made the current key (its `backup-key.rotate` audit entry); the keyring itself keeps no dates. */
  currentKeyRotatedAt?: Date;
  /**
   * A key made outside `rotateKeys` (the first one) is dated by the first backup written under it
   * (undefined: no backup uses it yet, so it became current after the last one).
   */
  currentKeyFirstUsedAt?: Date;
}

export interface AuditFact {
  ok: boolean;
  entries: number;
  brokenAt?: { id: string; reason: string };
  oldestAt?: Date;
  /** The retention PostgreSQL enforces (audit_retention; undefined: the table is missing). */
  retentionDays?: number;
  /** The triggers that keep entries from being changed, deleted early or truncated, and whether each is enabled. */
  guards: Array<{ name: string; enabled: boolean }>;
}

export interface AccessFact {
  staleDays: number;
  /** The review's findings less those security kept in a review within `keepDays` (a decided grant is not raised again). */
  findings: AccessFinding[];
  kept?: { count: number; keepDays: number };
}

export type DirectoryFact = { ok: true; file: string; directory: TeamDirectory } | { ok: false; file: string; problems: string[] };

export interface ComplianceFacts {
  now: Date;
  plans: PlanFact[];
  drills: DrillFact[];
  improvementItems: ImprovementItemFact[];
  /** Completed or verified backups, newest first. */
  backups: BackupFact[];
  /** Recovery tests, newest first. */
  recoveryTests: RecoveryTestFact[];
  keyring: KeyringFact;
  audit: AuditFact;
  access: AccessFact;
  directory: DirectoryFact;
}
