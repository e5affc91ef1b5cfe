// GET /incidents/:id as the incident page reads it (IncidentsService.detail).
import type { IncidentRow, TaskRow } from '../../types';

export interface StepRow {
  stepId: string;
  stepType: string;
  title: string;
  ownerRole: string | null;
  team: string | null;
  state: string;
  startedAt: string | null;
  deadlineAt: string | null;
  finishedAt: string | null;
  finishedBy: string | null;
  outcome: string | null;
}

export interface TimelineRow {
  id: string;
  at: string;
  kind: string;
  actor: string;
  simulated: boolean;
  taskId: string | null;
  message: string;
}

export interface DeliveryRow {
  recipient: string;
  person: string | null;
  address: string | null;
  status: string;
  attempts: number;
  detail: string | null;
  sentAt: string | null;
}

export interface NotificationRow {
  id: string;
  stepId: string | null;
  reason: string;
  channel: string;
  audience: string[] | null;
  recipients: unknown;
  status: string;
  attempts: number;
  detail: string | null;
  drill: boolean;
  createdAt: string;
  deliveredAt: string | null;
  deliveries: DeliveryRow[];
}

export interface FindingRow {
  id: string;
  text: string;
  owner: string;
  due: string;
  createdBy: string;
}

export interface IncidentDetail {
  incident: IncidentRow;
  steps: StepRow[];
  tasks: TaskRow[];
  timeline: TimelineRow[];
  notifications: NotificationRow[];
  findings: FindingRow[];
}

/** A step of the plan as published (the YAML of GET /plans/:id/versions/:v). */
export interface PlanStep {
  id: string;
  title?: string;
  type: string;
  owner?: string;
  after: string[];
  within?: string;
  levels?: string[];
  options?: Array<{ id: string; title?: string; next: string[] }>;
}
