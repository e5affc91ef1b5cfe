import { ActivityFailure, ChildWorkflowFailure } from '@temporalio/workflow';

/** The reason people need: the innermost cause of an activity or child workflow failure, not its wrapper. */
export function reasonOf(err: unknown): string {
  let e = err;
  while ((e instanceof ActivityFailure || e instanceof ChildWorkflowFailure) && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
