// Escalation: a task still open past its deadline, or unacknowledged past a silence rule, brings in
// the people the plan's escalation chain names.
import type { EscalationRule } from '../../domain/plan/plan.types';
import type { TaskView } from '../definitions';
import type { PlanContext } from './context';
import { aside, notify, stageChannels } from './notify';

/** Walks the escalation chain while a task stays open past its deadline. */
export async function watchDeadline(ctx: PlanContext, task: TaskView, withinMs: number | undefined): Promise<void> {
  if (withinMs === undefined) return;
  const done = () => ctx.run.isFinished(task.id);
  if (await ctx.wait(done, ctx.scaled(withinMs))) return;
  const chain = (ctx.plan.escalation ?? [])
    .map((rule, index) => ({ rule, index, afterMs: rule.afterMs }))
    .filter((x): x is typeof x & { afterMs: number } => x.afterMs !== undefined)
    .sort((a, b) => a.afterMs - b.afterMs);
  await walk(ctx, task, chain.map((x) => ({ ...x, ms: x.afterMs })), done);
}

/** Walks the silence rules (`unacknowledged:`) while nobody acknowledges a task; an acknowledgement stops it. */
export async function watchSilence(ctx: PlanContext, task: TaskView): Promise<void> {
  const rules = (ctx.plan.escalation ?? [])
    .map((rule, index) => ({ rule, index, ms: rule.unacknowledgedMs }))
    .filter((x): x is typeof x & { ms: number } => x.ms !== undefined);
  const heard = () => !['open', 'failed'].includes(ctx.run.task(task.id)?.state ?? 'done');
  await walk(ctx, task, rules, heard);
}

/** Escalates by each rule in turn, `ms` after the watch began, until `stop` holds. */
async function walk(ctx: PlanContext, task: TaskView, rules: Array<{ rule: EscalationRule; index: number; ms: number }>, stop: () => boolean): Promise<void> {
  let waited = 0;
  for (const { rule, index, ms } of rules) {
    const wait = ctx.scaled(ms) - waited;
    if (wait > 0) {
      if (await ctx.wait(stop, wait)) return;
      waited += wait;
    }
    if (stop()) return;
    escalate(ctx, task, rule, index);
  }
}

function escalate(ctx: PlanContext, task: TaskView, rule: EscalationRule, index: number): void {
  const { run, incidentId } = ctx;
  const notified = [...new Set(rule.notify.flatMap((role) => run.peopleOf(role, task.stepId)))];
  run.escalations.push({ taskId: task.id, rule: index, at: ctx.iso(), notified });
  run.finishTask(task.id, { escalations: (run.task(task.id)?.escalations ?? 0) + 1 });
  const silence = rule.unacknowledged !== undefined;
  ctx.rec.later('recordEscalation', { taskId: task.id, incidentId, rule: index, after: rule.after ?? rule.unacknowledged, ...(silence ? { silence } : {}), notified, at: ctx.iso() });
  const text = silence
    ? `无人确认 Not acknowledged in ${rule.unacknowledged}: "${task.title}" (team ${task.team}), incident ${incidentId}, level ${run.level}`
    : `任务超时 Task overdue: "${task.title}" (team ${task.team}), incident ${incidentId}, level ${run.level}`;
  aside(ctx, () => notify(ctx, `escalation:${task.stepId}:${index}`, rule.notify, rule.channels ?? stageChannels(ctx), text, task.stepId));
}
