import { BadRequestException, ConflictException, HttpException, NotFoundException } from '@nestjs/common';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { UpdateErrors } from '../../../../workflows/definitions';

/** Turns a refused Update into the HTTP error the caller should see, with the workflow's reason. */
export function toHttpError(err: unknown, subject: string): unknown {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const reason = err.cause.message;
    switch (err.cause.type) {
      case UpdateErrors.unknownTask:
        return new NotFoundException(reason);
      case UpdateErrors.taskAlreadyCompleted:
        return new ConflictException(reason);
      case UpdateErrors.invalidInput:
        return new BadRequestException(reason);
      default:
        return new HttpException(reason, 422);
    }
  }
  if (err instanceof WorkflowNotFoundError || /workflow execution already completed/i.test(String((err as Error)?.message))) {
    return new ConflictException(`${subject}: its incident is no longer running`);
  }
  return err;
}
