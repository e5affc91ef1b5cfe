import { BadRequestException, ConflictException, HttpException, Inject, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { ApplicationFailure, Client, WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { EmergencyPlanInput, launched, UpdateErrors } from '../../../../workflows/definitions';
import { emergencyPlan } from '../../../../workflows/emergency-plan.workflow';
import type { Caller } from '../auth/caller';
import { AuditTrail } from '../auth/audit-trail';
import { UpdateOutcome, updateDuration } from '../health/process-metrics';
import { TEMPORAL_CLIENT } from './tokens';

/**
 * Delivers an Update to an incident's workflow and turns a refusal into the HTTP error the caller
 * should see, with the workflow's own reason. Refusals for lack of rights are audited. Each Update is
 * timed into `yingji_update_duration_seconds{update,outcome}`.
 */
@Injectable()
export class WorkflowGateway {
  constructor(
    @Inject(TEMPORAL_CLIENT) readonly client: Client,
    private readonly audit: AuditTrail,
  ) {}

  async update<Ret, Args extends [unknown, ...unknown[]]>(
    incidentId: string,
    def: UpdateDefinition<Ret, Args>,
    args: Args,
    audit: { caller: Caller; action: string; subject: { type: string; id: string } },
  ): Promise<Ret> {
    const timed = updateDuration.startTimer({ update: def.name });
    try {
      const answer = await this.client.workflow.getHandle(incidentId).executeUpdate(def, { args });
      timed({ outcome: 'ok' });
      return answer;
    } catch (err) {
      timed({ outcome: outcomeOf(err) });
      throw await this.toHttpError(err, audit);
    }
  }

  /**
   * Starts an incident's workflow and waits, in the same call (Update-with-Start), until the
   * workflow has recorded it: true then; false if that took longer than `waitMs` (the database is
   * slow or down), when the incident runs all the same and shows once its records are written.
   */
  async launch(input: EmergencyPlanInput, taskQueue: string, waitMs = 10_000): Promise<boolean> {
    const start = new WithStartWorkflowOperation(emergencyPlan, { workflowId: input.incidentId, taskQueue, args: [input], workflowIdConflictPolicy: 'FAIL' });
    const timed = updateDuration.startTimer({ update: launched.name });
    const answer = this.client.workflow.executeUpdateWithStart(launched, { startWorkflowOperation: start });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)));
    try {
      const recorded = await Promise.race([answer.then(() => true as const), late]);
      timed({ outcome: recorded ? 'ok' : 'timeout' });
      if (!recorded) await start.workflowHandle(); // started all the same; a start refused throws here
      return recorded;
    } finally {
      clearTimeout(timer);
      answer.catch(() => undefined); // answered late or never: the incident's own records say how it went
    }
  }

  async query<T>(incidentId: string, name: string): Promise<T> {
    try {
      return await this.client.workflow.getHandle(incidentId).query<T>(name);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundException(`incident "${incidentId}" has no workflow`);
      throw err;
    }
  }

  private async toHttpError(err: unknown, audit: { caller: Caller; action: string; subject: { type: string; id: string } }): Promise<unknown> {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      const reason = err.cause.message;
      switch (err.cause.type) {
        case UpdateErrors.unknownTask:
          return new NotFoundException(reason);
        case UpdateErrors.taskAlreadyCompleted:
        case UpdateErrors.conflict:
          return new ConflictException(reason);
        case UpdateErrors.invalidInput:
          return new BadRequestException(reason);
        case UpdateErrors.forbidden:
          return this.audit.forbid(audit.caller, audit.action, audit.subject, reason);
        default:
          return new HttpException(reason, 422);
      }
    }
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      // The Update may still be applied once a worker takes it: say so rather than "failed".
      return new ServiceUnavailableException(
        `${audit.subject.type} "${audit.subject.id}": the incident's workflow did not answer in time (workers busy or down); it may still apply this, so check before trying again`,
      );
    }
    if (isNotRunning(err)) {
      return new ConflictException(`${audit.subject.type} "${audit.subject.id}": its incident is no longer running`);
    }
    return err;
  }
}

function isNotRunning(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || /workflow execution already completed/i.test(String((err as Error)?.message));
}

/** The histogram's `outcome` label: the same cases toHttpError tells apart. */
export function outcomeOf(err: unknown): UpdateOutcome {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return 'refused';
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return 'timeout';
  if (isNotRunning(err)) return 'not_running';
  return 'error';
}
