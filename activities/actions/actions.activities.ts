import { ApplicationFailure } from '@temporalio/activity';
import { keepAlive } from '../heartbeat';

export interface ActionRequest {
  incidentId: string;
  stepId: string;
  action: string;
  with: Record<string, unknown>;
  mode: string;
  /** Live drills: the sandbox database the action works on instead of the configured invoice database. */
  target?: string;
}

export interface ActionResult {
  outcome: string;
  data?: Record<string, unknown>;
  /** Work the action found for people (e.g. each truly missing invoice, for finance): the incident opens one task each. */
  followUps?: FollowUpTask[];
}

/** A task an automated step hands to a team, with what it found attached as the task's evidence. */
export interface FollowUpTask {
  /** Unique within the step and stable across retries (e.g. the invoice number): the task's id ends with it. */
  key: string;
  /** The plan role whose team gets the task (e.g. finance). */
  role: string;
  title: string;
  checklist?: string[];
  /** How long the team has (plan time, ms); no deadline when absent. */
  withinMs?: number;
  /** Lines a person reads first: what was checked and what was found. */
  evidence: string[];
}

type ActionImpl = (req: ActionRequest) => Promise<ActionResult>;

/**
 * The automated steps' actions (plan-format.md "Actions in v1"). An action that is not built yet
 * fails the step with that reason; the commander then completes it by hand. Never a silent success.
 */
export function createActionActivities(implementations: Partial<Record<string, ActionImpl>> = {}) {
  return {
    async runAction(req: ActionRequest): Promise<ActionResult> {
      const impl = implementations[req.action];
      if (!impl) throw ApplicationFailure.nonRetryable(`action ${req.action} is not available yet`, 'ActionNotAvailable');
      return keepAlive(() => impl(req));
    },
  };
}

export type ActionActivities = ReturnType<typeof createActionActivities>;
