// Automated steps: what the plan's `action` does in each mode. A tabletop drill touches no data; a
// live drill works on its sandbox; a live incident on the invoice database itself.
import { ApplicationFailure, executeChild, sleep } from '@temporalio/workflow';
import type { FollowUpTask } from '../../activities/actions/actions.activities';
import type { AutomatedStep, ManualStep } from '../../domain/plan/plan.types';
import { restoreByPriority } from '../restore-by-priority.workflow';
import type { PlanContext } from './context';
import { awaitTask } from './tasks';

/** Runs the step's action and says what it did; throws when the action failed (people finish it by hand). */
export async function runAutomated(ctx: PlanContext, step: AutomatedStep): Promise<string> {
  if (ctx.input.mode === 'tabletop') return simulate(ctx, step);
  if (step.action === 'restoreByPriority') return restore(ctx, step);
  const { incidentId, input, sandbox } = ctx;
  const result = await ctx.acts.actions.runAction({ incidentId, stepId: step.id, action: step.action, with: step.with ?? {}, mode: input.mode, target: sandbox });
  for (const f of result.followUps ?? []) handOver(ctx, step, f);
  return result.outcome;
}

/**
 * Work an automated step found for people (e.g. one task per truly missing invoice, for finance):
 * each becomes a task beside the plan, with what was found attached; the act stage waits for them.
 */
function handOver(ctx: PlanContext, step: AutomatedStep, f: FollowUpTask): void {
  // A role the plan does not have goes to the step's own owner rather than stopping the plan.
  const role = ctx.plan.roles[f.role] ? f.role : step.owner;
  const task = { id: `${step.id}.${f.key}`, type: 'manual', title: f.title, owner: role, checklist: f.checklist, withinMs: f.withinMs } as ManualStep;
  ctx.followUps.push(awaitTask(ctx, task, 'manual', role, { attached: f.evidence }).then(() => undefined));
}

/** Tabletop drills touch no data: an automated step takes its planned time and says so. */
async function simulate(ctx: PlanContext, step: AutomatedStep): Promise<string> {
  await ctx.rec.flush();
  if (step.withinMs) await sleep(ctx.scaled(step.withinMs));
  return `模拟 simulated (tabletop): ${step.action} assumed to take its planned ${step.within ?? 'no time'}`;
}

/** Restore by priority as a child workflow, into the configured invoice database (a live drill's sandbox). */
async function restore(ctx: PlanContext, step: AutomatedStep): Promise<string> {
  const w = step.with ?? {};
  const { incidentId, sandbox } = ctx;
  let pointInTime: string | undefined;
  if (typeof w.pointInTime === 'string') pointInTime = w.pointInTime;
  else if (w.pointInTime && typeof w.pointInTime === 'object' && 'fact' in w.pointInTime) {
    const fact = String((w.pointInTime as { fact: unknown }).fact);
    const value = ctx.input.facts[fact];
    if (typeof value !== 'string') throw ApplicationFailure.nonRetryable(`pointInTime needs the fact "${fact}", which the incident does not have yet`, 'MissingFact');
    pointInTime = value;
  }
  await ctx.rec.flush();
  const result = await executeChild(restoreByPriority, {
    workflowId: `${incidentId}.${step.id}.restore`,
    args: [
      {
        restoreId: `${incidentId}.${step.id}`,
        target: sandbox ?? 'invoices',
        // The sandbox is the drill's own copy: what a fault left in it is replaced.
        replace: sandbox !== undefined,
        pointInTime,
        backupId: typeof w.backup === 'string' && w.backup !== 'latest' ? w.backup : undefined,
        priorities: Array.isArray(w.priorities) ? (w.priorities as string[]) : undefined,
        startedBy: `${ctx.input.launchedBy} (incident ${incidentId}, step ${step.id})`,
      },
    ],
  });
  const rows = result.classes.reduce((n, c) => n + c.rows, 0);
  const first = result.classes[0];
  return `restored ${rows} invoices from ${result.chain.join(' -> ')}${first ? `; ${first.cls} available at ${first.availableAt}` : ''}`;
}
