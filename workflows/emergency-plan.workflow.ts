// emergencyPlan: runs one published plan for one incident, stage by stage:
// classify -> assign -> act -> notify -> review -> closed. Deterministic: every effect is an activity.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  executeChild,
  patched,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { FollowUpTask } from '../activities/actions/actions.activities';
import { drillSandboxOf } from '../domain/drill/sandbox-name';
import { classifyIncident, LEVEL_NAMES } from '../domain/incident/classify';
import { readySteps } from '../domain/plan/graph';
import { renderMessage } from '../domain/plan/message';
import type { AutomatedStep, DecisionStep, EscalationRule, ManualStep, NotifyStep, Step } from '../domain/plan/plan.types';
import { workflowNow } from './clock';
import {
  acknowledgeTask,
  Actor,
  addNote,
  closeIncident,
  completeTask,
  decide,
  EmergencyPlanInput,
  getStatus,
  overrideLevel,
  Stage,
  TaskView,
} from './definitions';
import { PlanRun, REVIEW_STEP } from './plan-run';
import { notRecorded, reasonOf } from './failures';
import { Recorder } from './recorder';
import { restoreByPriority } from './restore-by-priority.workflow';

// Read-model writes: short, idempotent transactions. (Local activities were tried for speed: under 500
// concurrent launches some workflows stalled for good with their first local activity lost, so
// these stay regular activities until that is understood; see the closing note of issue 5.)
// Data PostgreSQL refuses fails at once (RecordRefused); anything else is retried for up to half an
// hour (a database restart), then the incident is told why it stopped.
const records = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['RecordRefused'] },
});
const peopleActs = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 3 } });
// A channel gets a few short tries, five minutes at most in all; a delivery that keeps failing is
// recorded. The activity heartbeats while it sends, so a notice to 200 people on a worker that died
// is taken up by another within seconds (the recipients already sent are not sent again).
const messagingActs = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  scheduleToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});
// Chat robots take at most 20 messages a minute each: a notice waits for its robot's turn, never dropped.
const robotActs = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  scheduleToCloseTimeout: '2 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});
const ROBOT_CHANNELS = ['webhook', 'wecom', 'dingtalk', 'feishu', 'slack'];
// Channels that reach one person at their own address, in the order a person is tried when one
// fails them (phone has no adapter yet).
const PERSON_CHANNELS = ['email', 'sms'];
const actionActs = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds', // actions heartbeat while they run (activities/heartbeat.ts)
  retry: { initialInterval: '5 seconds', maximumAttempts: 3 },
});

// Sandbox copies and comparisons take a while on a large invoice table; they heartbeat.
const drillActs = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
});

const iso = () => workflowNow().toISOString();
/** Where a person's Update came from, for the audit trail. */
const via = (a: Actor) => ({ tokenId: a.tokenId, ip: a.ip });

export async function emergencyPlan(input: EmergencyPlanInput): Promise<void> {
  const { plan, incidentId } = input;
  const run = new PlanRun(input);
  // Read-model writes are queued and written together before anything that blocks (recorder.ts);
  // every other activity first writes what is queued, so its effects follow the records they imply.
  const rec = new Recorder((calls) => records.recordBatch(calls));
  const afterRecords = <T extends object>(acts: T): T =>
    new Proxy(acts, {
      get: (target, name) => async (...args: unknown[]) => {
        await rec.flush();
        return (target as Record<string | symbol, (...a: unknown[]) => Promise<unknown>>)[name](...args);
      },
    });
  const people = afterRecords(peopleActs);
  const messaging = afterRecords(messagingActs);
  const robots = afterRecords(robotActs);
  const actions = afterRecords(actionActs);
  const drills = afterRecords(drillActs);
  const drill = input.mode !== 'live';
  const restarts: Promise<void>[] = []; // live drills: sandboxes stopped by a fault, coming back
  const sandbox = input.mode === 'live-drill' ? (input.drill?.sandbox ?? drillSandboxOf(incidentId)) : undefined;
  const scaled = (ms: number) => Math.max(1, Math.round(ms / Math.max(1, input.timeScale ?? 1)));
  const deadlineIn = (ms?: number) => (ms === undefined ? undefined : new Date(workflowNow().getTime() + scaled(ms)).toISOString());

  // --- messages in -----------------------------------------------------------------------------
  setHandler(getStatus, () => run.status());

  setHandler(
    acknowledgeTask,
    async (a) => {
      const task = run.task(a.taskId)!;
      const before = { state: task.state, acknowledgedBy: task.acknowledgedBy };
      run.finishTask(task.id, { state: 'acknowledged', acknowledgedBy: a.actor.person });
      try {
        await records.recordTaskAcknowledged({ taskId: task.id, incidentId, by: a.actor.person, simulated: a.actor.simulated ?? false, via: via(a.actor), at: iso() });
      } catch (err) {
        run.finishTask(task.id, before);
        throw notRecorded(`the acknowledgement of task "${task.id}"`, err);
      }
      return { ...run.task(task.id)! };
    },
    { validator: (a) => run.assertCanAcknowledge(a) },
  );

  // A completion is written to the read model before the Update returns: whoever completed a task
  // sees it done on their next read (read-your-writes), at the cost of one round trip.
  setHandler(
    completeTask,
    async (c) => {
      run.beginCompletion(c.taskId);
      const at = iso();
      const completion = {
        taskId: c.taskId,
        incidentId,
        by: c.actor.person,
        simulated: c.actor.simulated ?? false,
        outcome: c.outcome,
        note: c.note,
        checklist: c.checklist,
        evidence: c.evidence,
        via: via(c.actor),
        at,
        // Only when given, so a completion without facts records exactly what it did before.
        ...(c.facts ? { facts: c.facts } : {}),
      };
      const findings = c.findings?.length ? { incidentId, findings: c.findings, by: c.actor.person, at } : undefined;
      try {
        // One transaction: a refused finding leaves the task open, not done in the read model alone.
        if (patched('completion-with-findings')) {
          await records.recordTaskCompleted({ ...completion, findings: c.findings });
        } else {
          await records.recordTaskCompleted(completion);
          if (findings) await records.recordFindings(findings);
        }
      } catch (err) {
        run.cancelCompletion(c.taskId);
        throw notRecorded(`the completion of task "${c.taskId}"`, err);
      }
      // Later steps (an action's `{ fact: NAME }`, a message's placeholders) see what the owner entered.
      if (c.facts) Object.assign(input.facts, c.facts);
      return run.finishTask(c.taskId, { state: 'done', completedBy: c.actor.person, completedAt: at });
    },
    { validator: (c) => run.assertCanComplete(c) },
  );

  setHandler(
    decide,
    async (d) => {
      run.beginCompletion(d.taskId);
      const at = iso();
      try {
        await records.recordTaskCompleted({
          taskId: d.taskId,
          incidentId,
          by: d.actor.person,
          simulated: d.actor.simulated ?? false,
          decision: d.option,
          note: d.note,
          via: via(d.actor),
          at,
        });
      } catch (err) {
        run.cancelCompletion(d.taskId);
        throw notRecorded(`the decision on task "${d.taskId}"`, err);
      }
      const task = run.task(d.taskId)!;
      run.decisions[task.stepId] = d.option; // recorded before the decision counts as done
      return run.finishTask(d.taskId, { state: 'done', decision: d.option, completedBy: d.actor.person, completedAt: at });
    },
    { validator: (d) => run.assertCanDecide(d) },
  );

  setHandler(
    overrideLevel,
    async (o) => {
      // People first: if nobody can be reached at the new level, the override is refused whole.
      const responsibility = await people.resolveAssignments({ plan, level: o.level });
      const seq = ++run.classifications;
      const from = run.level;
      run.level = o.level;
      run.levelReason = `${o.reason} (overridden from ${from} by ${o.actor.person})`;
      run.responsibility = responsibility;
      run.changed();
      const at = iso();
      try {
        await records.recordIncidentClassified({ incidentId, seq, level: o.level, reason: run.levelReason, by: o.actor.person, via: via(o.actor), at });
        await records.recordAssignments({ incidentId, seq, level: o.level, roles: rolesSummary(), ...unresolvedRoles(), at });
      } catch (err) {
        throw notRecorded(`the level override to ${o.level}`, err);
      }
      return run.status();
    },
    { validator: (o) => run.assertCanOverride(o) },
  );

  setHandler(
    addNote,
    async (n) => {
      const seq = ++run.notes;
      try {
        await records.recordNote({ incidentId, seq, text: n.text, by: n.actor.person, simulated: n.actor.simulated ?? false, via: via(n.actor), at: iso() });
      } catch (err) {
        throw notRecorded('the note', err);
      }
    },
    { validator: (n) => run.assertCanNote(n) },
  );

  setHandler(
    closeIncident,
    async (c) => {
      run.closeRequest = c;
      run.changed();
      await condition(() => run.stage === 'closed');
      return run.status();
    },
    { validator: (c) => run.assertCanClose(c) },
  );

  // --- the plan --------------------------------------------------------------------------------
  const rolesSummary = () =>
    Object.fromEntries(Object.entries(run.responsibility?.roles ?? {}).map(([role, p]) => [role, { team: p.team, people: p.people.map((x) => x.id) }]));
  /** Roles that resolved to nobody, for the timeline: the commander answers for them. */
  const unresolvedRoles = () => (run.responsibility?.unresolved?.length ? { unresolved: run.responsibility.unresolved } : {});

  async function enterStage(stage: Stage): Promise<void> {
    run.stage = stage;
    run.changed();
    rec.later('recordStage', { incidentId, stage, at: iso() });
  }

  async function giveUp(reason: string): Promise<never> {
    rec.later('recordIncidentFailed', { incidentId, reason, at: iso() });
    await rec.flush();
    throw ApplicationFailure.nonRetryable(reason, 'PlanCannotContinue');
  }

  /** A person's address on a channel from the directory (SMS goes to a mobile listed under `sms` or `phone`). */
  const addressOn = (contacts: Record<string, string | undefined>, channel: string) => (channel === 'sms' ? (contacts.sms ?? contacts.phone) : contacts[channel]);
  /** The plan's own address for a role on a channel (`notify.channels.<channel>.to.<role>`). */
  const roleAddress = (channel: string, role: string) => {
    const to = (plan.notify?.channels?.[channel] as { to?: Record<string, unknown> } | undefined)?.to;
    return Boolean(to && to[role]);
  };

  /**
   * Sends one message on each channel; a delivery that keeps failing is recorded, not hidden. A
   * person a working person-channel could not reach (refused, failed, no address) is tried on their
   * next channel from the directory. `unreachable`: people with no address at all on the person
   * channels (their role has none in the plan either), for the notify step to say so loudly.
   */
  async function notify(reason: string, audience: string[], channels: string[], message: string, stepId?: string, taskId?: string): Promise<{ outcomes: string[]; unreachable: string[] }> {
    const recipients = audience.flatMap((role) => {
      const party = run.partyOf(role, stepId);
      return (party?.people ?? []).map((p) => ({ role, person: p.id, name: p.name, contacts: p.contacts as Record<string, string | undefined> }));
    });
    const outcomes: string[] = [];
    const reached = new Set<string>();
    const retry = new Set<string>(); // people a working channel did not reach
    const request = (channel: string, who: typeof recipients, id: string) => ({
      id,
      incidentId,
      stepId,
      ...(taskId ? { taskId } : {}),
      reason,
      channel,
      channelConfig: (plan.notify?.channels?.[channel] ?? {}) as Record<string, unknown>,
      audience,
      recipients: who.map((r) => ({ person: r.person, name: r.name, address: addressOn(r.contacts, channel) })),
      message,
      drill,
      at: iso(),
    });
    const heard = (channel: string, r: { status: string; reached?: string[]; unreached?: string[] }) => {
      outcomes.push(`${channel} ${r.status}`);
      for (const p of r.reached ?? []) reached.add(p);
      for (const p of r.unreached ?? []) retry.add(p);
    };
    // (Each send is awaited right here, as before the fallback patch: another async layer would reorder commands.)
    for (const channel of channels) {
      const req = request(channel, recipients, `${incidentId}:notify:${reason}:${channel}`);
      try {
        heard(channel, await (ROBOT_CHANNELS.includes(channel) ? robots : messaging).sendNotification(req));
      } catch (err) {
        const failed = await records.recordNotificationFailed(req, reasonOf(err));
        heard(channel, { status: 'failed', reached: failed?.reached, unreached: req.recipients.map((r) => r.person) });
      }
    }
    const personal = channels.filter((c) => PERSON_CHANNELS.includes(c));
    if (personal.length === 0 || !patched('recipient-fallback')) return { outcomes, unreachable: [] };
    const once = [...new Map(recipients.map((r) => [r.person, r])).values()];
    for (const channel of PERSON_CHANNELS.filter((c) => !channels.includes(c))) {
      const who = once.filter((r) => retry.has(r.person) && !reached.has(r.person) && addressOn(r.contacts, channel));
      if (who.length === 0) continue;
      const req = request(channel, who, `${incidentId}:notify:${reason}:fallback:${channel}`);
      try {
        heard(`${channel} (fallback)`, await messaging.sendNotification(req));
      } catch (err) {
        await records.recordNotificationFailed(req, reasonOf(err));
        outcomes.push(`${channel} (fallback) failed`);
      }
    }
    const contactless = once.filter((r) => PERSON_CHANNELS.every((c) => !addressOn(r.contacts, c)) && personal.every((c) => !roleAddress(c, r.role)));
    return { outcomes, unreachable: contactless.map((r) => `${r.name ?? r.person} (${r.role})`) };
  }

  // Stage notices, escalations and a drill's start notice go out beside the plan, not in its way: a
  // slow or dead channel holds no stage. The incident waits for them only before it closes.
  const notices: Promise<unknown>[] = [];
  // (Not async: before the patch it must hand back send()'s own promise, or commands would reorder.)
  function aside(send: () => Promise<unknown>): Promise<unknown> {
    if (!patched('notices-aside')) return send();
    // notify() records a failed delivery itself; a notice whose very record fails is dropped, never the plan.
    notices.push(send().catch(() => undefined));
    return Promise.resolve();
  }

  /** Stage notices go to the commander on the plan's channels and the deployment's webhook. */
  const stageChannels = () => [...new Set([...Object.keys(plan.notify?.channels ?? {}), 'webhook'])];
  async function announce(stage: string, text: string): Promise<void> {
    if (!(plan.notify?.onStages ?? []).includes(stage)) return;
    await notify(`stage:${stage}`, ['commander'], stageChannels(), text);
  }

  /** A task's owners hear of it on the plan's person channels (email, SMS), with a link to acknowledge it. */
  const taskChannels = () => Object.keys(plan.notify?.channels ?? {}).filter((c) => PERSON_CHANNELS.includes(c));
  function tellOwners(task: TaskView, ownerRole: string): void {
    const channels = taskChannels();
    if (channels.length === 0 || !patched('task-notices')) return;
    const due = task.deadlineAt ? `，请于 ${task.deadlineAt} 前完成 due ${task.deadlineAt}` : '';
    const text = `任务分派 Task for team ${task.team}: "${task.title}" (incident ${incidentId}, level ${run.level})${due}`;
    void aside(() => notify(`task:${task.stepId}`, [ownerRole], channels, text, task.stepId, task.id));
  }

  /** Walks the escalation chain while a task stays open past its deadline. */
  async function watchDeadline(task: TaskView, withinMs: number | undefined): Promise<void> {
    if (withinMs === undefined) return;
    await rec.flush();
    if (await condition(() => run.isFinished(task.id), scaled(withinMs))) return;
    const chain = (plan.escalation ?? [])
      .map((rule, index) => ({ rule, index, afterMs: rule.afterMs }))
      .filter((x): x is typeof x & { afterMs: number } => x.afterMs !== undefined)
      .sort((a, b) => a.afterMs - b.afterMs);
    let waited = 0;
    for (const { rule, index, afterMs } of chain) {
      const wait = scaled(afterMs) - waited;
      if (wait > 0) {
        await rec.flush();
        if (await condition(() => run.isFinished(task.id), wait)) return;
        waited += wait;
      }
      if (run.isFinished(task.id)) return;
      await escalate(task, rule, index);
    }
  }

  /** Walks the silence rules (`unacknowledged:`) while nobody acknowledges a task; an acknowledgement stops it. */
  async function watchSilence(task: TaskView): Promise<void> {
    const rules = (plan.escalation ?? []).map((rule, index) => ({ rule, index, ms: rule.unacknowledgedMs })).filter((x): x is typeof x & { ms: number } => x.ms !== undefined);
    const heard = () => !['open', 'failed'].includes(run.task(task.id)?.state ?? 'done');
    let waited = 0;
    for (const { rule, index, ms } of rules) {
      const wait = scaled(ms) - waited;
      if (wait > 0) {
        await rec.flush();
        if (await condition(heard, wait)) return;
        waited += wait;
      }
      if (heard()) return;
      await escalate(task, rule, index);
    }
  }

  async function escalate(task: TaskView, rule: EscalationRule, index: number): Promise<void> {
    const notified = [...new Set(rule.notify.flatMap((role) => run.peopleOf(role, task.stepId)))];
    run.escalations.push({ taskId: task.id, rule: index, at: iso(), notified });
    run.finishTask(task.id, { escalations: (run.task(task.id)?.escalations ?? 0) + 1 });
    const silence = rule.unacknowledged !== undefined;
    rec.later('recordEscalation', { taskId: task.id, incidentId, rule: index, after: rule.after ?? rule.unacknowledged, ...(silence ? { silence } : {}), notified, at: iso() });
    const text = silence
      ? `无人确认 Not acknowledged in ${rule.unacknowledged}: "${task.title}" (team ${task.team}), incident ${incidentId}, level ${run.level}`
      : `任务超时 Task overdue: "${task.title}" (team ${task.team}), incident ${incidentId}, level ${run.level}`;
    await aside(() => notify(`escalation:${task.stepId}:${index}`, rule.notify, rule.channels ?? stageChannels(), text, task.stepId));
  }

  const stepRecord = (step: Step, team?: string) => ({ incidentId, stepId: step.id, stepType: step.type, title: step.title ?? step.id, ownerRole: 'owner' in step ? step.owner : undefined, team });

  /** A task for people: opens it, watches its deadline, waits for its completion. */
  async function awaitTask(step: Step, kind: TaskView['kind'], ownerRole: string, extra: { options?: string[]; failure?: string; attached?: string[] } = {}): Promise<TaskView> {
    const deadlineAt = deadlineIn(step.withinMs);
    const { attached, ...shown } = extra;
    const task = run.openTask({ step: step as ManualStep, kind, ownerRole, deadlineAt, ...shown });
    rec.later('recordTaskOpened', {
      taskId: task.id,
      incidentId,
      stepId: step.id,
      kind,
      title: task.title,
      stepType: step.type,
      ownerRole,
      team: task.team,
      people: run.peopleOf(ownerRole, step.id),
      checklist: task.checklist,
      options: extra.options,
      state: extra.failure ? 'failed' : 'open',
      failure: extra.failure,
      ...(attached ? { attached } : {}),
      deadlineAt,
      at: iso(),
    });
    tellOwners(task, ownerRole);
    await rec.flush();
    const watching = watchDeadline(task, step.withinMs);
    const silence = watchSilence(task);
    await condition(() => run.isFinished(task.id));
    await watching;
    await silence;
    return run.task(task.id)!;
  }

  async function runStep(step: Step): Promise<void> {
    const team = 'owner' in step && step.owner ? run.teamOf(step.owner, step.id) : undefined;
    const deadlineAt = deadlineIn(step.withinMs);
    run.setStep(step.id, { state: 'running', startedAt: iso(), deadlineAt });
    rec.later('recordStep', { ...stepRecord(step, team), state: 'running', deadlineAt, at: iso() });
    let by = 'yingji';
    let outcome: string | undefined;
    switch (step.type) {
      case 'manual': {
        run.setStep(step.id, { state: 'waiting' });
        const task = await awaitTask(step, 'manual', step.owner);
        by = task.completedBy ?? by;
        outcome = 'completed';
        break;
      }
      case 'decision': {
        run.setStep(step.id, { state: 'waiting' });
        const task = await awaitTask(step, 'decision', step.owner, { options: (step as DecisionStep).options.map((o) => o.id) });
        by = task.completedBy ?? by;
        outcome = `chose ${task.decision}`;
        break;
      }
      case 'automated': {
        const auto = step as AutomatedStep;
        try {
          if (input.mode === 'tabletop') outcome = await simulateStep(auto);
          else if (auto.action === 'restoreByPriority') outcome = await restoreStep(auto);
          else {
            const result = await actions.runAction({ incidentId, stepId: step.id, action: auto.action, with: auto.with ?? {}, mode: input.mode, target: sandbox });
            outcome = result.outcome;
            if (result.followUps?.length && patched('action-follow-ups')) handOver(auto, result.followUps);
          }
        } catch (err) {
          const failure = reasonOf(err);
          run.setStep(step.id, { state: 'failed', outcome: failure });
          rec.later('recordStep', { ...stepRecord(step, team), state: 'failed', outcome: failure, at: iso() });
          const task = await awaitTask(step, 'automated', auto.owner, { failure });
          by = task.completedBy ?? by;
          outcome = 'completed by hand';
        }
        break;
      }
      case 'notify': {
        const n = step as NotifyStep;
        const rto = plan.objectives?.rto;
        const values = {
          level: run.level,
          levelName: run.level ? `${LEVEL_NAMES[run.level].zh} ${LEVEL_NAMES[run.level].en}` : undefined,
          rto: typeof rto === 'string' ? rto : run.level ? rto?.[run.level] : undefined,
          rpo: plan.objectives?.rpo,
          incident: incidentId,
          plan: plan.id,
          title: plan.title,
        };
        const sent = await notify(`step:${step.id}`, n.to, n.channels, renderMessage(n.message, { values, facts: input.facts }), step.id);
        outcome = `sent: ${sent.outcomes.join(', ')}`;
        if (sent.unreachable.length && patched('notify-unreachable')) {
          // Nobody may be silently left out: the commander is asked to tell them another way.
          const failure = `无法送达 No way to reach ${sent.unreachable.join(', ')}: no ${PERSON_CHANNELS.join(' or ')} address in the team directory, nor for their role in notify.channels (${outcome})`;
          run.setStep(step.id, { state: 'failed', outcome: failure });
          rec.later('recordStep', { ...stepRecord(step, team), state: 'failed', outcome: failure, at: iso() });
          const task = await awaitTask({ ...n, title: `通知 ${n.to.join(', ')} by hand: ${n.title ?? n.id}` } as Step, 'automated', 'commander', { failure });
          by = task.completedBy ?? by;
          outcome = `${outcome}; the rest told by hand`;
        }
        break;
      }
    }
    run.setStep(step.id, { state: 'done', finishedAt: iso(), finishedBy: by, outcome });
    rec.later('recordStep', { ...stepRecord(step, team), state: 'done', by, outcome, at: iso() });
  }

  /**
   * Work an automated step found for people (e.g. one task per truly missing invoice, for finance):
   * each becomes a task beside the plan, with what was found attached; the act stage waits for them.
   */
  function handOver(step: AutomatedStep, followUps: FollowUpTask[]): void {
    for (const f of followUps) {
      // A role the plan does not have goes to the step's own owner rather than stopping the plan.
      const role = plan.roles[f.role] ? f.role : step.owner;
      const task: ManualStep = { id: `${step.id}.${f.key}`, type: 'manual', title: f.title, owner: role, checklist: f.checklist, withinMs: f.withinMs } as ManualStep;
      const done = awaitTask(task, 'manual', role, { attached: f.evidence }).then(() => undefined);
      done.catch(() => undefined); // watched by act(), which fails the plan like any step failure
      handedOver.push(done);
    }
  }

  /** Tabletop drills touch no data: an automated step takes its planned time and says so. */
  async function simulateStep(step: AutomatedStep): Promise<string> {
    await rec.flush();
    if (step.withinMs) await sleep(scaled(step.withinMs));
    return `模拟 simulated (tabletop): ${step.action} assumed to take its planned ${step.within ?? 'no time'}`;
  }

  /** Restore by priority as a child workflow, into the configured invoice database (a live drill's sandbox). */
  async function restoreStep(step: AutomatedStep): Promise<string> {
    const w = step.with ?? {};
    let pointInTime: string | undefined;
    if (typeof w.pointInTime === 'string') pointInTime = w.pointInTime;
    else if (w.pointInTime && typeof w.pointInTime === 'object' && 'fact' in w.pointInTime) {
      const fact = String((w.pointInTime as { fact: unknown }).fact);
      const value = input.facts[fact];
      if (typeof value !== 'string') throw ApplicationFailure.nonRetryable(`pointInTime needs the fact "${fact}", which the incident does not have yet`, 'MissingFact');
      pointInTime = value;
    }
    await rec.flush();
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
          startedBy: `${input.launchedBy} (incident ${incidentId}, step ${step.id})`,
        },
      ],
    });
    const rows = result.classes.reduce((n, c) => n + c.rows, 0);
    const first = result.classes[0];
    return `restored ${rows} invoices from ${result.chain.join(' -> ')}${first ? `; ${first.cls} available at ${first.availableAt}` : ''}`;
  }

  const handedOver: Promise<void>[] = []; // follow-up tasks from automated steps (handOver)
  async function act(): Promise<void> {
    const running: Promise<void>[] = [];
    let stepFailure: unknown;
    const byId = new Map(plan.steps.map((s) => [s.id, s]));
    for (;;) {
      const next = readySteps(plan, run.level!, run.graphStates(), run.decisions);
      for (const id of next.skip) {
        const step = byId.get(id)!;
        run.setStep(id, { state: 'skipped', finishedAt: iso() });
        rec.later('recordStep', { ...stepRecord(step), state: 'skipped', outcome: 'not on the chosen branch or not at this level', at: iso() });
      }
      for (const id of next.start) {
        const step = runStep(byId.get(id)!);
        // A step that throws (an activity out of retries) stops the plan; unwatched, it would hang it.
        step.catch((err) => {
          stepFailure ??= err;
          run.changed();
        });
        running.push(step);
      }
      if (stepFailure) throw stepFailure;
      if (next.finished) break;
      if (next.stuck) await giveUp(`no step can start and the plan is not finished (open: ${run.openSteps().map((s) => s.id).join(', ')})`);
      if (next.skip.length === 0 && next.start.length === 0) {
        const seen = run.version;
        await rec.flush();
        await condition(() => run.version !== seen);
      }
    }
    await Promise.all(running);
    await Promise.all(handedOver);
  }

  async function review(): Promise<void> {
    const owner = plan.review?.owner ?? 'commander';
    const step = { id: REVIEW_STEP, title: `复盘 Post-incident review of ${plan.title}`, withinMs: plan.review?.withinMs };
    const deadlineAt = deadlineIn(step.withinMs);
    const task = run.openTask({ step, kind: 'review', ownerRole: owner, deadlineAt });
    rec.later('recordTaskOpened', {
      taskId: task.id,
      incidentId,
      stepId: REVIEW_STEP,
      kind: 'review',
      title: task.title,
      stepType: 'review',
      ownerRole: owner,
      team: task.team,
      people: run.peopleOf(owner),
      checklist: [],
      deadlineAt,
      at: iso(),
    });
    await rec.flush();
    const watching = watchDeadline(task, step.withinMs);
    await condition(() => run.isFinished(task.id) || run.closeRequest !== undefined);
    if (!run.isFinished(task.id)) {
      const by = run.closeRequest!.actor.person;
      run.finishTask(task.id, { state: 'skipped', completedBy: by });
      rec.later('recordTaskCompleted', {
        taskId: task.id,
        incidentId,
        by,
        simulated: run.closeRequest!.actor.simulated ?? false,
        state: 'skipped',
        note: `closed before the review: ${run.closeRequest!.reason ?? 'no reason given'}`,
        at: iso(),
      });
    }
    await watching;
    await rec.flush();
  }

  // classify
  rec.later('recordIncidentOpened', {
    incidentId,
    planId: plan.id,
    planVersion: plan.version,
    title: plan.title,
    mode: input.mode,
    facts: input.facts,
    launchedBy: input.launchedBy,
    timeScale: input.timeScale,
    at: iso(),
  });
  if (!drill) return saysWhyIfStopped(respond);
  let completed = false;
  try {
    await saysWhyIfStopped(async () => {
      await startDrill();
      await respond();
    });
    completed = true;
  } finally {
    await finishDrill(completed);
  }

  /** An activity whose retries ran out stops the plan: the incident says so, with the reason, before the workflow fails. */
  async function saysWhyIfStopped(plan: () => Promise<void>): Promise<void> {
    try {
      await plan();
    } catch (err) {
      if (!(err instanceof ApplicationFailure && err.type === 'PlanCannotContinue')) {
        await records.recordIncidentFailed({ incidentId, reason: `it stopped: ${reasonOf(err)}`, at: iso() }).catch(() => undefined);
      }
      throw err;
    }
  }

  /** The plan itself: classify, assign, act, notify, review, close. */
  async function respond(): Promise<void> {
    if (input.level && drill) {
      run.level = input.level;
      run.levelReason = `演练指定 set for this drill by ${input.launchedBy}`;
    } else {
      let classification;
      try {
        classification = classifyIncident(plan, input.facts);
      } catch (err) {
        return giveUp(`classification failed: ${(err as Error).message}`);
      }
      run.level = classification.level;
      run.levelReason = classification.reason;
    }
    rec.later('recordIncidentClassified', { incidentId, seq: 0, level: run.level, reason: run.levelReason!, by: 'yingji', at: iso() });
    await aside(() => announce('classified', `事件定级 Incident ${incidentId} classified as level ${run.level}: ${plan.title}`));

    // assign
    await enterStage('assign');
    try {
      run.responsibility = await people.resolveAssignments({ plan, level: run.level });
    } catch (err) {
      return giveUp(reasonOf(err));
    }
    rec.later('recordAssignments', { incidentId, seq: 0, level: run.level, roles: rolesSummary(), ...unresolvedRoles(), at: iso() });
    if (drill) await announceDrill();

    // act
    await enterStage('act');
    await act();
    if (drill) await assessDrill(false);

    // notify
    await enterStage('notify');
    await aside(() => announce('restored', `处置完成 Incident ${incidentId}: every step of ${plan.title} is done`));

    // review
    await enterStage('review');
    await review();

    // closed
    const closer = run.closeRequest;
    rec.later('recordIncidentClosed', { incidentId, by: closer?.actor.person ?? 'yingji', reason: closer?.reason ?? (closer ? undefined : 'review completed'), via: closer && via(closer.actor), at: iso() });
    await aside(() => announce('closed', `事件关闭 Incident ${incidentId} closed`));
    await Promise.all(notices);
    await rec.flush();
    if (drill) await assessDrill(true);
    run.stage = 'closed';
    run.changed();
    await condition(allHandlersFinished);
  }

  // --- drills (drills-and-scoring.md) ------------------------------------------------------------

  /** Opens the drill; a live drill gets its sandbox (a copy of the invoices) and its faults, for real. */
  async function startDrill(): Promise<void> {
    const mode = input.mode as 'tabletop' | 'live-drill';
    await drills.openDrill({
      drillId: incidentId,
      planId: plan.id,
      planVersion: plan.version,
      mode,
      unannounced: input.drill?.unannounced ?? false,
      sandbox,
      keepSandbox: input.drill?.keepSandbox ?? false,
      by: input.launchedBy,
      at: iso(),
    });
    if (!sandbox) return;
    try {
      await drills.prepareDrillSandbox({ drillId: incidentId, sandbox });
    } catch (err) {
      return giveUp(`演练沙箱 the drill's sandbox could not be prepared: ${reasonOf(err)}`);
    }
    for (const [index, fault] of (plan.drill?.faults ?? []).entries()) {
      try {
        await drills.injectDrillFault({ drillId: incidentId, sandbox, index, fault: fault as { kind: string } });
      } catch (err) {
        return giveUp(`drill.faults[${index}] (${fault.kind}) could not be injected: ${reasonOf(err)}`);
      }
      // A stopped database comes back after the fault's duration (10 minutes unless the plan says).
      if (fault.kind === 'stop-database') {
        const ms = typeof fault.durationMs === 'number' ? fault.durationMs : 600_000;
        restarts.push(sleep(scaled(ms)).then(() => drills.restartDrillSandbox({ drillId: incidentId, sandbox })));
      }
    }
  }

  /** Tells people a drill is on: everyone in an announced drill, only commander and management in an unannounced one. */
  async function announceDrill(): Promise<void> {
    const unannounced = input.drill?.unannounced ?? false;
    const audience = unannounced ? ['commander', 'management'] : [...new Set([...Object.keys(plan.roles), 'commander', 'management'])];
    const kind = input.mode === 'tabletop' ? '桌面演练 tabletop' : '实战演练 live';
    await aside(() =>
      notify('drill:start', audience, stageChannels(), `演练开始 ${kind} drill of "${plan.title}" (${incidentId})${unannounced ? '，突击演练，请勿告知处置人员 unannounced: do not tell responders' : ''}`),
    );
  }

  /** Measures what happened (and, live, what was lost) and scores it; again when the drill ends. */
  async function assessDrill(final: boolean): Promise<void> {
    await Promise.all(restarts);
    if (sandbox && !final) await drills.measureDrillLoss({ drillId: incidentId, sandbox });
    await drills.assessDrill({ drillId: incidentId, final });
  }

  async function finishDrill(completed: boolean): Promise<void> {
    await Promise.all(restarts);
    await drills.finishDrill({ drillId: incidentId, sandbox, keepSandbox: input.drill?.keepSandbox ?? false, failed: !completed });
  }
}
