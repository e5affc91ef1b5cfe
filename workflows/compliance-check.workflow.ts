// complianceCheck (合规检查): on a schedule, runs every compliance check; a failing check opens a
// routine task for its owner with the evidence, and a check that passes again closes its task.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const acts = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes', retry: { maximumAttempts: 3 } });

export interface ComplianceCheckResult {
  pass: number;
  fail: number;
  unknown: number;
  opened: string[];
  closed: string[];
}

export async function complianceCheck(): Promise<ComplianceCheckResult> {
  const checks = await acts.checkCompliance();
  const changes = await acts.applyComplianceTasks({ checks, runId: workflowInfo().workflowId });
  const count = (s: string) => checks.filter((c) => c.status === s).length;
  return { pass: count('pass'), fail: count('fail'), unknown: count('unknown'), opened: changes.opened.map((o) => o.key), closed: changes.closed };
}
