// Bundle entry for the worker: every workflow the task queue runs.
export { emergencyPlan } from './emergency-plan.workflow';
export { restoreByPriority } from './restore-by-priority.workflow';
