// Drills (drills-and-scoring.md): opened before the plan runs, announced, measured and scored
// after the act stage and again at the end, and finished (the sandbox dropped) whatever happened.
import { sleep } from '@temporalio/workflow';
import { reasonOf } from '../failures';
import type { PlanContext } from './context';
import { aside, notify, stageChannels } from './notify';

/** Runs the plan as a drill; the drill is finished (its sandbox dropped) whatever happened. */
export async function asDrill(ctx: PlanContext, run: () => Promise<void>): Promise<void> {
  let completed = false;
  try {
    await run();
    completed = true;
  } finally {
    ctx.markOpened(); // never recorded as opened: the launch stops waiting
    await Promise.all(ctx.restarts);
    const { incidentId, sandbox } = ctx;
    await ctx.acts.drills.finishDrill({ drillId: incidentId, sandbox, keepSandbox: ctx.input.drill?.keepSandbox ?? false, failed: !completed });
  }
}

/** Opens the drill; a live drill gets its sandbox (a copy of the invoices) and its faults, for real. */
export async function startDrill(ctx: PlanContext): Promise<void> {
  const { input, plan, incidentId, sandbox } = ctx;
  await ctx.acts.drills.openDrill({
    drillId: incidentId,
    planId: plan.id,
    planVersion: plan.version,
    mode: input.mode as 'tabletop' | 'live-drill',
    unannounced: input.drill?.unannounced ?? false,
    sandbox,
    keepSandbox: input.drill?.keepSandbox ?? false,
    by: input.launchedBy,
    at: ctx.iso(),
  });
  ctx.markOpened(); // the launch answers now: the drill and its incident are both recorded
  if (!sandbox) return;
  try {
    await ctx.acts.drills.prepareDrillSandbox({ drillId: incidentId, sandbox });
  } catch (err) {
    return ctx.giveUp(`演练沙箱 the drill's sandbox could not be prepared: ${reasonOf(err)}`);
  }
  for (const [index, fault] of (plan.drill?.faults ?? []).entries()) {
    try {
      await ctx.acts.drills.injectDrillFault({ drillId: incidentId, sandbox, index, fault: fault as { kind: string } });
    } catch (err) {
      return ctx.giveUp(`drill.faults[${index}] (${fault.kind}) could not be injected: ${reasonOf(err)}`);
    }
    // A stopped database comes back after the fault's duration (10 minutes unless the plan says).
    if (fault.kind === 'stop-database') {
      const ms = typeof fault.durationMs === 'number' ? fault.durationMs : 600_000;
      ctx.restarts.push(sleep(ctx.scaled(ms)).then(() => ctx.acts.drills.restartDrillSandbox({ drillId: incidentId, sandbox })));
    }
  }
}

/** Tells people a drill is on: everyone in an announced drill, only commander and management in an unannounced one. */
export function announceDrill(ctx: PlanContext): void {
  const { input, plan, incidentId } = ctx;
  const unannounced = input.drill?.unannounced ?? false;
  const audience = unannounced ? ['commander', 'management'] : [...new Set([...Object.keys(plan.roles), 'commander', 'management'])];
  const kind = input.mode === 'tabletop' ? '桌面演练 tabletop' : '实战演练 live';
  const text = `演练开始 ${kind} drill of "${plan.title}" (${incidentId})${unannounced ? '，突击演练，请勿告知处置人员 unannounced: do not tell responders' : ''}`;
  aside(ctx, () => notify(ctx, 'drill:start', audience, stageChannels(ctx), text));
}

/** Measures what happened (and, live, what was lost) and scores it; again when the drill ends. */
export async function assessDrill(ctx: PlanContext, final: boolean): Promise<void> {
  await ctx.rec.flush();
  await Promise.all(ctx.restarts);
  if (ctx.sandbox && !final) await ctx.acts.drills.measureDrillLoss({ drillId: ctx.incidentId, sandbox: ctx.sandbox });
  await ctx.acts.drills.assessDrill({ drillId: ctx.incidentId, final });
}
