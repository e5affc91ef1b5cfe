// What the API answers, as the console reads it (the read models' JSON).
export interface IncidentRow {
  id: string;
  planId: string;
  planVersion: number;
  title: string;
  mode: string;
  state: string;
  stage: string;
  level: string | null;
  levelReason: string | null;
  facts: Record<string, unknown>;
  launchedBy: string;
  openedAt: string;
  closedAt: string | null;
  updatedAt: string;
}

export interface TaskRow {
  id: string;
  incidentId: string;
  stepId: string;
  title: string;
  kind: string;
  ownerRole: string;
  team: string;
  state: string;
  checklist: string[];
  checklistDone: string[];
  deadlineAt: string | null;
  createdAt: string;
  completedAt: string | null;
  completedBy: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  options: string[] | null;
  decision: string | null;
  failure: string | null;
  escalations: number;
  outcome: string | null;
  note: string | null;
}

export interface AlertRow {
  id: string;
  source: string;
  summary: string | null;
  status: string;
  state: string;
  reason: string | null;
  labels: Record<string, string>;
  planId: string | null;
  incidentId: string | null;
  lastSeenAt: string;
}

export interface PlanSummary {
  planId: string;
  title: string;
  latestVersion: number;
  versions: number[];
}
