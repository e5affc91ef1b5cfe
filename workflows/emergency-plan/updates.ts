// What people send an incident (acknowledge, complete, decide, override the level, note, close),
// each checked by its validator first. A message's record is queued with the change it causes and
// the Update answers once both are written: whoever sent it sees the result on their next read.
import { condition, setHandler } from '@temporalio/workflow';
import { notRecorded } from '../failures';
import { acknowledgeTask, addNote, closeIncident, completeTask, decide, getStatus, launched, overrideLevel } from '../definitions';
import type { AcknowledgeTask, CloseRequest, Decision, IncidentStatus, LevelOverrideRequest, NoteRequest, TaskCompletion, TaskView } from '../definitions';
import { people } from './activities';
import type { PlanContext } from './context';

export function listen(ctx: PlanContext): void {
  const { run } = ctx;
  setHandler(getStatus, () => run.status());
  setHandler(launched, () => answerLaunch(ctx));
  setHandler(acknowledgeTask, (a) => acknowledge(ctx, a), { validator: (a) => run.assertCanAcknowledge(a) });
  setHandler(completeTask, (c) => complete(ctx, c), { validator: (c) => run.assertCanComplete(c) });
  setHandler(decide, (d) => decideTask(ctx, d), { validator: (d) => run.assertCanDecide(d) });
  setHandler(overrideLevel, (o) => override(ctx, o), { validator: (o) => run.assertCanOverride(o) });
  setHandler(addNote, (n) => note(ctx, n), { validator: (n) => run.assertCanNote(n) });
  setHandler(closeIncident, (c) => close(ctx, c), { validator: (c) => run.assertCanClose(c) });
}

/** Waits for `writing` (a message's record, with what the plan did in answer to it); if refused, the message fails saying why. */
async function recorded(writing: Promise<void>, what: string): Promise<void> {
  try {
    await writing;
  } catch (err) {
    throw notRecorded(what, err);
  }
}

/** Launch (Update-with-Start) answers once the incident is recorded, so the caller can read it at once. */
async function answerLaunch(ctx: PlanContext): Promise<IncidentStatus> {
  await ctx.opened;
  return ctx.run.status();
}

async function acknowledge(ctx: PlanContext, a: AcknowledgeTask): Promise<TaskView> {
  const task = ctx.run.finishTask(a.taskId, { state: 'acknowledged', acknowledgedBy: a.actor.person });
  ctx.rec.later('recordTaskAcknowledged', { taskId: a.taskId, incidentId: ctx.incidentId, by: a.actor.person, simulated: a.actor.simulated ?? false, via: ctx.via(a.actor), at: ctx.iso() });
  // Nothing in the plan moves on an acknowledgement, so the plan will not write it: write it now.
  await recorded(ctx.rec.flush(), `the acknowledgement of task "${a.taskId}"`);
  return task;
}

async function complete(ctx: PlanContext, c: TaskCompletion): Promise<TaskView> {
  const at = ctx.iso();
  ctx.rec.later('recordTaskCompleted', {
    taskId: c.taskId,
    incidentId: ctx.incidentId,
    by: c.actor.person,
    simulated: c.actor.simulated ?? false,
    outcome: c.outcome,
    note: c.note,
    checklist: c.checklist,
    evidence: c.evidence,
    via: ctx.via(c.actor),
    at,
    ...(c.findings?.length ? { findings: c.findings } : {}),
    ...(c.facts ? { facts: c.facts } : {}),
  });
  // Later steps (an action's `{ fact: NAME }`, a message's placeholders) see what the owner entered.
  if (c.facts) Object.assign(ctx.input.facts, c.facts);
  const task = ctx.run.finishTask(c.taskId, { state: 'done', completedBy: c.actor.person, completedAt: at });
  await recorded(ctx.rec.settled(), `the completion of task "${c.taskId}"`);
  return task;
}

async function decideTask(ctx: PlanContext, d: Decision): Promise<TaskView> {
  const at = ctx.iso();
  const { stepId } = ctx.run.task(d.taskId)!;
  ctx.rec.later('recordTaskCompleted', { taskId: d.taskId, incidentId: ctx.incidentId, by: d.actor.person, simulated: d.actor.simulated ?? false, decision: d.option, note: d.note, via: ctx.via(d.actor), at });
  ctx.run.decisions[stepId] = d.option;
  const task = ctx.run.finishTask(d.taskId, { state: 'done', decision: d.option, completedBy: d.actor.person, completedAt: at });
  await recorded(ctx.rec.settled(), `the decision on task "${d.taskId}"`);
  return task;
}

/** People first: if nobody can be reached at the new level, the override is refused whole. */
async function override(ctx: PlanContext, o: LevelOverrideRequest): Promise<IncidentStatus> {
  const { run } = ctx;
  const responsibility = await people.resolveAssignments({ plan: ctx.plan, level: o.level });
  const seq = ++run.classifications;
  const from = run.level;
  run.level = o.level;
  run.levelReason = `${o.reason} (overridden from ${from} by ${o.actor.person})`;
  run.responsibility = responsibility;
  const at = ctx.iso();
  ctx.rec.later('recordIncidentClassified', { incidentId: ctx.incidentId, seq, level: o.level, reason: run.levelReason, by: o.actor.person, via: ctx.via(o.actor), at });
  ctx.rec.later('recordAssignments', { incidentId: ctx.incidentId, seq, level: o.level, roles: ctx.rolesSummary(), ...ctx.unresolvedRoles(), at });
  await recorded(ctx.rec.flush(), `the level override to ${o.level}`);
  return run.status();
}

async function note(ctx: PlanContext, n: NoteRequest): Promise<void> {
  const seq = ++ctx.run.notes;
  ctx.rec.later('recordNote', { incidentId: ctx.incidentId, seq, text: n.text, by: n.actor.person, simulated: n.actor.simulated ?? false, via: ctx.via(n.actor), at: ctx.iso() });
  await recorded(ctx.rec.flush(), 'the note');
}

/** Closing skips the review if it is still open; the Update answers once the incident is closed. */
async function close(ctx: PlanContext, c: CloseRequest): Promise<IncidentStatus> {
  ctx.run.closeRequest = c;
  await condition(() => ctx.run.stage === 'closed');
  return ctx.run.status();
}
