import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/decorators';
import { RoutineTasksService } from './routine-tasks.service';

/** Routine tasks (例行任务): work for a team outside any incident (the access review, failing compliance checks). */
@ApiTags('routine-tasks')
@ApiBearerAuth()
@Controller('routine-tasks')
export class RoutineTasksController {
  constructor(private readonly tasks: RoutineTasksService) {}

  @Get()
  @ApiQuery({ name: 'state', required: false, enum: ['open', 'closed'] })
  @ApiOperation({ summary: 'Routine tasks, newest first: your teams\' (auditors and admins: every team\'s)' })
  list(@CurrentCaller() caller: Caller, @Query('state') state?: string) {
    return this.tasks.list(caller, { state });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One routine task with its detail (unknown 404, another team\'s 403)' })
  get(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.tasks.get(id, caller);
  }
}
