import { Client, ScheduleAlreadyRunning, ScheduleOptions, ScheduleOverlapPolicy } from '@temporalio/client';
import type { YingjiConfig } from './config';

export const RECOVERY_TEST_SCHEDULE = 'yingji-recovery-test';
export const TAX_SYNC_SCHEDULE = 'yingji-tax-platform-sync';
export const AUDIT_DIGEST_SCHEDULE = 'yingji-audit-digest';
export const ACCESS_REVIEW_SCHEDULE = 'yingji-access-review';

/** Creates the schedule once; an existing one is left as it is (operators may have paused or tuned it). */
async function ensureSchedule(client: Client, options: ScheduleOptions): Promise<'created' | 'exists'> {
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}

/**
 * The recovery test (恢复测试) runs on a Temporal Schedule: every YINGJI_RECOVERY_TEST_EVERY
 * (default 24h) it restores the latest chain into a scratch database and verifies it.
 */
export function ensureRecoveryTestSchedule(client: Client, config: Pick<YingjiConfig, 'taskQueue'>, every = process.env.YINGJI_RECOVERY_TEST_EVERY || '24h'): Promise<'created' | 'exists'> {
  return ensureSchedule(client, {
    scheduleId: RECOVERY_TEST_SCHEDULE,
    spec: { intervals: [{ every: every as `${number}h` }] },
    action: { type: 'startWorkflow', workflowType: 'recoveryTest', taskQueue: config.taskQueue, args: [] },
    memo: { purpose: 'restore the latest backup chain into a scratch database and verify it' },
  });
}

/**
 * The sync with the tax platform (tax-platform.md "Sync") runs on a Temporal Schedule: every
 * YINGJI_TAX_SYNC_EVERY (default 1m) one pass uploads pending invoices. A pass still running when
 * the next is due is not doubled (overlap SKIP).
 */
export function ensureTaxSyncSchedule(client: Client, config: Pick<YingjiConfig, 'taskQueue'>, every = process.env.YINGJI_TAX_SYNC_EVERY || '1m'): Promise<'created' | 'exists'> {
  return ensureSchedule(client, {
    scheduleId: TAX_SYNC_SCHEDULE,
    spec: { intervals: [{ every: every as `${number}m` }] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
    action: { type: 'startWorkflow', workflowType: 'taxSync', taskQueue: config.taskQueue, args: [] },
    memo: { purpose: 'upload pending invoices to the tax platform and record each one synced or failed' },
  });
}

/**
 * The audit digest runs on a Temporal Schedule: every YINGJI_AUDIT_DIGEST_EVERY (default 1h) it
 * signs every audit stream's head with YINGJI_AUDIT_SIGNING_KEY (a run without the key fails, saying so).
 */
export function ensureAuditDigestSchedule(client: Client, config: Pick<YingjiConfig, 'taskQueue'>, every = process.env.YINGJI_AUDIT_DIGEST_EVERY || '1h'): Promise<'created' | 'exists'> {
  return ensureSchedule(client, {
    scheduleId: AUDIT_DIGEST_SCHEDULE,
    spec: { intervals: [{ every: every as `${number}h` }] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
    action: { type: 'startWorkflow', workflowType: 'auditDigest', taskQueue: config.taskQueue, args: [] },
    memo: { purpose: "sign every audit stream's head, linked to the digest before" },
  });
}

/**
 * The access review (GB/T 22239) runs on a Temporal Schedule: every YINGJI_ACCESS_REVIEW_EVERY
 * (default 30d) it opens a routine task for security with the grants to keep or revoke.
 */
export function ensureAccessReviewSchedule(client: Client, config: Pick<YingjiConfig, 'taskQueue'>, every = process.env.YINGJI_ACCESS_REVIEW_EVERY || '30d'): Promise<'created' | 'exists'> {
  return ensureSchedule(client, {
    scheduleId: ACCESS_REVIEW_SCHEDULE,
    spec: { intervals: [{ every: every as `${number}d` }] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
    action: { type: 'startWorkflow', workflowType: 'accessReview', taskQueue: config.taskQueue, args: [] },
    memo: { purpose: 'review who holds which token and open a task for security to keep or revoke each stale, expired or over-privileged grant' },
  });
}

export const COMPLIANCE_SCHEDULE = 'yingji-compliance';

/**
 * The compliance checks run on a Temporal Schedule: every YINGJI_COMPLIANCE_EVERY (default 24h) a
 * failing check opens a routine task for its owner, and a check that passes again closes it.
 */
export function ensureComplianceSchedule(client: Client, config: Pick<YingjiConfig, 'taskQueue'>, every = process.env.YINGJI_COMPLIANCE_EVERY || '24h'): Promise<'created' | 'exists'> {
  return ensureSchedule(client, {
    scheduleId: COMPLIANCE_SCHEDULE,
    spec: { intervals: [{ every: every as `${number}h` }] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
    action: { type: 'startWorkflow', workflowType: 'complianceCheck', taskQueue: config.taskQueue, args: [] },
    memo: { purpose: 'run the compliance checks; open a routine task for the owner of each failing check, close it when the check passes again' },
  });
}
