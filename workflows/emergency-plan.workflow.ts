// emergencyPlan: runs one published plan for one incident, from classification to closing.
// Deterministic: every effect (database, notifications) is an activity.
import { condition, proxyActivities, setHandler, allHandlersFinished, ApplicationFailure } from '@temporalio/workflow';
import type { RecordActivities } from '../activities';
import { classifyIncident } from '../domain/incident/classify';
import type { Step } from '../domain/plan/plan.types';
import { workflowNow } from './clock';
import { completeTask, EmergencyPlanInput, getStatus, TaskCompletion, TaskView } from './definitions';
import { PlanRun } from './plan-run';

const records = proxyActivities<RecordActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export async function emergencyPlan(input: EmergencyPlanInput): Promise<void> {
  const { plan, incidentId } = input;
  const run = new PlanRun(input);

  setHandler(getStatus, () => run.status());
  setHandler(completeTask, (c) => completeTaskHandler(run, incidentId, c), {
    validator: (c) => run.assertCanComplete(c),
  });

  await records.recordIncidentOpened({
    incidentId,
    planId: plan.id,
    planVersion: plan.version,
    title: plan.title,
    mode: input.mode,
    facts: input.facts,
    launchedBy: input.launchedBy,
    at: workflowNow().toISOString(),
  });

  const classification = classifyIncident(plan, input.facts);
  run.level = classification.level;
  run.levelReason = classification.reason;
  await records.recordIncidentClassified({ incidentId, level: classification.level, reason: classification.reason, at: workflowNow().toISOString() });

  run.stage = 'act';
  for (const step of plan.steps) await runStep(run, input, step);

  run.stage = 'closed';
  await records.recordIncidentClosed({ incidentId, by: 'yingji', at: workflowNow().toISOString() });
  await condition(allHandlersFinished);
}

async function runStep(run: PlanRun, input: EmergencyPlanInput, step: Step): Promise<void> {
  if (step.type !== 'manual') {
    // Fail loudly rather than pretend: other step kinds arrive with the full interpreter.
    throw ApplicationFailure.nonRetryable(`step "${step.id}" is of type ${step.type}, which this engine cannot run yet`, 'NotImplemented');
  }
  const now = workflowNow();
  const deadlineAt = step.withinMs ? new Date(now.getTime() + step.withinMs).toISOString() : undefined;
  const task = run.openTask(step, deadlineAt);
  await records.recordTaskOpened({
    taskId: task.id,
    incidentId: input.incidentId,
    stepId: step.id,
    title: task.title,
    stepType: step.type,
    ownerRole: step.owner,
    team: task.team,
    checklist: step.checklist ?? [],
    deadlineAt,
    at: now.toISOString(),
  });
  await condition(() => run.isDone(task.id));
}

async function completeTaskHandler(run: PlanRun, incidentId: string, c: TaskCompletion): Promise<TaskView> {
  run.beginCompletion(c);
  const at = workflowNow().toISOString();
  await records.recordTaskCompleted({
    taskId: c.taskId,
    incidentId,
    by: c.by,
    simulated: c.simulated ?? false,
    outcome: c.outcome,
    note: c.note,
    at,
  });
  return run.finishCompletion(c.taskId, at);
}
