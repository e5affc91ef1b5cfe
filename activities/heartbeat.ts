import { Context } from '@temporalio/activity';

/**
 * Heartbeats while `fn` runs, so a long activity (a backup, a chain verification) is not mistaken
 * for a dead one, and an activity on a worker that died is retried within the heartbeat timeout
 * instead of after its whole start-to-close timeout. Outside an activity it just runs `fn`.
 */
export async function keepAlive<T>(fn: () => Promise<T>, everyMs = 5000): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    return fn();
  }
  const timer = setInterval(() => ctx!.heartbeat(), everyMs);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
