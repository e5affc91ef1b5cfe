// The activities an incident calls, each with the timeouts and retries its work needs.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { Recorder } from '../recorder';

// Read-model writes: short, idempotent transactions. (Local activities were tried for speed: under 500
// concurrent launches some workflows stalled for good with their first local activity lost, so
// these stay regular activities until that is understood; see the closing note of issue 5.)
// Data PostgreSQL refuses fails at once (RecordRefused); anything else is retried for up to half an
// hour (a database restart), then the incident is told why it stopped.
export const records = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['RecordRefused'] },
});
/** Reads the team directory: no effect to order after the records, so it does not wait for them (a launch's first records go out with its first task). */
export const people = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 3 } });
// A channel gets a few short tries, five minutes at most in all; a delivery that keeps failing is
// recorded. The activity heartbeats while it sends, so a notice to 200 people on a worker that died
// is taken up by another within seconds (the recipients already sent are not sent again).
const messaging = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  scheduleToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});
// Chat robots take at most 20 messages a minute each: a notice waits for its robot's turn, never dropped.
const robots = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  scheduleToCloseTimeout: '2 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});
const actions = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds', // actions heartbeat while they run (activities/heartbeat.ts)
  retry: { initialInterval: '5 seconds', maximumAttempts: 3 },
});
// Sandbox copies and comparisons take a while on a large invoice table; they heartbeat.
const drills = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
});

/**
 * Every activity but the read-model writes first writes what is queued, so its effects follow the
 * records they imply (a notice never goes out about a task people cannot see yet).
 */
export function afterRecords(rec: Recorder) {
  const wrap = <T extends object>(acts: T): T =>
    new Proxy(acts, {
      get: (target, name) => async (...args: unknown[]) => {
        await rec.flush();
        return (target as Record<string | symbol, (...a: unknown[]) => Promise<unknown>>)[name](...args);
      },
    });
  return { messaging: wrap(messaging), robots: wrap(robots), actions: wrap(actions), drills: wrap(drills) };
}
