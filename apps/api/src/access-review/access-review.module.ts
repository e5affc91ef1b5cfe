import { Module } from '@nestjs/common';
import { AccessReviewController } from './access-review.controller';
import { AccessReviewService } from './access-review.service';
import { RoutineTasksModule } from '../routine-tasks/routine-tasks.module';

/** Access review: who can do what, and which grants should go; security's decisions on the scheduled reviews. */
@Module({
  imports: [RoutineTasksModule],
  controllers: [AccessReviewController],
  providers: [AccessReviewService],
  exports: [AccessReviewService],
})
export class AccessReviewModule {}
