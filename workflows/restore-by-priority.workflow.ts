// restoreByPriority: brings invoices back class by class, the ones that hurt most first. Runs
// alone or as a child of emergencyPlan. Nothing is written before the whole chain verifies.
import { defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { workflowNow } from './clock';

export interface RestoreInput {
  restoreId: string;
  /** `invoices` (the configured invoice database) or a database created for the restore (see restoreTargetRefusal); a live drill's own sandbox. */
  target: string;
  /** Restore to this moment (default: the latest backup). */
  pointInTime?: string;
  /** Or restore exactly to this backup's moment. */
  backupId?: string;
  /** Class order (default: the backup's own priority order). */
  priorities?: string[];
  /** Replace invoices already in the target (default: refuse a non-empty target). */
  replace?: boolean;
  /** Who started it (a person; a plan's step or the recovery test runs it as their child), kept in its history. */
  startedBy?: string;
}

export interface ClassAvailable {
  cls: string;
  rows: number;
  /** When every row of the class was restored: the business can use it from then on. */
  availableAt: string;
}

export interface RestoreResult {
  restoreId: string;
  target: string;
  chain: string[];
  pointInTime: string;
  startedAt: string;
  verifiedAt: string;
  classes: ClassAvailable[];
  finishedAt: string;
}

/** Where a running restore is, for people watching it (CLI progress bar, GET /restores/:id). */
export interface RestoreProgress {
  phase: 'planning' | 'verifying' | 'preparing' | 'restoring' | 'finishing' | 'done';
  chain: string[];
  /** Every class in restore order; `available` lists those already back. */
  classes: string[];
  available: ClassAvailable[];
  current?: string;
}
export const restoreProgress = defineQuery<RestoreProgress>('restoreProgress');

// Backup activities heartbeat while they run: a worker that dies is noticed in 30 s, not 10 minutes.
const quick = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '30 seconds', retry: { maximumAttempts: 3 } });
const restoring = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 10 },
});

export async function restoreByPriority(input: RestoreInput): Promise<RestoreResult> {
  const startedAt = workflowNow().toISOString();
  const classes: ClassAvailable[] = [];
  const progress: RestoreProgress = { phase: 'planning', chain: [], classes: [], available: classes };
  setHandler(restoreProgress, () => progress);
  const plan = await quick.planRestore({ pointInTime: input.pointInTime, backupId: input.backupId, priorities: input.priorities });
  Object.assign(progress, { phase: 'verifying', chain: plan.chain, classes: plan.classes });
  await quick.verifyBackupChain({ chain: plan.chain });
  const verifiedAt = workflowNow().toISOString();
  progress.phase = 'preparing';
  await quick.prepareRestoreTarget({ restoreId: input.restoreId, target: input.target, replace: input.replace ?? false });
  progress.phase = 'restoring';
  for (const cls of plan.classes) {
    progress.current = cls;
    const r = await restoring.restoreInvoiceClass({ restoreId: input.restoreId, chain: plan.chain, cls, target: input.target });
    classes.push({ cls, rows: r.rows, availableAt: workflowNow().toISOString() });
  }
  Object.assign(progress, { phase: 'finishing', current: undefined });
  await quick.finishInvoiceRestore({ target: input.target });
  progress.phase = 'done';
  return {
    restoreId: input.restoreId || workflowInfo().workflowId,
    target: input.target,
    chain: plan.chain,
    pointInTime: plan.pointInTime,
    startedAt,
    verifiedAt,
    classes,
    finishedAt: workflowNow().toISOString(),
  };
}
