// Every message into or out of the emergencyPlan workflow. The API imports these same objects.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Level, Plan } from '../domain/plan/plan.types';
import type { Responsibility } from '../domain/responsibility/resolve-responsibility';

export type IncidentMode = 'live' | 'tabletop' | 'live-drill';
export type Stage = 'classify' | 'assign' | 'act' | 'notify' | 'review' | 'closed';
export type StepRunState = 'pending' | 'running' | 'waiting' | 'failed' | 'done' | 'skipped';
export type TaskKind = 'manual' | 'decision' | 'automated' | 'review';
export type TaskState = 'open' | 'acknowledged' | 'failed' | 'done' | 'skipped';

export interface EmergencyPlanInput {
  incidentId: string;
  /** The published, validated plan version this incident runs (it never changes mid-run). */
  plan: Plan;
  facts: Record<string, unknown>;
  mode: IncidentMode;
  launchedBy: string;
  /** The token and address the launch came from (through the API): the opening record audits the launch with them. */
  launchedVia?: { tokenId?: string; ip?: string };
  /**
   * Divides every plan duration (deadlines, escalations): 60 runs a 10-minute deadline in 10 s.
   * For demos and rehearsals; live incidents run at 1.
   */
  timeScale?: number;
  /** The level the launch already worked out from the facts by the plan's rules, so it is worked out once. */
  classification?: { level: Level; reason: string };
  /** Who answers for each role at that level, resolved from the team directory at launch (else by the workflow). */
  assignments?: Responsibility;
  /** Drills only: run at this level instead of classifying from the facts (`drill run --level II`). */
  level?: Level;
  /** Drills only (tabletop and live-drill modes). */
  drill?: DrillOptions;
}

export interface DrillOptions {
  /** Live drills: the sandbox database (`drill_…`) every automated step works on. */
  sandbox?: string;
  /** Keep the sandbox for inspection instead of dropping it at the end. */
  keepSandbox?: boolean;
  /** Started by a schedule without notice: only commanders and management are told it is a drill. */
  unannounced?: boolean;
}

/** The person behind a message, as the API authenticated them. */
export interface Actor {
  person: string;
  teams: string[];
  roles: string[];
  /** A simulated responder (demo, drills): shown as such in the timeline. */
  simulated?: boolean;
  /** The token and source address the request came through, for the audit trail. */
  tokenId?: string;
  ip?: string;
}

export interface Finding {
  /** The drill finding this improvement item answers (`late:restore-invoices`), if any. */
  findingId?: string;
  /** The step it improves: `plan draft-next` puts the item there as a comment. */
  stepId?: string;
  text: string;
  /** Person or team who owns the improvement. */
  owner: string;
  /** YYYY-MM-DD */
  due: string;
}

export interface AcknowledgeTask {
  taskId: string;
  actor: Actor;
}

export interface TaskCompletion {
  taskId: string;
  actor: Actor;
  outcome?: string;
  /** Required when completing a failed automated step by hand: the reason. */
  note?: string;
  /** Checklist items ticked, as written in the plan. */
  checklist?: string[];
  /** Links to evidence (tickets, log excerpts, screenshots). */
  evidence?: string[];
  /** The review task's findings (improvement items). */
  findings?: Finding[];
  /** Facts the step `provides` (plan-format), entered by its owner: later steps read them as `{ fact: NAME }`. */
  facts?: Record<string, ProvidedFact>;
}

/** A fact entered on completion: a text, a number, yes/no, or a list of texts (account names). */
export type ProvidedFact = string | number | boolean | string[];

export interface Decision {
  taskId: string;
  option: string;
  actor: Actor;
  note?: string;
}

export interface LevelOverrideRequest {
  level: Level;
  reason: string;
  actor: Actor;
}

export interface NoteRequest {
  text: string;
  actor: Actor;
}

export interface CloseRequest {
  actor: Actor;
  reason?: string;
}

export interface TaskView {
  id: string;
  stepId: string;
  kind: TaskKind;
  title: string;
  ownerRole: string;
  team: string;
  state: TaskState;
  deadlineAt?: string;
  acknowledgedBy?: string;
  completedBy?: string;
  completedAt?: string;
  options?: string[];
  decision?: string;
  failure?: string;
  checklist: string[];
  escalations: number;
}

export interface StepView {
  id: string;
  type: string;
  title: string;
  state: StepRunState;
  startedAt?: string;
  deadlineAt?: string;
  finishedAt?: string;
  finishedBy?: string;
  outcome?: string;
}

export interface EscalationView {
  taskId: string;
  rule: number;
  at: string;
  notified: string[];
}

export interface IncidentStatus {
  incidentId: string;
  planId: string;
  planVersion: number;
  mode: IncidentMode;
  stage: Stage;
  level?: Level;
  levelReason?: string;
  steps: StepView[];
  tasks: TaskView[];
  escalations: EscalationView[];
}

/** Sent with the start (Update-with-Start): answers once the incident is recorded, so a launch needs no polling. */
export const launched = defineUpdate<IncidentStatus, []>('launched');
export const acknowledgeTask = defineUpdate<TaskView, [AcknowledgeTask]>('acknowledgeTask');
export const completeTask = defineUpdate<TaskView, [TaskCompletion]>('completeTask');
export const decide = defineUpdate<TaskView, [Decision]>('decide');
export const overrideLevel = defineUpdate<IncidentStatus, [LevelOverrideRequest]>('overrideLevel');
export const addNote = defineUpdate<void, [NoteRequest]>('addNote');
export const closeIncident = defineUpdate<IncidentStatus, [CloseRequest]>('closeIncident');
export const getStatus = defineQuery<IncidentStatus>('getStatus');

/** Error types a caller can get back from an Update; the API maps them to HTTP statuses. */
export const UpdateErrors = {
  unknownTask: 'UnknownTask',
  taskAlreadyCompleted: 'TaskAlreadyCompleted',
  invalidInput: 'InvalidInput',
  forbidden: 'Forbidden',
  conflict: 'Conflict',
} as const;
