// The stages around the act stage: classify, assign, notify, review, close.
import { allHandlersFinished, condition } from '@temporalio/workflow';
import { classifyIncident } from '../../domain/incident/classify';
import { reasonOf } from '../failures';
import { REVIEW_STEP } from '../plan-run';
import { people } from './activities';
import type { PlanContext } from './context';
import { announce } from './notify';
import { openTask } from './tasks';
import { watchDeadline } from './escalation';

/** The incident exists from its first record: the launch answers once it is written. */
export function open(ctx: PlanContext): void {
  const { input, plan } = ctx;
  ctx.rec.later('recordIncidentOpened', {
    incidentId: ctx.incidentId,
    planId: plan.id,
    planVersion: plan.version,
    title: plan.title,
    mode: input.mode,
    facts: input.facts,
    launchedBy: input.launchedBy,
    launchedVia: input.launchedVia,
    level: input.level,
    timeScale: input.timeScale,
    at: ctx.iso(),
  });
  // (Also when it could not be written: the launch then answers that the incident is still starting.)
  // A drill is recorded once it is opened (drill.ts).
  if (!ctx.drill) void ctx.rec.settled().then(ctx.markOpened, ctx.markOpened);
}

/** The level: set for a drill, else from the facts by the plan's rules (already checked at launch). */
export async function classify(ctx: PlanContext): Promise<void> {
  const { input, plan, run } = ctx;
  if (input.level && ctx.drill) {
    run.level = input.level;
    run.levelReason = `演练指定 set for this drill by ${input.launchedBy}`;
  } else {
    let classification;
    try {
      classification = input.classification ?? classifyIncident(plan, input.facts);
    } catch (err) {
      return ctx.giveUp(`classification failed: ${(err as Error).message}`);
    }
    run.level = classification.level;
    run.levelReason = classification.reason;
  }
  ctx.rec.later('recordIncidentClassified', { incidentId: ctx.incidentId, seq: 0, level: run.level, reason: run.levelReason!, by: 'yingji', at: ctx.iso() });
  announce(ctx, 'classified', `事件定级 Incident ${ctx.incidentId} classified as level ${run.level}: ${plan.title}`);
}

/** Who answers for each role at this level, from the team directory (as the launch found it). */
export async function assign(ctx: PlanContext): Promise<void> {
  const { run } = ctx;
  ctx.enterStage('assign');
  try {
    // Resolved at launch for the launch's level; a drill set to another level, or a launch that could
    // not read the directory, reads it now (and says why if it cannot).
    const atLaunch = ctx.input.assignments && ctx.input.classification?.level === run.level ? ctx.input.assignments : undefined;
    run.responsibility = atLaunch ?? (await people.resolveAssignments({ plan: ctx.plan, level: run.level! }));
  } catch (err) {
    return ctx.giveUp(reasonOf(err));
  }
  ctx.rec.later('recordAssignments', { incidentId: ctx.incidentId, seq: 0, level: run.level!, roles: ctx.rolesSummary(), ...ctx.unresolvedRoles(), at: ctx.iso() });
}

/** Every step is done: the commander hears so. */
export function notifyRestored(ctx: PlanContext): void {
  ctx.enterStage('notify');
  announce(ctx, 'restored', `处置完成 Incident ${ctx.incidentId}: every step of ${ctx.plan.title} is done`);
}

/** The post-incident review, a task for its owner; a commander closing the incident first skips it. */
export async function review(ctx: PlanContext): Promise<void> {
  const { plan, run } = ctx;
  ctx.enterStage('review');
  const owner = plan.review?.owner ?? 'commander';
  const step = { id: REVIEW_STEP, type: 'manual' as const, title: `复盘 Post-incident review of ${plan.title}`, withinMs: plan.review?.withinMs };
  const task = openTask(ctx, step, 'review', owner);
  const watching = watchDeadline(ctx, task, step.withinMs);
  watching.catch(() => undefined); // a write that fails it fails the wait below too, which says why
  await ctx.wait(() => run.isFinished(task.id) || run.closeRequest !== undefined);
  if (!run.isFinished(task.id)) {
    const closer = run.closeRequest!;
    run.finishTask(task.id, { state: 'skipped', completedBy: closer.actor.person });
    ctx.rec.later('recordTaskCompleted', {
      taskId: task.id,
      incidentId: ctx.incidentId,
      by: closer.actor.person,
      simulated: closer.actor.simulated ?? false,
      state: 'skipped',
      note: `closed before the review: ${closer.reason ?? 'no reason given'}`,
      at: ctx.iso(),
    });
  }
  await watching;
}

/** Closed: recorded, announced, and every notice still going out is waited for. */
export async function close(ctx: PlanContext): Promise<void> {
  const closer = ctx.run.closeRequest;
  ctx.rec.later('recordIncidentClosed', {
    incidentId: ctx.incidentId,
    by: closer?.actor.person ?? 'yingji',
    reason: closer?.reason ?? (closer ? undefined : 'review completed'),
    via: closer && ctx.via(closer.actor),
    at: ctx.iso(),
  });
  announce(ctx, 'closed', `事件关闭 Incident ${ctx.incidentId} closed`);
  await ctx.rec.flush();
  await Promise.all(ctx.notices);
}

/** The incident is closed once every message still being handled has its answer. */
export async function closed(ctx: PlanContext): Promise<void> {
  ctx.run.stage = 'closed';
  await condition(allHandlersFinished);
}
