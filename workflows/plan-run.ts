// The state behind the emergencyPlan workflow: every step and task, the level, the people, and
// the checks each Update must pass before anything is recorded (so the caller gets the reason).
import { ApplicationFailure } from '@temporalio/workflow';
import type { StepState } from '../domain/plan/graph';
import type { Level, Step } from '../domain/plan/plan.types';
import { LEVELS } from '../domain/plan/plan.types';
import type { Party, Responsibility } from '../domain/responsibility/resolve-responsibility';
import { valueProblem } from '../domain/text/storable';
import {
  AcknowledgeTask,
  Actor,
  CloseRequest,
  Decision,
  EmergencyPlanInput,
  EscalationView,
  IncidentStatus,
  LevelOverrideRequest,
  NoteRequest,
  Stage,
  StepView,
  TaskCompletion,
  TaskKind,
  TaskView,
  UpdateErrors,
} from './definitions';

const fail = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

export const REVIEW_STEP = 'post-incident-review';

export class PlanRun {
  stage: Stage = 'classify';
  level?: Level;
  levelReason?: string;
  classifications = 0;
  notes = 0;
  responsibility?: Responsibility;
  decisions: Record<string, string> = {};
  escalations: EscalationView[] = [];
  closeRequest?: CloseRequest;
  /** Bumped when a step moves (or a step's work settles): what the act stage waits for. */
  progress = 0;
  private readonly steps = new Map<string, StepView>();
  private readonly tasks = new Map<string, TaskView>();

  constructor(private readonly input: EmergencyPlanInput) {
    for (const s of input.plan.steps) this.steps.set(s.id, { id: s.id, type: s.type, title: s.title ?? s.id, state: 'pending' });
  }

  progressed(): void {
    this.progress++;
  }

  // --- steps ---------------------------------------------------------------------------------

  step(id: string): StepView {
    return this.steps.get(id)!;
  }

  setStep(id: string, patch: Partial<StepView>): StepView {
    Object.assign(this.steps.get(id)!, patch);
    this.progressed();
    return this.step(id);
  }

  /** Step states as the plan graph sees them (a failed or waiting step is still running). */
  graphStates(): Record<string, StepState> {
    const out: Record<string, StepState> = {};
    for (const [id, s] of this.steps) out[id] = s.state === 'done' || s.state === 'skipped' || s.state === 'pending' ? s.state : 'running';
    return out;
  }

  openSteps(): StepView[] {
    return [...this.steps.values()].filter((s) => s.state !== 'done' && s.state !== 'skipped');
  }

  // --- tasks ---------------------------------------------------------------------------------

  taskIdFor(stepId: string): string {
    return `${this.input.incidentId}.${stepId}`;
  }

  /** Who answers for a role (at a step, for `owner-lead`); a role that resolved to nobody is answered by the commander. */
  partyOf(role: string, stepId?: string): Party | undefined {
    const party = role === 'owner-lead' ? this.responsibility?.steps[stepId ?? '']?.ownerLead : this.responsibility?.roles[role];
    return party ?? (this.unresolved(role, stepId) ? this.responsibility?.roles.commander : undefined);
  }

  /** Why a role resolved to nobody at assignment (Responsibility.unresolved), if it did. */
  unresolved(role: string, stepId?: string): string | undefined {
    return this.responsibility?.unresolved?.find((p) => p.role === role && (role !== 'owner-lead' || p.step === stepId))?.message;
  }

  teamOf(role: string, stepId?: string): string {
    const team = this.partyOf(role, stepId)?.team ?? this.input.plan.roles[role]?.team;
    if (!team) throw fail('PlanError', `role "${role}" has no team in plan ${this.input.plan.id}`);
    return team;
  }

  peopleOf(role: string, stepId?: string): string[] {
    return this.partyOf(role, stepId)?.people.map((p) => p.id) ?? [];
  }

  openTask(t: { step: Pick<Step, 'id' | 'title'> & { checklist?: string[] }; kind: TaskKind; ownerRole: string; deadlineAt?: string; options?: string[]; failure?: string }): TaskView {
    const task: TaskView = {
      id: this.taskIdFor(t.step.id),
      stepId: t.step.id,
      kind: t.kind,
      title: t.step.title ?? t.step.id,
      ownerRole: t.ownerRole,
      team: this.teamOf(t.ownerRole, t.step.id),
      state: t.failure ? 'failed' : 'open',
      deadlineAt: t.deadlineAt,
      options: t.options,
      failure: t.failure,
      checklist: t.step.checklist ?? [],
      escalations: 0,
    };
    this.tasks.set(task.id, task);
    return task;
  }

  task(id: string): TaskView | undefined {
    return this.tasks.get(id);
  }

  isFinished(taskId: string): boolean {
    const s = this.tasks.get(taskId)?.state;
    return s === 'done' || s === 'skipped';
  }

  finishTask(taskId: string, patch: Partial<TaskView>): TaskView {
    const task = this.tasks.get(taskId)!;
    Object.assign(task, patch);
    return { ...task };
  }

  // --- validators: throw before anything is recorded -------------------------------------------

  /**
   * What PostgreSQL cannot store (a NUL byte) is refused here, before anything changes: the record
   * goes out with the step it moves, so a refused record could not be taken back.
   */
  private requireStorable(message: unknown, name: string): void {
    const why = valueProblem(message, name);
    if (why) throw fail(UpdateErrors.invalidInput, why);
  }

  private requireActor(actor: Actor | undefined): Actor {
    if (!actor || typeof actor.person !== 'string' || !actor.person || !Array.isArray(actor.teams) || !Array.isArray(actor.roles)) {
      throw fail(UpdateErrors.invalidInput, 'the request names no actor (person, teams, roles)');
    }
    return actor;
  }

  private requireCommander(actor: Actor, what: string): void {
    if (!actor.roles.includes('commander')) throw fail(UpdateErrors.forbidden, `only a commander may ${what}; ${actor.person} is ${actor.roles.join(', ') || 'no role'}`);
  }

  /** A task is for its team; a commander also answers for commander-owned tasks and failed automated steps. */
  private requireTaskAccess(task: TaskView, actor: Actor): void {
    if (actor.teams.includes(task.team)) {
      if (task.ownerRole === 'commander' && !actor.roles.includes('commander')) {
        throw fail(UpdateErrors.forbidden, `task "${task.id}" is the commander's; ${actor.person} is not a commander`);
      }
      return;
    }
    const commanderTask = task.ownerRole === 'commander' || task.kind === 'automated';
    if (commanderTask && actor.roles.includes('commander')) return;
    throw fail(
      UpdateErrors.forbidden,
      `task "${task.id}" belongs to team ${task.team}; ${actor.person} is in ${actor.teams.length ? `team ${actor.teams.join(', ')}` : 'no team'}`,
    );
  }

  private openTaskFor(taskId: unknown): TaskView {
    if (typeof taskId !== 'string') throw fail(UpdateErrors.invalidInput, 'taskId is required');
    const task = this.tasks.get(taskId);
    if (!task) throw fail(UpdateErrors.unknownTask, `task "${taskId}" is not a task of incident ${this.input.incidentId}`);
    if (task.state === 'done' || task.state === 'skipped') {
      throw fail(UpdateErrors.taskAlreadyCompleted, `task "${taskId}" was already ${task.state === 'skipped' ? 'skipped' : `completed${task.completedBy ? ` by ${task.completedBy}` : ''}`}`);
    }
    return task;
  }

  assertCanAcknowledge(a: AcknowledgeTask): void {
    this.requireStorable(a, 'acknowledgement');
    const actor = this.requireActor(a?.actor);
    const task = this.openTaskFor(a.taskId);
    if (task.state === 'acknowledged') throw fail(UpdateErrors.conflict, `task "${task.id}" was already acknowledged by ${task.acknowledgedBy}`);
    if (task.state === 'failed') throw fail(UpdateErrors.conflict, `task "${task.id}" is a failed automated step: complete it by hand with a reason`);
    this.requireTaskAccess(task, actor);
  }

  assertCanComplete(c: TaskCompletion): void {
    this.requireStorable(c, 'completion');
    const actor = this.requireActor(c?.actor);
    const task = this.openTaskFor(c.taskId);
    this.requireTaskAccess(task, actor);
    if (task.kind === 'decision') {
      throw fail(UpdateErrors.invalidInput, `task "${task.id}" is a decision: decide it with one of ${(task.options ?? []).join(', ')}`);
    }
    if (task.state === 'failed' && !(c.note && c.note.trim())) {
      throw fail(UpdateErrors.invalidInput, `task "${task.id}" failed (${task.failure}); completing it by hand needs a note with the reason`);
    }
    const unknown = (c.checklist ?? []).filter((item) => !task.checklist.includes(item));
    if (unknown.length) {
      throw fail(UpdateErrors.invalidInput, `checklist item(s) ${unknown.map((i) => `"${i}"`).join(', ')} are not on task "${task.id}" (its checklist: ${task.checklist.join(' | ') || 'none'})`);
    }
    this.assertProvides(task, c.facts);
    if (c.findings?.length && task.kind !== 'review') throw fail(UpdateErrors.invalidInput, `findings belong to the review task, not "${task.id}"`);
    for (const [i, f] of (c.findings ?? []).entries()) {
      if (!f || !f.text?.trim() || !f.owner?.trim() || !/^\d{4}-\d{2}-\d{2}$/.test(f.due ?? '')) {
        throw fail(UpdateErrors.invalidInput, `findings[${i}] needs text, owner and due (YYYY-MM-DD)`);
      }
      const due = new Date(`${f.due}T00:00:00Z`);
      if (Number.isNaN(due.getTime()) || due.toISOString().slice(0, 10) !== f.due) {
        throw fail(UpdateErrors.invalidInput, `findings[${i}].due must be a date that exists (YYYY-MM-DD); ${f.due} does not`);
      }
      if (f.stepId !== undefined && !this.input.plan.steps.some((s) => s.id === f.stepId)) {
        throw fail(UpdateErrors.invalidInput, `findings[${i}].stepId: plan ${this.input.plan.id} has no step "${f.stepId}"`);
      }
    }
  }

  /** Facts on a completion must be ones the task's step `provides`, each a text, number, yes/no or list of texts. */
  private assertProvides(task: TaskView, facts: TaskCompletion['facts']): void {
    if (facts === undefined) return;
    if (!facts || typeof facts !== 'object' || Array.isArray(facts)) throw fail(UpdateErrors.invalidInput, 'facts must be an object of fact names and values');
    const step = this.input.plan.steps.find((s) => s.id === task.stepId);
    const provides = step && step.type === 'manual' ? (step.provides ?? []) : [];
    for (const [name, value] of Object.entries(facts)) {
      if (!provides.includes(name)) {
        throw fail(UpdateErrors.invalidInput, `fact "${name}" is not one task "${task.id}" provides (${provides.length ? `it provides ${provides.join(', ')}` : 'it provides no facts'})`);
      }
      const ok = ['string', 'number', 'boolean'].includes(typeof value) || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
      if (!ok) throw fail(UpdateErrors.invalidInput, `facts.${name} must be a text, a number, true/false or a list of texts`);
    }
  }

  assertCanDecide(d: Decision): void {
    this.requireStorable(d, 'decision');
    const actor = this.requireActor(d?.actor);
    const task = this.openTaskFor(d.taskId);
    if (task.kind !== 'decision') throw fail(UpdateErrors.invalidInput, `task "${task.id}" is not a decision`);
    this.requireTaskAccess(task, actor);
    if (!task.options?.includes(d.option)) {
      throw fail(UpdateErrors.invalidInput, `option "${d.option}" is not offered by decision "${task.stepId}" (options: ${(task.options ?? []).join(', ')})`);
    }
  }

  assertCanOverride(o: LevelOverrideRequest): void {
    this.requireStorable(o, 'override');
    const actor = this.requireActor(o?.actor);
    this.requireCommander(actor, 'override the level');
    if (!LEVELS.includes(o.level)) throw fail(UpdateErrors.invalidInput, `level "${o.level}" is not one of ${LEVELS.join(', ')}`);
    if (!o.reason || !o.reason.trim()) throw fail(UpdateErrors.invalidInput, 'overriding the level needs a reason');
    if (this.stage === 'closed') throw fail(UpdateErrors.conflict, 'the incident is closed');
    if (this.stage === 'classify') throw fail(UpdateErrors.conflict, 'the incident is still being classified; try again in a moment');
  }

  assertCanNote(n: NoteRequest): void {
    this.requireStorable(n, 'note');
    this.requireActor(n?.actor);
    if (!n.text || !n.text.trim()) throw fail(UpdateErrors.invalidInput, 'a note needs text');
    if (this.stage === 'closed') throw fail(UpdateErrors.conflict, 'the incident is closed');
  }

  assertCanClose(c: CloseRequest): void {
    this.requireStorable(c, 'close');
    const actor = this.requireActor(c?.actor);
    this.requireCommander(actor, 'close the incident');
    if (this.stage === 'closed' || this.closeRequest) throw fail(UpdateErrors.conflict, 'the incident is already closed or closing');
    const open = this.openSteps();
    if (open.length || this.stage === 'classify' || this.stage === 'assign' || this.stage === 'act') {
      throw fail(
        UpdateErrors.conflict,
        `cannot close: required steps are still open: ${open.map((s) => `${s.id} (${s.state})`).join(', ') || 'the plan is still starting'}`,
      );
    }
  }

  status(): IncidentStatus {
    return {
      incidentId: this.input.incidentId,
      planId: this.input.plan.id,
      planVersion: this.input.plan.version,
      mode: this.input.mode,
      stage: this.stage,
      level: this.level,
      levelReason: this.levelReason,
      steps: [...this.steps.values()].map((s) => ({ ...s })),
      tasks: [...this.tasks.values()].map((t) => ({ ...t })),
      escalations: this.escalations.map((e) => ({ ...e })),
    };
  }
}
