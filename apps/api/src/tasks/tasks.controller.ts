import { Body, Controller, Get, HttpCode, Param, ParseBoolPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/decorators';
import { AcknowledgeTaskDto, CompleteTaskDto, DecideDto } from './dto/complete-task.dto';
import { TasksService } from './tasks.service';

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @ApiQuery({ name: 'mine', required: false, type: Boolean, description: 'only the tasks of my teams' })
  @ApiQuery({ name: 'state', required: false, enum: ['open', 'acknowledged', 'failed', 'done', 'skipped'] })
  @ApiQuery({ name: 'incidentId', required: false })
  @ApiOperation({ summary: 'Tasks, newest first (responders: their teams only)' })
  list(
    @CurrentCaller() caller: Caller,
    @Query('mine', new ParseBoolPipe({ optional: true })) mine?: boolean,
    @Query('state') state?: string,
    @Query('incidentId') incidentId?: string,
  ) {
    return this.tasks.list(caller, { mine, state, incidentId });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One task' })
  get(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.tasks.get(id, caller);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @Roles('responder', 'commander')
  @ApiOperation({ summary: 'Acknowledge a task of your team' })
  acknowledge(@Param('id') id: string, @Body() dto: AcknowledgeTaskDto, @CurrentCaller() caller: Caller) {
    return this.tasks.acknowledge(id, dto, caller);
  }

  @Post(':id/complete')
  @HttpCode(200)
  @Roles('responder', 'commander')
  @ApiOperation({ summary: 'Complete a task (a Temporal Update the workflow validates: wrong team 403, unknown task 404, already done 409)' })
  complete(@Param('id') id: string, @Body() dto: CompleteTaskDto, @CurrentCaller() caller: Caller) {
    return this.tasks.complete(id, dto, caller);
  }

  @Post(':id/decide')
  @HttpCode(200)
  @Roles('responder', 'commander')
  @ApiOperation({ summary: 'Take a decision step: one of its options' })
  decide(@Param('id') id: string, @Body() dto: DecideDto, @CurrentCaller() caller: Caller) {
    return this.tasks.decide(id, dto, caller);
  }
}
