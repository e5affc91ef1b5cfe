// The state behind the emergencyPlan workflow's handlers: what every task is doing, and the
// checks an Update must pass before anything is recorded.
import { ApplicationFailure } from '@temporalio/workflow';
import type { Level, ManualStep } from '../domain/plan/plan.types';
import { EmergencyPlanInput, IncidentStatus, Stage, TaskCompletion, TaskView, UpdateErrors } from './definitions';

export class PlanRun {
  stage: Stage = 'classify';
  level?: Level;
  levelReason?: string;
  private readonly tasks = new Map<string, TaskView>();

  constructor(private readonly input: EmergencyPlanInput) {}

  taskIdFor(stepId: string): string {
    return `${this.input.incidentId}.${stepId}`;
  }

  teamOf(role: string): string {
    const def = this.input.plan.roles[role];
    if (!def) throw ApplicationFailure.nonRetryable(`role "${role}" is not defined in plan ${this.input.plan.id}`, 'PlanError');
    return def.team;
  }

  openTask(step: ManualStep, deadlineAt?: string): TaskView {
    const task: TaskView = {
      id: this.taskIdFor(step.id),
      stepId: step.id,
      title: step.title ?? step.id,
      ownerRole: step.owner,
      team: this.teamOf(step.owner),
      state: 'open',
      deadlineAt,
    };
    this.tasks.set(task.id, task);
    return task;
  }

  isDone(taskId: string): boolean {
    return this.tasks.get(taskId)?.state === 'done';
  }

  /** Update validator: throws before anything is recorded, so the caller gets the reason. */
  assertCanComplete(c: TaskCompletion): void {
    if (!c || typeof c.taskId !== 'string' || typeof c.by !== 'string' || !c.by) {
      throw ApplicationFailure.create({ type: UpdateErrors.invalidInput, message: 'a completion needs taskId and by' });
    }
    const task = this.tasks.get(c.taskId);
    if (!task) {
      throw ApplicationFailure.create({
        type: UpdateErrors.unknownTask,
        message: `task "${c.taskId}" is not an open task of incident ${this.input.incidentId}`,
      });
    }
    if (task.state !== 'open') {
      throw ApplicationFailure.create({
        type: UpdateErrors.taskAlreadyCompleted,
        message: `task "${c.taskId}" was already completed${task.completedBy ? ` by ${task.completedBy}` : ''}`,
      });
    }
  }

  /** Marks the task before the (awaited) record is written, so a concurrent second completion is refused. */
  beginCompletion(c: TaskCompletion): TaskView {
    const task = this.tasks.get(c.taskId)!;
    task.state = 'completing';
    task.completedBy = c.by;
    return task;
  }

  finishCompletion(taskId: string, at: string): TaskView {
    const task = this.tasks.get(taskId)!;
    task.state = 'done';
    task.completedAt = at;
    return { ...task };
  }

  status(): IncidentStatus {
    return {
      incidentId: this.input.incidentId,
      planId: this.input.plan.id,
      planVersion: this.input.plan.version,
      stage: this.stage,
      level: this.level,
      levelReason: this.levelReason,
      tasks: [...this.tasks.values()].map((t) => ({ ...t })),
    };
  }
}
