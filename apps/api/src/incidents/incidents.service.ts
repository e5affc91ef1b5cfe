import { Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { classifyIncident } from '../../../../domain/incident/classify';
import { launchFacts } from '../../../../domain/plan/launch-facts';
import type { Responsibility } from '../../../../domain/responsibility/resolve-responsibility';
import { resolveAssignments } from '../../../../activities/responsibility/responsibility.activities';
import type { Plan } from '../../../../domain/plan/plan.types';
import { addNote, closeIncident, DrillOptions, EmergencyPlanInput, IncidentStatus, overrideLevel } from '../../../../workflows/definitions';
import type { YingjiConfig } from '../../../shared/config';
import { Caller, hasRole } from '../auth/caller';
import { AuditTrail } from '../auth/audit-trail';
import { YINGJI_CONFIG } from '../config.token';
import { PlansService } from '../plans/plans.service';
import { TaskEntity } from '../tasks/task.entity';
import { actorClaiming, actorOf } from '../auth/actor';
import { WorkflowGateway } from '../temporal/workflow-gateway';
import { LaunchIncidentDto } from './dto/launch-incident.dto';
import { AddNoteDto, CloseIncidentDto, OverrideLevelDto } from './dto/incident-actions.dto';
import { IncidentEntity } from './incident.entity';
import { newIncidentId } from './incident-id';
import { TimelineEntryEntity } from './timeline-entry.entity';

export interface IncidentDetail {
  incident: IncidentEntity;
  steps: Array<Record<string, unknown>>;
  tasks: TaskEntity[];
  timeline: TimelineEntryEntity[];
  notifications: Array<Record<string, unknown>>;
  findings: Array<Record<string, unknown>>;
}

/** Commanders, managers, auditors and admins see every incident; responders those their teams work on. */
const SEES_ALL = ['commander', 'manager', 'auditor', 'admin'] as const;

@Injectable()
export class IncidentsService {
  constructor(
    private readonly plans: PlansService,
    private readonly workflows: WorkflowGateway,
    private readonly audit: AuditTrail,
    private readonly db: DataSource,
    @Inject(YINGJI_CONFIG) private readonly config: YingjiConfig,
    @InjectRepository(IncidentEntity) private readonly incidents: Repository<IncidentEntity>,
    @InjectRepository(TaskEntity) private readonly tasks: Repository<TaskEntity>,
    @InjectRepository(TimelineEntryEntity) private readonly timeline: Repository<TimelineEntryEntity>,
  ) {}

  /**
   * Starts the emergencyPlan workflow for a published plan. The facts are checked against the
   * plan's classification rules first, so a mistyped fact is refused before anything starts.
   */
  async launch(dto: LaunchIncidentDto, caller: Caller): Promise<IncidentDetail | { id: string; state: 'starting' }> {
    const plan = await this.plans.parsedPlan(dto.planId, dto.planVersion);
    return this.start({ plan, facts: dto.facts ?? {}, mode: dto.mode ?? 'live', timeScale: dto.timeScale }, caller);
  }

  /** Starts a run of a published plan: an incident, or a drill (tabletop / live-drill) with its options. */
  async start(
    req: { plan: Plan; facts: Record<string, unknown>; mode: EmergencyPlanInput['mode']; timeScale?: number; level?: EmergencyPlanInput['level']; drill?: DrillOptions },
    caller: Caller,
  ): Promise<IncidentDetail | { id: string; state: 'starting' }> {
    const { plan } = req;
    // Facts the plan takes from a source (the declaration calendar) are computed now; the caller's win.
    let facts: Record<string, unknown>;
    try {
      facts = launchFacts(plan, req.facts, new Date());
    } catch (err) {
      throw new UnprocessableEntityException(`facts: ${(err as Error).message}`);
    }
    let classification: EmergencyPlanInput['classification'];
    if (!req.level) {
      try {
        const { level, reason } = classifyIncident(plan, facts);
        classification = { level, reason };
      } catch (err) {
        throw new UnprocessableEntityException(`facts: ${(err as Error).message}`);
      }
    }
    const id = newIncidentId(new Date(), req.mode === 'live' ? 'inc' : 'drill');
    const input: EmergencyPlanInput = { incidentId: id, plan, facts, classification, assignments: this.assignmentsAt(plan, classification), mode: req.mode, launchedBy: caller.person, launchedVia: { tokenId: caller.tokenId, ip: caller.ip }, timeScale: req.timeScale ?? 1, level: req.level, drill: req.drill };
    // The workflow's opening record audits the launch (incident.launch / drill.launch) with the caller's token.
    const recorded = await this.workflows.launch(input, this.config.taskQueue);
    return recorded ? this.detail(id, caller) : { id, state: 'starting' };
  }

  /**
   * The people for the launch's level, so the incident starts with them (one round trip less). A
   * directory that cannot be read or resolved is left to the workflow, which records why.
   */
  private assignmentsAt(plan: Plan, classification: EmergencyPlanInput['classification']): Responsibility | undefined {
    if (!classification) return undefined;
    try {
      return resolveAssignments(this.config.directoryFile, { plan, level: classification.level });
    } catch {
      return undefined;
    }
  }

  /** The incident, if the caller may see it; a refusal is audited as the `action` they attempted. */
  private async assertCanSee(id: string, caller: Caller, action = 'incident.read'): Promise<IncidentEntity> {
    const incident = await this.incidents.findOne({ where: { id } });
    if (!incident) throw new NotFoundException(`incident "${id}" not found`);
    if (hasRole(caller, ...SEES_ALL)) return incident;
    const involved = await this.db.query(`SELECT 1 FROM tasks WHERE incident_id = $1 AND team = ANY($2) LIMIT 1`, [id, caller.teams]);
    if (!involved.length) {
      throw await this.audit.forbid(caller, action, { type: 'incident', id }, `incident ${id} has no task for team ${caller.teams.join(', ') || '(none)'}`);
    }
    return incident;
  }

  async detail(id: string, caller: Caller): Promise<IncidentDetail> {
    const incident = await this.assertCanSee(id, caller);
    const [steps, tasks, timeline, notifications, findings] = await Promise.all([
      this.db.query(
        `SELECT step_id AS "stepId", step_type AS "stepType", title, owner_role AS "ownerRole", team, state, started_at AS "startedAt",
                deadline_at AS "deadlineAt", finished_at AS "finishedAt", finished_by AS "finishedBy", outcome
           FROM steps WHERE incident_id = $1 ORDER BY started_at NULLS LAST, step_id`,
        [id],
      ),
      this.tasks.find({ where: { incidentId: id }, order: { createdAt: 'ASC', id: 'ASC' } }),
      this.timeline.find({ where: { incidentId: id }, order: { at: 'ASC', id: 'ASC' } }),
      this.db.query(
        // Person channels keep one record per copy (deliveries): who got theirs, who did not and why.
        `SELECT id, step_id AS "stepId", reason, channel, audience, recipients, status, attempts, detail, drill, created_at AS "createdAt", delivered_at AS "deliveredAt",
                coalesce((SELECT json_agg(json_build_object('recipient', d.recipient, 'person', d.person, 'address', d.address, 'status', d.status,
                                                            'attempts', d.attempts, 'detail', d.detail, 'sentAt', d.sent_at) ORDER BY d.sent_at NULLS LAST, d.recipient)
                            FROM deliveries d WHERE d.notification_id = n.id), '[]'::json) AS deliveries
           FROM notifications n WHERE incident_id = $1 ORDER BY created_at, id`,
        [id],
      ),
      this.db.query(`SELECT id, text, owner, to_char(due_date, 'YYYY-MM-DD') AS due, created_by AS "createdBy", finding_id AS "findingId", step_id AS "stepId" FROM review_findings WHERE incident_id = $1 ORDER BY id`, [id]),
    ]);
    return { incident, steps, tasks, timeline, notifications, findings };
  }

  /** The live status straight from the workflow (a Query): stage, level and why, steps, deadlines. */
  async liveStatus(id: string, caller: Caller): Promise<IncidentStatus> {
    await this.assertCanSee(id, caller);
    return this.workflows.query<IncidentStatus>(id, 'getStatus');
  }

  async list(caller: Caller, filter: { state?: string; planId?: string }): Promise<IncidentEntity[]> {
    const qb = this.incidents.createQueryBuilder('i').orderBy('i.opened_at', 'DESC').take(200);
    if (filter.state) qb.andWhere('i.state = :state', { state: filter.state });
    if (filter.planId) qb.andWhere('i.plan_id = :planId', { planId: filter.planId });
    if (!hasRole(caller, ...SEES_ALL)) {
      qb.andWhere('EXISTS (SELECT 1 FROM tasks t WHERE t.incident_id = i.id AND t.team = ANY(:teams))', { teams: caller.teams });
    }
    return qb.getMany();
  }

  // Updates are audited by the workflow when they take effect, with the actor's token id and address.
  async override(id: string, dto: OverrideLevelDto, caller: Caller): Promise<IncidentStatus> {
    await this.assertCanSee(id, caller, 'incident.override');
    return this.workflows.update(id, overrideLevel, [{ level: dto.level, reason: dto.reason, actor: actorOf(caller) }], {
      caller, action: 'incident.override', subject: { type: 'incident', id },
    });
  }

  async note(id: string, dto: AddNoteDto, caller: Caller): Promise<void> {
    await this.assertCanSee(id, caller, 'incident.note');
    const actor = await actorClaiming(this.audit, caller, dto.simulated, 'incident.note', { type: 'incident', id });
    await this.workflows.update(id, addNote, [{ text: dto.text, actor }], {
      caller, action: 'incident.note', subject: { type: 'incident', id },
    });
  }

  async close(id: string, dto: CloseIncidentDto, caller: Caller): Promise<IncidentStatus> {
    await this.assertCanSee(id, caller, 'incident.close');
    return this.workflows.update(id, closeIncident, [{ reason: dto.reason, actor: actorOf(caller) }], {
      caller, action: 'incident.close', subject: { type: 'incident', id },
    });
  }
}
