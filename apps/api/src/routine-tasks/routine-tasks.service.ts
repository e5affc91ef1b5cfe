import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { findRoutineTask, listRoutineTasks, RoutineTask } from '../../../../activities/routine-tasks/routine-tasks';
import { AuditTrail } from '../auth/audit-trail';
import { Caller, hasRole } from '../auth/caller';

const STATES = ['open', 'closed'] as const;

/** Routine tasks as people see them: their teams' tasks; auditors and admins see every team's. */
@Injectable()
export class RoutineTasksService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditTrail,
  ) {}

  list(caller: Caller, filter: { state?: string }): Promise<RoutineTask[]> {
    if (filter.state !== undefined && !(STATES as readonly string[]).includes(filter.state)) {
      throw new BadRequestException(`state "${filter.state}" is not a routine task state: use open or closed`);
    }
    return listRoutineTasks(this.db, { teams: seesAll(caller) ? undefined : caller.teams, state: filter.state as RoutineTask['state'] | undefined });
  }

  /** The task if the caller's teams may see it: unknown 404, another team's 403 (audited as `action`). */
  async get(id: string, caller: Caller, action = 'routine-task.read'): Promise<RoutineTask> {
    const task = await findRoutineTask(this.db, id);
    if (!task) throw new NotFoundException(`routine task "${id}" not found`);
    if (!seesAll(caller) && !caller.teams.includes(task.team)) {
      throw await this.audit.forbid(caller, action, { type: 'routine-task', id }, `routine task "${id}" belongs to team ${task.team}; ${caller.person} is in ${caller.teams.join(', ') || 'no team'}`);
    }
    return task;
  }
}

/** Auditors and admins oversee every team's routine work. */
export const seesAll = (caller: Caller) => hasRole(caller, 'auditor', 'admin');
