// The scheduled access review (GB/T 22239 level 3): each run computes the findings and puts the
// grants to decide before security as one routine task; security keeps or revokes each one.
import type { DataSource } from 'typeorm';
import { listTokens } from '../../apps/api/src/auth/token-store';
import { DEFAULT_KEEP_DAYS, KeptFinding, parseDays, reviewedTokenIds, withoutKept } from '../../domain/access/decisions';
import { Finding, parseStaleDays, reviewAccess } from '../../domain/access/review';
import { appendAudit } from '../records/audit-log';
import { openRoutineTask } from '../routine-tasks/routine-tasks';

export const ACCESS_REVIEW_KIND = 'access-review';
/** One key for every review: a review still open when the next run comes is left to finish first. */
export const ACCESS_REVIEW_KEY = 'access-review';
/** Security has this long to decide a review's grants. */
const DUE_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The team that decides the reviews (YINGJI_ACCESS_REVIEW_TEAM, default security). */
export const accessReviewTeam = (env: NodeJS.ProcessEnv = process.env) => env.YINGJI_ACCESS_REVIEW_TEAM?.trim() || 'security';
/** Days a kept grant stays out of the reviews (YINGJI_ACCESS_KEEP_DAYS, default 90). */
export const keepDays = (env: NodeJS.ProcessEnv = process.env) => parseDays('YINGJI_ACCESS_KEEP_DAYS', env.YINGJI_ACCESS_KEEP_DAYS, DEFAULT_KEEP_DAYS);

/** What a review task carries as its detail: the findings security decides on. */
export interface AccessReviewDetail {
  runId: string;
  reviewedAt: string;
  staleDays: number;
  keepDays: number;
  /** Findings left out because security kept them recently and nothing changed since. */
  keptEarlier: number;
  findings: Finding[];
}

export interface AccessReviewRun {
  runId: string;
  /** The review's routine task; null when there was nothing to decide (no task is opened then). */
  taskId: string | null;
  created: boolean;
  findings: number;
  keptEarlier: number;
}

/** Findings security kept within the keep days, each as it was when they decided (withoutKept leaves them out). */
export async function keptFindings(ds: DataSource, days: number): Promise<KeptFinding[]> {
  const rows: Array<{ token_id: string; decided_at: Date; findings: Finding[] | null }> = await ds.query(
    `SELECT d.token_id, d.decided_at, t.detail->'findings' AS findings
       FROM access_review_decisions d JOIN routine_tasks t ON t.id = d.task_id
      WHERE d.decision = 'keep' AND d.decided_at > now() - make_interval(days => $1)`,
    [days],
  );
  return rows.flatMap((r) => (r.findings ?? []).filter((f) => f.tokenId === r.token_id).map((f) => ({ tokenId: f.tokenId, kind: f.kind, basis: f.basis, decidedAt: r.decided_at })));
}

/**
 * One run of the review: the findings (less those kept earlier) as a routine task for security.
 * No findings opens no task; the run is recorded in the audit trail either way. A retried run
 * finds the task it opened (one open review at a time) and records itself once.
 */
export async function openAccessReview(ds: DataSource, runId: string, now = new Date()): Promise<AccessReviewRun> {
  const staleDays = parseStaleDays(process.env.YINGJI_ACCESS_STALE_DAYS);
  const days = keepDays();
  const review = reviewAccess(await listTokens(ds), now, staleDays);
  const findings = withoutKept(review.findings, await keptFindings(ds, days), now, days);
  const keptEarlier = review.findings.length - findings.length;
  const team = accessReviewTeam();
  return ds.transaction(async (em) => {
    let task: { id: string; created: boolean } | null = null;
    if (findings.length > 0) {
      const detail: AccessReviewDetail = { runId, reviewedAt: now.toISOString(), staleDays, keepDays: days, keptEarlier, findings };
      const grants = reviewedTokenIds(findings).length;
      task = await openRoutineTask(em, {
        key: ACCESS_REVIEW_KEY,
        kind: ACCESS_REVIEW_KIND,
        team,
        title: `访问权限复核 Access review: ${grants} grant(s) to keep or revoke`,
        detail: detail as unknown as Record<string, unknown>,
        dueAt: new Date(now.getTime() + DUE_DAYS * DAY_MS),
      });
    }
    await appendAudit(em, {
      key: `access-review.run:${runId}`, at: now, actor: 'yingji', action: 'access-review.run', subjectType: 'access-review', subjectId: runId, outcome: 'ok',
      detail: {
        findings: findings.length,
        keptEarlier,
        team,
        taskId: task?.id ?? null,
        result: !task ? 'nothing to decide: no task opened' : task.created ? 'review task opened' : 'the previous review is still open: no second task',
      },
    });
    return { runId, taskId: task?.id ?? null, created: task?.created ?? false, findings: findings.length, keptEarlier };
  });
}

/** The worker's activity: one run, named by the workflow that asked for it. */
export function createAccessReviewActivities(ds: DataSource) {
  return {
    openAccessReview: (input: { runId: string }): Promise<AccessReviewRun> => openAccessReview(ds, input.runId),
  };
}
