// A task for people: opened, told to its owners, watched for its deadline and silence, waited for.
import type { ManualStep, Step } from '../../domain/plan/plan.types';
import type { TaskView } from '../definitions';
import type { PlanContext } from './context';
import { watchDeadline, watchSilence } from './escalation';
import { tellOwners } from './notify';

export interface TaskExtras {
  options?: string[];
  /** An automated step that failed: people finish it by hand. */
  failure?: string;
  /** What an automated step found, shown on a follow-up task. */
  attached?: string[];
}

/** Opens a task for a step and waits until it is completed (or skipped). */
export async function awaitTask(ctx: PlanContext, step: Step, kind: TaskView['kind'], ownerRole: string, extra: TaskExtras = {}): Promise<TaskView> {
  const task = openTask(ctx, step, kind, ownerRole, extra);
  const watching = Promise.all([watchDeadline(ctx, task, step.withinMs), watchSilence(ctx, task)]);
  watching.catch(() => undefined); // a write that fails them fails the wait below too, which says why
  await ctx.wait(() => ctx.run.isFinished(task.id));
  await watching;
  return ctx.run.task(task.id)!;
}

/** The task in the plan's state and its record queued, in one step, so they are written together. */
export function openTask(ctx: PlanContext, step: Pick<Step, 'id' | 'title' | 'type' | 'withinMs'> & { checklist?: string[] }, kind: TaskView['kind'], ownerRole: string, extra: TaskExtras = {}): TaskView {
  const deadlineAt = ctx.deadlineIn(step.withinMs);
  const { attached, ...shown } = extra;
  const task = ctx.run.openTask({ step: step as ManualStep, kind, ownerRole, deadlineAt, ...shown });
  ctx.rec.later('recordTaskOpened', {
    taskId: task.id,
    incidentId: ctx.incidentId,
    stepId: step.id,
    kind,
    title: task.title,
    stepType: kind === 'review' ? 'review' : step.type,
    ownerRole,
    team: task.team,
    people: ctx.run.peopleOf(ownerRole, step.id),
    checklist: task.checklist,
    options: extra.options,
    state: extra.failure ? 'failed' : 'open',
    failure: extra.failure,
    ...(attached ? { attached } : {}),
    deadlineAt,
    at: ctx.iso(),
  });
  tellOwners(ctx, task, ownerRole);
  return task;
}

/** A step as the timeline records it. */
export const stepRecord = (ctx: PlanContext, step: Step, team?: string) => ({
  incidentId: ctx.incidentId,
  stepId: step.id,
  stepType: step.type,
  title: step.title ?? step.id,
  ownerRole: 'owner' in step ? step.owner : undefined,
  team,
});
