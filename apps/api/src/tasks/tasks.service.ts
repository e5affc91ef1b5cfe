import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { Repository } from 'typeorm';
import { completeTask, TaskView } from '../../../../workflows/definitions';
import { TEMPORAL_CLIENT } from '../temporal/temporal.module';
import { toHttpError } from '../temporal/update-errors';
import { CompleteTaskDto } from './dto/complete-task.dto';
import { TaskEntity } from './task.entity';

@Injectable()
export class TasksService {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @InjectRepository(TaskEntity) private readonly tasks: Repository<TaskEntity>,
  ) {}

  async get(id: string): Promise<TaskEntity> {
    const task = await this.tasks.findOne({ where: { id } });
    if (!task) throw new NotFoundException(`task "${id}" not found`);
    return task;
  }

  /** Delivers the completion to the incident's workflow as an Update: the workflow decides. */
  async complete(id: string, dto: CompleteTaskDto): Promise<TaskView> {
    const task = await this.get(id);
    // Answered from the read model when already recorded; the workflow's validator covers races.
    if (task.state === 'done') throw new ConflictException(`task "${id}" was already completed by ${task.completedBy}`);
    const handle = this.temporal.workflow.getHandle(task.incidentId);
    try {
      return await handle.executeUpdate(completeTask, { args: [{ taskId: id, ...dto }] });
    } catch (err) {
      throw toHttpError(err, `task "${id}"`);
    }
  }
}
