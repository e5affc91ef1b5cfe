import { Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { Repository } from 'typeorm';
import { classifyIncident } from '../../../../domain/incident/classify';
import type { EmergencyPlanInput } from '../../../../workflows/definitions';
import type { YingjiConfig } from '../../../shared/config';
import { YINGJI_CONFIG } from '../config.token';
import { PlansService } from '../plans/plans.service';
import { TaskEntity } from '../tasks/task.entity';
import { TEMPORAL_CLIENT } from '../temporal/temporal.module';
import { LaunchIncidentDto } from './dto/launch-incident.dto';
import { IncidentEntity } from './incident.entity';
import { newIncidentId } from './incident-id';
import { TimelineEntryEntity } from './timeline-entry.entity';

export interface IncidentDetail {
  incident: IncidentEntity;
  tasks: TaskEntity[];
  timeline: TimelineEntryEntity[];
}

@Injectable()
export class IncidentsService {
  constructor(
    private readonly plans: PlansService,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(YINGJI_CONFIG) private readonly config: YingjiConfig,
    @InjectRepository(IncidentEntity) private readonly incidents: Repository<IncidentEntity>,
    @InjectRepository(TaskEntity) private readonly tasks: Repository<TaskEntity>,
    @InjectRepository(TimelineEntryEntity) private readonly timeline: Repository<TimelineEntryEntity>,
  ) {}

  /**
   * Starts the emergencyPlan workflow for a published plan. The facts are checked against the
   * plan's classification rules first, so a mistyped fact is refused before anything starts.
   */
  async launch(dto: LaunchIncidentDto): Promise<IncidentDetail | { id: string; state: 'starting' }> {
    const plan = await this.plans.parsedPlan(dto.planId, dto.planVersion);
    const facts = dto.facts ?? {};
    try {
      classifyIncident(plan, facts);
    } catch (err) {
      throw new UnprocessableEntityException(`facts: ${(err as Error).message}`);
    }
    const id = newIncidentId();
    const input: EmergencyPlanInput = { incidentId: id, plan, facts, mode: dto.mode ?? 'live', launchedBy: dto.by ?? 'commander' };
    await this.temporal.workflow.start('emergencyPlan', { taskQueue: this.config.taskQueue, workflowId: id, args: [input] });
    // The workflow records the incident in its first activity; wait briefly so the caller gets it.
    for (let i = 0; i < 50; i++) {
      const found = await this.incidents.findOne({ where: { id } });
      if (found) return this.detail(id);
      await new Promise((r) => setTimeout(r, 200));
    }
    return { id, state: 'starting' };
  }

  async detail(id: string): Promise<IncidentDetail> {
    const incident = await this.incidents.findOne({ where: { id } });
    if (!incident) throw new NotFoundException(`incident "${id}" not found`);
    const [tasks, timeline] = await Promise.all([
      this.tasks.find({ where: { incidentId: id }, order: { createdAt: 'ASC', id: 'ASC' } }),
      this.timeline.find({ where: { incidentId: id }, order: { at: 'ASC', id: 'ASC' } }),
    ]);
    return { incident, tasks, timeline };
  }

  list(state?: string): Promise<IncidentEntity[]> {
    return this.incidents.find({ where: state ? { state } : {}, order: { openedAt: 'DESC' }, take: 200 });
  }
}
