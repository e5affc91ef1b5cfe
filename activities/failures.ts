import { ApplicationFailure } from '@temporalio/activity';

/** An error that retrying cannot fix (a damaged backup, a fault that does not apply), with its message kept. */
export const nonRetryable = (err: unknown, type: string) => ApplicationFailure.nonRetryable((err as Error).message, type);
