// Bundle entry for the worker: every workflow the task queue runs.
export { accessReview } from './access-review.workflow';
export { auditDigest } from './audit-digest.workflow';
export { complianceCheck } from './compliance-check.workflow';
export { emergencyPlan } from './emergency-plan.workflow';
export { recoveryTest } from './recovery-test.workflow';
export { restoreByPriority } from './restore-by-priority.workflow';
export { scheduledDrill } from './scheduled-drill.workflow';
export { taxSync } from './tax-sync.workflow';
