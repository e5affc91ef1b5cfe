// For tests that drive the notify activities directly: a harness without a worker, with one
// incident recorded for the notices to belong to, and the environment settings the test changes
// put back after each test.
import { createRecordActivities } from '../../../activities/records/records.activities';
import { Harness, startHarness } from './harness';

/** A harness (no worker) with `incidentId` recorded as an incident of hello-drill. */
export async function startNotifyWorld(incidentId: string, title: string): Promise<Harness> {
  const h = await startHarness({ worker: false });
  await h.publishPlan('hello-drill.yaml');
  await createRecordActivities(h.db).recordIncidentOpened({
    incidentId, planId: 'hello-drill', planVersion: 1, title, mode: 'live', facts: {}, launchedBy: 'test', at: '2026-11-23T08:00:00.000Z',
  });
  return h;
}

/** Puts these environment variables back as they were before the test file, after each test. */
export function restoreEnvAfterEach(names: string[]): void {
  const saved = Object.fromEntries(names.map((k) => [k, process.env[k]]));
  afterEach(() => {
    for (const k of names) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
}
