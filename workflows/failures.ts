import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';
import { UpdateErrors } from './definitions';

/** The reason people need: the innermost cause of an activity or child workflow failure, not its wrapper. */
export function reasonOf(err: unknown): string {
  let e = err;
  while ((e instanceof ActivityFailure || e instanceof ChildWorkflowFailure) && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/**
 * An Update whose own records cannot be written (PostgreSQL refuses the data, or stays down past the
 * retry policy) fails with the reason; the handler takes back what it changed, so nothing counts
 * that people cannot see. (Handlers catch inline: an extra async layer would reorder commands.)
 */
export function notRecorded(what: string, err: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type: UpdateErrors.invalidInput, nonRetryable: true, message: `${what} could not be recorded, so it did not take effect: ${reasonOf(err)}` });
}
