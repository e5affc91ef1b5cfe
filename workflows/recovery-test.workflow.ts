// recoveryTest (恢复测试): on a schedule, restores the latest backup chain into a scratch database,
// verifies it, records the result, drops the scratch database, and fails loudly when it fails
// (a recovery_tests row, an alert to the deployment's webhook, and a failed run in Temporal).
import { ApplicationFailure, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { workflowNow } from './clock';
import { reasonOf } from './failures';
import { restoreByPriority } from './restore-by-priority.workflow';

const acts = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '30 seconds', retry: { maximumAttempts: 3 } });
// The alert: a short webhook call (notify activities do not heartbeat), retried like incident notifications.
const alerts = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

export interface RecoveryTestResult {
  id: string;
  ok: boolean;
  chain: string[];
  rows: number;
  error?: string;
}

export async function recoveryTest(): Promise<RecoveryTestResult> {
  const id = workflowInfo().workflowId;
  // Scheduled runs get ids like `yingji-recovery-test-2026-11-23T08:00:00Z`: a database name of our own.
  const scratch = `yingji_recovery_${id.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(-24)}`;
  const startedAt = workflowNow().toISOString();
  let chain: string[] = [];
  try {
    const restored = await executeChild(restoreByPriority, { workflowId: `${id}.restore`, args: [{ restoreId: id, target: scratch, replace: true, startedBy: 'recovery test' }] });
    chain = restored.chain;
    const check = await acts.verifyRestoredInvoices({ target: scratch, restoreId: id });
    await acts.recordRecoveryTest({ id, startedAt, finishedAt: workflowNow().toISOString(), chain, ok: true, detail: { rows: check.rows, classes: check.classes, restore: restored.classes } });
    await acts.dropScratchDatabase({ target: scratch });
    return { id, ok: true, chain, rows: check.rows };
  } catch (err) {
    const error = reasonOf(err);
    const finishedAt = workflowNow().toISOString();
    await acts.recordRecoveryTest({ id, startedAt, finishedAt, chain, ok: false, detail: {}, error });
    await alertFailed(id, error, finishedAt);
    await acts.dropScratchDatabase({ target: scratch }).catch(() => undefined);
    // The run fails, so the schedule's recent actions and the Temporal UI show it too.
    throw ApplicationFailure.nonRetryable(`recovery test failed: ${error}`, 'RecoveryTestFailed');
  }
}

/**
 * One alert per failed run (its id comes from the run's, so a retried activity sends it once), to
 * the deployment's webhook; a delivery that keeps failing is recorded, and the run still fails.
 */
async function alertFailed(id: string, error: string, at: string): Promise<void> {
  const alert = { id: `${id}:alert`, subject: `recovery-test:${id}`, reason: 'recovery-test.failed', message: `恢复测试失败 Recovery test failed: ${error}`, at };
  try {
    await alerts.sendDeploymentAlert(alert);
  } catch (err) {
    await alerts.recordDeploymentAlertFailed(alert, reasonOf(err));
  }
}
