import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CompleteTaskDto } from './dto/complete-task.dto';
import { TasksService } from './tasks.service';

@ApiTags('tasks')
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get(':id')
  @ApiOperation({ summary: 'One task' })
  get(@Param('id') id: string) {
    return this.tasks.get(id);
  }

  @Post(':id/complete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Complete a task (a Temporal Update the workflow validates: unknown task 404, already completed 409)' })
  complete(@Param('id') id: string, @Body() dto: CompleteTaskDto) {
    return this.tasks.complete(id, dto);
  }
}
