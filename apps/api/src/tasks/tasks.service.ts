import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { acknowledgeTask, completeTask, decide, TaskView } from '../../../../workflows/definitions';
import { actorClaiming } from '../auth/actor';
import { Caller, hasRole } from '../auth/caller';
import { AuditTrail } from '../auth/audit-trail';
import { WorkflowGateway } from '../temporal/workflow-gateway';
import { AcknowledgeTaskDto, CompleteTaskDto, DecideDto } from './dto/complete-task.dto';
import { TaskEntity } from './task.entity';

@Injectable()
export class TasksService {
  constructor(
    private readonly workflows: WorkflowGateway,
    private readonly audit: AuditTrail,
    @InjectRepository(TaskEntity) private readonly tasks: Repository<TaskEntity>,
  ) {}

  /** Responders see their teams' tasks; `mine` narrows anyone to their own teams. */
  list(caller: Caller, filter: { mine?: boolean; state?: string; incidentId?: string }): Promise<TaskEntity[]> {
    const qb = this.tasks.createQueryBuilder('t').orderBy('t.created_at', 'DESC').take(500);
    if (filter.mine || !hasRole(caller, 'commander', 'manager', 'auditor', 'admin')) qb.andWhere('t.team = ANY(:teams)', { teams: caller.teams });
    if (filter.state) qb.andWhere('t.state = :state', { state: filter.state });
    if (filter.incidentId) qb.andWhere('t.incident_id = :incidentId', { incidentId: filter.incidentId });
    return qb.getMany();
  }

  /** The task, if the caller's teams may see it; a refusal is audited as the `action` they attempted. */
  async get(id: string, caller: Caller, action = 'task.read'): Promise<TaskEntity> {
    const task = await this.tasks.findOne({ where: { id } });
    if (!task) throw new NotFoundException(`task "${id}" not found`);
    if (!hasRole(caller, 'commander', 'manager', 'auditor', 'admin') && !caller.teams.includes(task.team)) {
      throw await this.audit.forbid(caller, action, { type: 'task', id }, `task "${id}" belongs to team ${task.team}; ${caller.person} is in ${caller.teams.join(', ') || 'no team'}`);
    }
    return task;
  }

  private async openTask(id: string, caller: Caller, action: string): Promise<TaskEntity> {
    const task = await this.get(id, caller, action);
    // Answered from the read model when already recorded; the workflow's validator covers races.
    if (task.state === 'done' || task.state === 'skipped') throw new ConflictException(`task "${id}" was already ${task.state === 'done' ? `completed by ${task.completedBy}` : 'skipped'}`);
    return task;
  }

  async acknowledge(id: string, dto: AcknowledgeTaskDto, caller: Caller): Promise<TaskView> {
    const task = await this.openTask(id, caller, 'task.acknowledge');
    const actor = await actorClaiming(this.audit, caller, dto.simulated, 'task.acknowledge', { type: 'task', id });
    return this.workflows.update(task.incidentId, acknowledgeTask, [{ taskId: id, actor }], {
      caller, action: 'task.acknowledge', subject: { type: 'task', id },
    });
  }

  async complete(id: string, dto: CompleteTaskDto, caller: Caller): Promise<TaskView> {
    const task = await this.openTask(id, caller, 'task.complete');
    const { simulated, ...rest } = dto;
    const actor = await actorClaiming(this.audit, caller, simulated, 'task.complete', { type: 'task', id });
    return this.workflows.update(task.incidentId, completeTask, [{ taskId: id, actor, ...rest }], {
      caller, action: 'task.complete', subject: { type: 'task', id },
    });
  }

  async decide(id: string, dto: DecideDto, caller: Caller): Promise<TaskView> {
    const task = await this.openTask(id, caller, 'task.decide');
    const actor = await actorClaiming(this.audit, caller, dto.simulated, 'task.decide', { type: 'task', id });
    return this.workflows.update(task.incidentId, decide, [{ taskId: id, option: dto.option, note: dto.note, actor }], {
      caller, action: 'task.decide', subject: { type: 'task', id },
    });
  }
}
