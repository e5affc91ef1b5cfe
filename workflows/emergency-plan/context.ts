// One incident's run: its plan, its state, its queued records and the activities it calls, shared
// by the stages, the steps and the message handlers.
import { ApplicationFailure, condition } from '@temporalio/workflow';
import { drillSandboxOf } from '../../domain/drill/sandbox-name';
import type { Plan } from '../../domain/plan/plan.types';
import { workflowNow } from '../clock';
import type { Actor, EmergencyPlanInput, Stage } from '../definitions';
import { PlanRun } from '../plan-run';
import { Recorder } from '../recorder';
import { afterRecords, records } from './activities';

export class PlanContext {
  readonly plan: Plan;
  readonly incidentId: string;
  readonly run: PlanRun;
  readonly rec = new Recorder((calls) => records.recordBatch(calls));
  readonly acts = afterRecords(this.rec);
  /** Tabletop and live drills: nothing of production is touched. */
  readonly drill: boolean;
  /** Live drills: the sandbox database every automated step works on. */
  readonly sandbox?: string;
  /** Stage notices, escalations and task notices going out beside the plan (notify.ts aside). */
  readonly notices: Promise<unknown>[] = [];
  /** Follow-up tasks automated steps handed to people (automated.ts): the act stage waits for them. */
  readonly followUps: Promise<void>[] = [];
  /** Live drills: sandboxes stopped by a fault, coming back. */
  readonly restarts: Promise<void>[] = [];
  /** Resolved once the incident's first records are written: the launch answers then. */
  readonly opened: Promise<void>;
  markOpened!: () => void;

  constructor(readonly input: EmergencyPlanInput) {
    this.plan = input.plan;
    this.incidentId = input.incidentId;
    this.run = new PlanRun(input);
    this.drill = input.mode !== 'live';
    this.sandbox = input.mode === 'live-drill' ? (input.drill?.sandbox ?? drillSandboxOf(input.incidentId)) : undefined;
    this.opened = new Promise((resolve) => (this.markOpened = resolve));
  }

  iso(): string {
    return workflowNow().toISOString();
  }

  /** A plan duration at this run's time scale (a demo runs a 10-minute deadline in 10 s at 60). */
  scaled(ms: number): number {
    return Math.max(1, Math.round(ms / Math.max(1, this.input.timeScale ?? 1)));
  }

  deadlineIn(ms?: number): string | undefined {
    return ms === undefined ? undefined : new Date(workflowNow().getTime() + this.scaled(ms)).toISOString();
  }

  /** Where a person's Update came from, for the audit trail. */
  via(a: Actor) {
    return { tokenId: a.tokenId, ip: a.ip };
  }

  /**
   * The one way the plan waits: what is queued is written first, so people see everything the plan
   * is waiting on them for. True when `until` holds, false when `timeoutMs` passed first.
   */
  async wait(until: () => boolean, timeoutMs?: number): Promise<boolean> {
    await this.rec.flush();
    if (timeoutMs === undefined) {
      await condition(until);
      return true;
    }
    return condition(until, timeoutMs);
  }

  enterStage(stage: Stage): void {
    this.run.stage = stage;
    this.rec.later('recordStage', { incidentId: this.incidentId, stage, at: this.iso() });
  }

  /** The plan cannot go on: the incident says why, then the workflow fails for good. */
  async giveUp(reason: string): Promise<never> {
    this.rec.later('recordIncidentFailed', { incidentId: this.incidentId, reason, at: this.iso() });
    await this.rec.flush();
    throw ApplicationFailure.nonRetryable(reason, 'PlanCannotContinue');
  }

  /** Who answers for each role, for the timeline. */
  rolesSummary() {
    return Object.fromEntries(Object.entries(this.run.responsibility?.roles ?? {}).map(([role, p]) => [role, { team: p.team, people: p.people.map((x) => x.id) }]));
  }

  /** Roles that resolved to nobody, for the timeline: the commander answers for them. */
  unresolvedRoles() {
    return this.run.responsibility?.unresolved?.length ? { unresolved: this.run.responsibility.unresolved } : {};
  }
}
