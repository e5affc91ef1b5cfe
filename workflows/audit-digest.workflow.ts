// auditDigest: the `yingji-audit-digest` schedule (default hourly) signs every audit stream's head,
// linked to the digest before (activities/records/audit-digest.ts). Without a signing key it fails,
// saying so, rather than writing an unsigned digest.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const acts = proxyActivities<Activities>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 5 } });

export async function auditDigest(): Promise<{ id: string; at: string; streams: number; hash: string }> {
  return acts.writeAuditDigest();
}
