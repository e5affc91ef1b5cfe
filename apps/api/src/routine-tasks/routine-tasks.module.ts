import { Module } from '@nestjs/common';
import { RoutineTasksController } from './routine-tasks.controller';
import { RoutineTasksService } from './routine-tasks.service';

/** Routine tasks: a team's work outside any incident. */
@Module({
  controllers: [RoutineTasksController],
  providers: [RoutineTasksService],
  exports: [RoutineTasksService],
})
export class RoutineTasksModule {}
