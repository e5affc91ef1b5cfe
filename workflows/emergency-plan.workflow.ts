// emergencyPlan: runs one published plan for one incident, stage by stage:
// classify -> assign -> act -> notify -> review -> closed. Deterministic: every effect is an
// activity; the stages, steps, messages and drills live in ./emergency-plan/, one file each.
import { ApplicationFailure } from '@temporalio/workflow';
import type { EmergencyPlanInput } from './definitions';
import { records } from './emergency-plan/activities';
import { PlanContext } from './emergency-plan/context';
import { announceDrill, asDrill, assessDrill, startDrill } from './emergency-plan/drill';
import { assign, classify, close, closed, open, notifyRestored, review } from './emergency-plan/stages';
import { act } from './emergency-plan/steps';
import { listen } from './emergency-plan/updates';
import { reasonOf } from './failures';

export async function emergencyPlan(input: EmergencyPlanInput): Promise<void> {
  const ctx = new PlanContext(input);
  listen(ctx);
  open(ctx);
  const respond = async () => {
    await classify(ctx);
    await assign(ctx);
    if (ctx.drill) announceDrill(ctx);
    ctx.enterStage('act');
    await act(ctx);
    if (ctx.drill) await assessDrill(ctx, false);
    notifyRestored(ctx);
    await review(ctx);
    await close(ctx);
    if (ctx.drill) await assessDrill(ctx, true);
    await closed(ctx);
  };
  if (!ctx.drill) return saysWhyIfStopped(ctx, respond);
  await asDrill(ctx, () =>
    saysWhyIfStopped(ctx, async () => {
      await startDrill(ctx);
      await respond();
    }),
  );
}

/** An activity whose retries ran out stops the plan: the incident says so, with the reason, before the workflow fails. */
async function saysWhyIfStopped(ctx: PlanContext, plan: () => Promise<void>): Promise<void> {
  try {
    await plan();
  } catch (err) {
    if (!(err instanceof ApplicationFailure && err.type === 'PlanCannotContinue')) {
      await records.recordIncidentFailed({ incidentId: ctx.incidentId, reason: `it stopped: ${reasonOf(err)}`, at: ctx.iso() }).catch(() => undefined);
    }
    throw err;
  }
}
