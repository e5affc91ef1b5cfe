// accessReview (访问权限复核): on a schedule, computes the access review and opens a routine task
// for security with the grants to keep or revoke (activities/access-review). Nothing to decide
// opens no task; the run is recorded either way.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const acts = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 5 } });

export async function accessReview(): Promise<Awaited<ReturnType<Activities['openAccessReview']>>> {
  // Scheduled runs get ids like `yingji-access-review-2026-12-02T00:00:00Z`: one review per run.
  return acts.openAccessReview({ runId: workflowInfo().workflowId });
}
