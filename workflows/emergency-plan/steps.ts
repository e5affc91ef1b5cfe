// The act stage: every step the plan graph makes ready runs, in parallel where the plan allows,
// until the plan is finished (or a step fails for good).
import { LEVEL_NAMES } from '../../domain/incident/classify';
import { readySteps } from '../../domain/plan/graph';
import { renderMessage } from '../../domain/plan/message';
import type { AutomatedStep, DecisionStep, NotifyStep, Step } from '../../domain/plan/plan.types';
import { reasonOf } from '../failures';
import { runAutomated } from './automated';
import type { PlanContext } from './context';
import { notify, PERSON_CHANNELS } from './notify';
import { awaitTask, stepRecord } from './tasks';

export async function act(ctx: PlanContext): Promise<void> {
  const { plan, run } = ctx;
  let failure: { err: unknown } | undefined;
  let outstanding = 0; // steps and follow-up tasks still running
  const watch = (p: Promise<void>) => {
    outstanding++;
    p.then(
      () => outstanding--,
      // A step that throws (an activity out of retries) stops the plan; unwatched, it would hang it.
      (err) => (failure ??= { err }),
    ).finally(() => run.progressed());
  };
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  for (let watched = 0; ; ) {
    const next = readySteps(plan, run.level!, run.graphStates(), run.decisions);
    for (const id of next.skip) {
      run.setStep(id, { state: 'skipped', finishedAt: ctx.iso() });
      ctx.rec.later('recordStep', { ...stepRecord(ctx, byId.get(id)!), state: 'skipped', outcome: 'not on the chosen branch or not at this level', at: ctx.iso() });
    }
    for (const id of next.start) watch(runStep(ctx, byId.get(id)!));
    for (; watched < ctx.followUps.length; watched++) watch(ctx.followUps[watched]);
    if (failure) throw failure.err;
    if (next.stuck) await ctx.giveUp(`no step can start and the plan is not finished (open: ${run.openSteps().map((s) => s.id).join(', ')})`);
    if (next.skip.length || next.start.length) continue;
    if (next.finished && outstanding === 0) return;
    // Woken by steps moving, not by every message: a completion's own record then goes out in one
    // batch with the step it finishes and the tasks of the steps it starts.
    const seen = run.progress;
    await ctx.wait(() => run.progress !== seen);
  }
}

/** One step, by its type: people's tasks wait for them; an automated step that fails becomes a task. */
async function runStep(ctx: PlanContext, step: Step): Promise<void> {
  const { run } = ctx;
  const team = 'owner' in step && step.owner ? run.teamOf(step.owner, step.id) : undefined;
  const deadlineAt = ctx.deadlineIn(step.withinMs);
  run.setStep(step.id, { state: 'running', startedAt: ctx.iso(), deadlineAt });
  ctx.rec.later('recordStep', { ...stepRecord(ctx, step, team), state: 'running', deadlineAt, at: ctx.iso() });
  const { by, outcome } = await outcomeOf(ctx, step, team);
  run.setStep(step.id, { state: 'done', finishedAt: ctx.iso(), finishedBy: by, outcome });
  ctx.rec.later('recordStep', { ...stepRecord(ctx, step, team), state: 'done', by, outcome, at: ctx.iso() });
}

async function outcomeOf(ctx: PlanContext, step: Step, team: string | undefined): Promise<{ by: string; outcome: string }> {
  /** The step failed: people finish it by hand, with the failure in front of them. */
  const byHand = async (failure: string, owner: string, shown: Step = step) => {
    ctx.run.setStep(step.id, { state: 'failed', outcome: failure });
    ctx.rec.later('recordStep', { ...stepRecord(ctx, step, team), state: 'failed', outcome: failure, at: ctx.iso() });
    return (await awaitTask(ctx, shown, 'automated', owner, { failure })).completedBy ?? 'yingji';
  };
  switch (step.type) {
    case 'manual': {
      ctx.run.setStep(step.id, { state: 'waiting' });
      const task = await awaitTask(ctx, step, 'manual', step.owner);
      return { by: task.completedBy ?? 'yingji', outcome: 'completed' };
    }
    case 'decision': {
      ctx.run.setStep(step.id, { state: 'waiting' });
      const task = await awaitTask(ctx, step, 'decision', step.owner, { options: (step as DecisionStep).options.map((o) => o.id) });
      return { by: task.completedBy ?? 'yingji', outcome: `chose ${task.decision}` };
    }
    case 'automated': {
      const auto = step as AutomatedStep;
      try {
        return { by: 'yingji', outcome: await runAutomated(ctx, auto) };
      } catch (err) {
        return { by: await byHand(reasonOf(err), auto.owner), outcome: 'completed by hand' };
      }
    }
    case 'notify': {
      const n = step as NotifyStep;
      const sent = await notify(ctx, `step:${step.id}`, n.to, n.channels, renderMessage(n.message, { values: messageValues(ctx), facts: ctx.input.facts }), step.id);
      const outcome = `sent: ${sent.outcomes.join(', ')}`;
      if (!sent.unreachable.length) return { by: 'yingji', outcome };
      // Nobody may be silently left out: the commander is asked to tell them another way.
      const failure = `无法送达 No way to reach ${sent.unreachable.join(', ')}: no ${PERSON_CHANNELS.join(' or ')} address in the team directory, nor for their role in notify.channels (${outcome})`;
      const by = await byHand(failure, 'commander', { ...n, title: `通知 ${n.to.join(', ')} by hand: ${n.title ?? n.id}` } as Step);
      return { by, outcome: `${outcome}; the rest told by hand` };
    }
  }
}

/** The placeholders a notify step's message may use. */
function messageValues(ctx: PlanContext) {
  const { plan, run, incidentId } = ctx;
  const rto = plan.objectives?.rto;
  return {
    level: run.level,
    levelName: run.level ? `${LEVEL_NAMES[run.level].zh} ${LEVEL_NAMES[run.level].en}` : undefined,
    rto: typeof rto === 'string' ? rto : run.level ? rto?.[run.level] : undefined,
    rpo: plan.objectives?.rpo,
    incident: incidentId,
    plan: plan.id,
    title: plan.title,
  };
}
