// The scheduled compliance run's activities: check, then turn each failing result into a routine
// task for its owner and close the task of a result that passes again.
import type { DataSource } from 'typeorm';
import type { CheckResult } from '../../domain/compliance/compliance.types';
import { checkKey } from '../../domain/compliance/run-checks';
import { thresholdsFromEnv } from '../../domain/compliance/thresholds';
import { closeRoutineTask, openRoutineTask } from '../routine-tasks/routine-tasks';
import { complianceReport } from './compliance-report';

export const COMPLIANCE_TASK_KIND = 'compliance';
const DAY_MS = 24 * 60 * 60 * 1000;

export interface ComplianceTaskChanges {
  opened: Array<{ key: string; taskId: string; team: string }>;
  /** Failing results whose task was already open (left as it is). */
  stillOpen: string[];
  closed: string[];
}

/** Opens or closes routine tasks for one run's results. Idempotent: a retried run changes nothing more. */
export async function applyComplianceTasks(db: DataSource, checks: readonly CheckResult[], runId: string, now = new Date()): Promise<ComplianceTaskChanges> {
  const dueAt = new Date(now.getTime() + thresholdsFromEnv(process.env).taskDueDays * DAY_MS);
  const out: ComplianceTaskChanges = { opened: [], stillOpen: [], closed: [] };
  for (const c of checks) {
    const key = checkKey(c);
    if (c.status === 'fail') {
      const t = await openRoutineTask(db, {
        key,
        kind: COMPLIANCE_TASK_KIND,
        team: c.owner,
        title: `合规检查不通过 Compliance check failing: ${c.title}${c.subject ? ` — ${c.subject}` : ''}`,
        detail: { checkId: c.id, subject: c.subject ?? null, area: c.area, clause: c.clause, evidence: c.evidence, runId },
        dueAt,
      });
      if (t.created) out.opened.push({ key, taskId: t.id, team: c.owner });
      else out.stillOpen.push(key);
    } else if (c.status === 'pass') {
      if (await closeRoutineTask(db, key, 'yingji', `the check passes again (run ${runId}): ${c.evidence.join('; ')}`)) out.closed.push(key);
    }
  }
  return out;
}

export function createComplianceActivities(db: DataSource, config: { directoryFile: string; dataDir: string }) {
  return {
    /** Every check now, as `GET /compliance` answers. */
    async checkCompliance(): Promise<CheckResult[]> {
      return (await complianceReport(db, { directoryFile: config.directoryFile, dataDir: config.dataDir })).checks;
    },
    async applyComplianceTasks(req: { checks: CheckResult[]; runId: string }): Promise<ComplianceTaskChanges> {
      return applyComplianceTasks(db, req.checks, req.runId);
    },
  };
}
