// What a drill records (drills-and-scoring.md "What is recorded"), the score computed from it, and
// the findings it raises. Pure data: timestamps are ISO strings, durations milliseconds.
import type { Level } from '../plan/plan.types';

export type DrillMode = 'tabletop' | 'live-drill';

export interface DrillStepFacts {
  id: string;
  title: string;
  type: 'manual' | 'automated' | 'notify' | 'decision';
  /** Role that owns the step (none for notify steps). */
  ownerRole?: string;
  team?: string;
  /**
   * On the path this drill had to walk: in the drill's level and not on a decision branch that was
   * not chosen. Only required steps count for timeliness and completeness.
   */
  required: boolean;
  /** `pending` / `running` / `waiting` / `failed` mean the drill ended before the step finished. */
  state: 'pending' | 'running' | 'waiting' | 'failed' | 'done' | 'skipped';
  /** The plan's `within`, unscaled (plan time). */
  withinMs?: number;
  startedAt?: string;
  acknowledgedAt?: string;
  finishedAt?: string;
  finishedBy?: string;
  /** A simulated responder finished it (demo, drills). */
  simulated?: boolean;
  outcome?: string;
  /** Automated steps: the action's error when it failed (a person may then have completed the step by hand). */
  failure?: string;
  checklist: { planned: string[]; ticked: string[] };
  escalations: number;
  /** Decision steps: the option taken. */
  decision?: string;
}

export interface DrillAudienceFacts {
  /** A role of the plan (or `commander` / `management`). */
  role: string;
  /** Plan-time deadline counted from classification; none means "reached at all" is enough. */
  withinMs?: number;
  firstReachedAt?: string;
}

export interface DrillFacts {
  drillId: string;
  planId: string;
  planVersion: number;
  planTitle: string;
  mode: DrillMode;
  unannounced: boolean;
  level?: Level;
  /**
   * Divides every plan duration (as in the incident): a drill run at timeScale 60 has a 10-minute
   * deadline after 10 s. Scoring compares elapsed time × timeScale with plan durations.
   */
  timeScale: number;
  startedAt: string;
  classifiedAt?: string;
  finishedAt?: string;
  objectives: { rtoMs?: number; rpoMs?: number };
  /** Live drills: when the first fault was injected (the outage starts). */
  faultAt?: string;
  /** `until`: when a fault that lifts by itself (a tax-platform fault) ended, on the wall clock. */
  faults: Array<{ kind: string; target?: string; at: string; detail: string; until?: string }>;
  /**
   * When service counted as restored: the restore step and the verification step both succeeded.
   * Live drills measure it; tabletop drills estimate it from planned durations (`estimated`).
   */
  restoredAt?: string;
  recoveryEstimated: boolean;
  /** Plan-time RTO actually achieved (restoredAt − faultAt, × timeScale); undefined if never restored. */
  rtoMs?: number;
  /** Live drills: invoices present before the fault and missing or different after recovery. */
  loss?: {
    byClass: Record<string, number>;
    total: number;
    /** Lost invoices in the highest priority class (`current-period-undeclared`). */
    p0: number;
    /**
     * How far back the loss reaches: fault time minus the point in time the data was recovered to
     * (the restore chain's), or minus the oldest change among lost invoices when nothing was restored.
     * Real time, not scaled (data ages in real time). 0 when nothing was lost.
     */
    windowMs: number;
  };
  /** Live drills with a tax-platform fault: the platform's return, the resync after it, the deadline. */
  taxPlatform?: TaxPlatformFacts;
  steps: DrillStepFacts[];
  audiences: DrillAudienceFacts[];
  /** First notification of any kind after classification. */
  firstNotificationAt?: string;
  decisions: Record<string, string>;
  escalations: Array<{ stepId: string; team?: string; at: string; notified: string[] }>;
  /** The plan's drill.expect entries as parsed (withinMs / rtoMs / rpoMs included). */
  expect: Array<Record<string, unknown>>;
}

/**
 * What a tax-platform fault did to the drill's sandbox and its simulator tenant (measured when the
 * drill is assessed, while the sandbox is there). Wall-clock instants; durations come from them.
 */
export interface TaxPlatformFacts {
  /** The drill's simulator tenant (= its sandbox database's name). */
  tenant: string;
  /** When the platform was back: the end of the last tax-platform fault (its duration, scaled, after injection). */
  returnedAt: string;
  /** When the sandbox and the tenant were read. */
  measuredAt: string;
  /** Sandbox invoices issued by the return and not synced at it (pending, failed or synced later). */
  unsyncedAtReturn: number;
  /** When the last of those became synced; absent while any of them is still unsynced. */
  resyncedAt?: string;
  /** Of those, still not synced when measured; with a few invoice numbers. */
  stillUnsynced: number;
  stillUnsyncedExamples: string[];
  /**
   * The declaration deadline on the drill's clock: the drill's start plus the launch fact
   * (`taxDeadlineHours`, else `daysToDeclarationDeadline`, else the declaration calendar at the
   * start), divided by the timeScale. Absent when none of them gives one (`deadlineUnknown` says why).
   */
  deadline?: { at: string; from: string };
  deadlineUnknown?: string;
  /**
   * Sandbox invoices issued before the deadline and not synced by it. When the drill ended before
   * its deadline, counted when measured (`deadlineAfterEnd`): nothing syncs a sandbox after its drill.
   */
  unsyncedAtDeadline?: number;
  deadlineAfterEnd?: boolean;
  /** The tenant's counters (/_sim/stats): batches accepted, invoices sent again that the platform already had (6783), repeated request serials (6655). */
  uploads: number;
  duplicateUploads: number;
  duplicateSerials: number;
}

export type ScorePart = 'recovery' | 'timeliness' | 'completeness' | 'communication' | 'expectations';

export interface LostPoints {
  part: ScorePart;
  points: number;
  /** Bilingual, names the step, team, audience or expectation concerned. */
  reason: string;
  stepId?: string;
}

export interface DrillScore {
  /** 0–100, rounded to one decimal. */
  total: number;
  grade: '优秀 Excellent' | '良好 Good' | '合格 Pass' | '不合格 Fail';
  parts: Array<{ part: ScorePart; weight: number; points: number; estimated: boolean }>;
  lost: LostPoints[];
}

export interface DrillFinding {
  /** Stable within a drill: `late:<step>`, `escalation:<step>:<n>`, `p0-lost`, `expect:<index>`... */
  id: string;
  kind:
    | 'missed-deadline'
    | 'escalation'
    | 'p0-lost'
    | 'rpo-exceeded'
    | 'rto-exceeded'
    | 'expectation-failed'
    | 'step-not-done'
    | 'automated-step-failed'
    | 'not-resynced'
    | 'unsynced-at-deadline'
    | 'duplicate-uploads';
  stepId?: string;
  team?: string;
  text: string;
  evidence: string;
}
