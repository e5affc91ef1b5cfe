import { Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { accessReview, auditDigest, complianceCheck, recoveryTest, taxSync } from '../../workflows';
import type { YingjiConfig } from './config';

/** A workflow `yingji up` runs on a Temporal Schedule, every `every` unless its variable says otherwise. */
export interface StandingSchedule {
  id: string;
  /** What `yingji up` prints when it creates the schedule. */
  what: string;
  /** Started by function reference, so a renamed workflow is a compile error, not a schedule that fails. */
  workflowType: () => Promise<unknown>;
  everyVariable: string;
  every: string;
  purpose: string;
  /** A run still going when the next is due is not doubled. */
  skipOverlap: boolean;
}

/** The recovery test (恢复测试): restores the latest chain into a scratch database and verifies it. */
export const RECOVERY_TEST: StandingSchedule = {
  id: 'yingji-recovery-test', what: 'recovery test', workflowType: recoveryTest, everyVariable: 'YINGJI_RECOVERY_TEST_EVERY', every: '24h', skipOverlap: false,
  purpose: 'restore the latest backup chain into a scratch database and verify it',
};
/** The sync with the tax platform (tax-platform.md "Sync"): one pass uploads pending invoices. */
export const TAX_SYNC: StandingSchedule = {
  id: 'yingji-tax-platform-sync', what: 'tax-platform sync', workflowType: taxSync, everyVariable: 'YINGJI_TAX_SYNC_EVERY', every: '1m', skipOverlap: true,
  purpose: 'upload pending invoices to the tax platform and record each one synced or failed',
};
/** The audit digest: signs every audit stream's head with YINGJI_AUDIT_SIGNING_KEY (without it the run fails, saying so). */
export const AUDIT_DIGEST: StandingSchedule = {
  id: 'yingji-audit-digest', what: 'audit digest', workflowType: auditDigest, everyVariable: 'YINGJI_AUDIT_DIGEST_EVERY', every: '1h', skipOverlap: true,
  purpose: "sign every audit stream's head, linked to the digest before",
};
/** The access review (GB/T 22239): opens a routine task for security with the grants to keep or revoke. */
export const ACCESS_REVIEW: StandingSchedule = {
  id: 'yingji-access-review', what: 'access review', workflowType: accessReview, everyVariable: 'YINGJI_ACCESS_REVIEW_EVERY', every: '30d', skipOverlap: true,
  purpose: 'review who holds which token and open a task for security to keep or revoke each stale, expired or over-privileged grant',
};
/** The compliance checks: a failing check opens a routine task for its owner; passing again closes it. */
export const COMPLIANCE: StandingSchedule = {
  id: 'yingji-compliance', what: 'compliance checks', workflowType: complianceCheck, everyVariable: 'YINGJI_COMPLIANCE_EVERY', every: '24h', skipOverlap: true,
  purpose: 'run the compliance checks; open a routine task for the owner of each failing check, close it when the check passes again',
};

/** Every schedule `yingji up` makes sure of. */
export const STANDING_SCHEDULES = [RECOVERY_TEST, TAX_SYNC, AUDIT_DIGEST, ACCESS_REVIEW, COMPLIANCE];

export const RECOVERY_TEST_SCHEDULE = RECOVERY_TEST.id;
export const TAX_SYNC_SCHEDULE = TAX_SYNC.id;
export const ACCESS_REVIEW_SCHEDULE = ACCESS_REVIEW.id;
export const COMPLIANCE_SCHEDULE = COMPLIANCE.id;

/** How often a standing schedule runs: its variable, else its default. */
export const everyOf = (s: StandingSchedule) => process.env[s.everyVariable] || s.every;

/**
 * Creates the schedule once (set when first created); an existing one is left as it is (operators
 * may have paused or tuned it).
 */
export async function ensureStandingSchedule(client: Client, config: Pick<YingjiConfig, 'taskQueue'>, s: StandingSchedule, every = everyOf(s)): Promise<'created' | 'exists'> {
  try {
    await client.schedule.create({
      scheduleId: s.id,
      spec: { intervals: [{ every: every as `${number}h` }] },
      ...(s.skipOverlap ? { policies: { overlap: ScheduleOverlapPolicy.SKIP } } : {}),
      action: { type: 'startWorkflow', workflowType: s.workflowType, taskQueue: config.taskQueue, args: [] },
      memo: { purpose: s.purpose },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}

type Ensure = (client: Client, config: Pick<YingjiConfig, 'taskQueue'>, every?: string) => Promise<'created' | 'exists'>;
const ensure = (s: StandingSchedule): Ensure => (client, config, every) => ensureStandingSchedule(client, config, s, every);

export const ensureRecoveryTestSchedule = ensure(RECOVERY_TEST);
export const ensureTaxSyncSchedule = ensure(TAX_SYNC);
export const ensureAccessReviewSchedule = ensure(ACCESS_REVIEW);
export const ensureComplianceSchedule = ensure(COMPLIANCE);
