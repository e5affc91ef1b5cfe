// The plan model (yingji/v1, see shared/design/plan-format.md) after parsing and validation.
// Plain data only: it crosses into workflow code and must stay serialisable.

export type Level = 'I' | 'II' | 'III' | 'IV';
export const LEVELS: readonly Level[] = ['I', 'II', 'III', 'IV'];

export type Condition =
  | { fact: string; eq?: unknown; ne?: unknown; gt?: number; gte?: number; lt?: number; lte?: number; in?: unknown[] }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { always: true };

export interface LevelRule {
  level: Level;
  when: Condition;
}

export interface RoleDef {
  team: string;
  role?: string;
}

interface StepBase {
  id: string;
  title?: string;
  owner?: string;
  after?: string[];
  levels?: Level[];
  /** Deadline as written (`10m`) and in milliseconds. */
  within?: string;
  withinMs?: number;
}

export interface ManualStep extends StepBase {
  type: 'manual';
  owner: string;
  checklist?: string[];
  /** Facts the owner enters on completion (e.g. `corruptionStartedAt`), usable as `{ fact: NAME }` by later steps. */
  provides?: string[];
}

export interface AutomatedStep extends StepBase {
  type: 'automated';
  owner: string;
  action: string;
  with?: Record<string, unknown>;
}

/** A message sent on its own (no task); `owner`, if given, is who answers for it being sent. */
export interface NotifyStep extends StepBase {
  type: 'notify';
  to: string[];
  channels: string[];
  message: string;
}

export interface DecisionOption {
  id: string;
  title?: string;
  next: string[];
}

export interface DecisionStep extends StepBase {
  type: 'decision';
  owner: string;
  options: DecisionOption[];
}

export type Step = ManualStep | AutomatedStep | NotifyStep | DecisionStep;

/**
 * One rule of the escalation chain. Overdue (`after`): that long past a task's deadline. Silence
 * (`unacknowledged`): that long after a task opened with nobody acknowledging it; an
 * acknowledgement stops it. `channels` moves the notice to other channels (default: the plan's).
 */
export type EscalationRule = { notify: string[]; channels?: string[] } & (
  | { after: string; afterMs: number; unacknowledged?: never; unacknowledgedMs?: never }
  | { unacknowledged: string; unacknowledgedMs: number; after?: never; afterMs?: never }
);

/** How a trigger reads one alert label: equal to a text, one of several, or an anchored regex. */
export type LabelMatcher = { equals: string } | { oneOf: string[] } | { regex: string };

/** The kind of value a fact holds, as the plan's level rules compare it. */
export type FactKind = 'number' | 'text' | 'boolean';

/**
 * Where a trigger takes one fact from: a constant (`value`), an alert label, an annotation, or an
 * Events v2 `custom_details` entry (`detail`). `kind` is not written in the file: the validator
 * sets it from how the plan uses the fact, and the value read is converted to it.
 */
export type TriggerFact = { kind: FactKind } & (
  | { value: string | number | boolean }
  | { label: string; default?: string | number | boolean }
  | { annotation: string; default?: string | number | boolean }
  | { detail: string; default?: string | number | boolean }
);

/** A rule that lets an alert start (`auto`) or propose (`propose`, confirmed in triage) this plan. */
export interface Trigger {
  /** Label name → matcher; every one must hold. `severity` also reads an Events v2 event's severity. */
  match: Record<string, LabelMatcher>;
  launch: 'auto' | 'propose';
  /** The level to run at; without it the level rules classify the incident from its facts. */
  level?: Level;
  facts?: Record<string, TriggerFact>;
}

export interface Plan {
  apiVersion: 'yingji/v1';
  kind: 'EmergencyPlan';
  id: string;
  version: number;
  title: string;
  /** The team that owns the plan file. */
  owner: string;
  description?: string;
  incidentTypes?: string[];
  /** Facts computed at launch from a source (`FACT_SOURCES`) rather than typed by the caller. */
  facts?: Record<string, { from: string }>;
  levels: LevelRule[];
  /** Alerts that start this plan; the first plan whose trigger matches an alert wins. */
  triggers?: Trigger[];
  roles: Record<string, RoleDef>;
  objectives?: {
    rto?: string | Partial<Record<Level, string>>;
    rpo?: string;
    /** `rto` in milliseconds (one value, or one per level as written). */
    rtoMs?: number | Partial<Record<Level, number>>;
    rpoMs?: number;
  };
  steps: Step[];
  escalation?: EscalationRule[];
  notify?: {
    channels?: Record<string, Record<string, unknown>>;
    onStages?: string[];
  };
  review?: { owner: string; within?: string; withinMs?: number };
  drill?: {
    description?: string;
    /** Incident facts the drill starts with (they classify it). */
    facts?: Record<string, unknown>;
    /** `{ kind, ...params }`, kinds from `FAULTS` in vocabulary.ts; durations also in `<name>Ms`. */
    faults?: Array<Record<string, unknown>>;
    /** One of the `EXPECT_KINDS` shapes; durations also in `withinMs`, `rtoMs`, `rpoMs`. */
    expect?: Array<Record<string, unknown>>;
  };
}

/** One problem found in a plan file, positioned for the plan owner. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  /** e.g. `steps[2].after[0]` */
  path: string;
  message: string;
}
