// Every message into or out of the emergencyPlan workflow. The API imports these same objects.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Level, Plan } from '../domain/plan/plan.types';

export type IncidentMode = 'live' | 'tabletop' | 'live-drill';
export type Stage = 'classify' | 'assign' | 'act' | 'notify' | 'review' | 'closed';
export type TaskState = 'open' | 'completing' | 'done' | 'skipped';

export interface EmergencyPlanInput {
  incidentId: string;
  /** The published, validated plan version this incident runs (it never changes mid-run). */
  plan: Plan;
  facts: Record<string, unknown>;
  mode: IncidentMode;
  launchedBy: string;
}

export interface TaskCompletion {
  taskId: string;
  /** Who completed it (a person id). */
  by: string;
  /** True when a simulated responder answered (demo, drills): shown as such in the timeline. */
  simulated?: boolean;
  outcome?: string;
  note?: string;
}

export interface TaskView {
  id: string;
  stepId: string;
  title: string;
  ownerRole: string;
  team: string;
  state: TaskState;
  deadlineAt?: string;
  completedBy?: string;
  completedAt?: string;
}

export interface IncidentStatus {
  incidentId: string;
  planId: string;
  planVersion: number;
  stage: Stage;
  level?: Level;
  levelReason?: string;
  tasks: TaskView[];
}

export const completeTask = defineUpdate<TaskView, [TaskCompletion]>('completeTask');
export const getStatus = defineQuery<IncidentStatus>('getStatus');

/** Error types a caller can get back from an Update; the API maps them to HTTP statuses. */
export const UpdateErrors = {
  unknownTask: 'UnknownTask',
  taskAlreadyCompleted: 'TaskAlreadyCompleted',
  invalidInput: 'InvalidInput',
} as const;
