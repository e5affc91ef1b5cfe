// The pure core of Yingji: plan model, parser/validator, step graph, classification and
// responsibility. No NestJS, TypeORM or Temporal; no clock, randomness or environment reads. The
// only file-system code is in plan/load-plans.ts, which is not exported here (import it directly),
// so workflow code can import this index.

// Plan model
export { LEVELS } from './plan/plan.types';
export type {
  AutomatedStep,
  Condition,
  DecisionOption,
  DecisionStep,
  EscalationRule,
  Level,
  LevelRule,
  ManualStep,
  NotifyStep,
  Plan,
  Problem,
  RoleDef,
  Step,
} from './plan/plan.types';

// Parsing and validation
export { parsePlan, formatProblem } from './plan/parse-plan';
export type { ParsePlanOptions, ParsePlanResult } from './plan/parse-plan';
export { formatPath, sortProblems } from './yaml/reader';
export type { Env } from './yaml/reader';
export { parseDuration, formatDuration, DURATION_PATTERN } from './plan/duration';
export { ACTIONS, ACTION_NAMES, isActionName } from './plan/actions';
export type { ActionDef, ActionName, ActionParam } from './plan/actions';
export {
  BUILT_IN_ROLES,
  CHANNELS,
  DISCREPANCY_CAUSES,
  EXPECT_KINDS,
  FAULTS,
  MESSAGE_PLACEHOLDERS,
  NOTIFY_STAGES,
  PRIORITY_CLASSES,
  STEP_TYPES,
  WEBHOOK_FORMATS,
} from './plan/vocabulary';
export type { Channel, PriorityClass } from './plan/vocabulary';
export { buildPlanSchema } from './plan/plan-schema';
export { renderMessage } from './plan/message';
export { didYouMean, editDistance } from './text/did-you-mean';

// Conditions and the step graph
export { checkFacts, conditionFacts, describeCondition, evaluateCondition, explainMatch } from './plan/conditions';
export {
  analyzePlanGraph,
  decisionOptions,
  isStepActiveAt,
  planGraph,
  possibleLevels,
  readySteps,
  stepsAtLevel,
} from './plan/graph';
export type { Gate, GraphIssue, PlanGraph, ReadySteps, StepState } from './plan/graph';

// Incidents
export {
  classifyIncident,
  tryClassifyIncident,
  overrideClassification,
  ClassificationError,
  LEVEL_NAMES,
  levelLabel,
  isLevel,
} from './incident/classify';
export type { Classification, ClassificationErrorCode, LevelOverride } from './incident/classify';

// Responsibility
export { loadDirectory, isReachable } from './responsibility/directory';
export type { Contacts, LoadDirectoryResult, Person, Team, TeamDirectory } from './responsibility/directory';
export { resolveResponsibility, partyFor } from './responsibility/resolve-responsibility';
export type { Party, ResolvedPerson, Responsibility, ResponsibilityProblem, ResolveResult, StepResponsibility } from './responsibility/resolve-responsibility';
