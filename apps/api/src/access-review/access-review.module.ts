import { Module } from '@nestjs/common';
import { AccessReviewController } from './access-review.controller';
import { AccessReviewService } from './access-review.service';

/** Access review: who can do what, and which grants should go. */
@Module({
  controllers: [AccessReviewController],
  providers: [AccessReviewService],
  exports: [AccessReviewService],
})
export class AccessReviewModule {}
