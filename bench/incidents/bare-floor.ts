// The floor, printed as context: a bare workflow answering one Update, driven by the Temporal client
// directly (no HTTP, no token, no PostgreSQL), read back by Query.
import type { Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { bareOneUpdate, finish, state } from './bare.workflow';
import { inPool, poll, RunFigures } from './contenders';

export async function runBare(client: Client, taskQueue: string, n: number, concurrency: number): Promise<RunFigures> {
  const prefix = `bench-bare-${randomBytes(3).toString('hex')}`;
  const t0 = performance.now();
  const handles = await inPool('bare Temporal: start', Array.from({ length: n }, (_, i) => i), concurrency, (i) =>
    client.workflow.start(bareOneUpdate, { taskQueue, workflowId: `${prefix}-${i}` }),
  );
  const launchesPerS = n / ((performance.now() - t0) / 1000);
  const transitions = await inPool('bare Temporal: Update', handles, concurrency, async (h) => {
    const start = performance.now();
    await h.executeUpdate(finish, { args: ['bench'] });
    await poll(async () => (await h.query(state)) !== 'waiting');
    return performance.now() - start;
  });
  return { launchesPerS, transitions, ids: handles.map((h) => h.workflowId) };
}

/** One bare workflow at a time: start, Update, Query until it shows, ms. */
export async function runBareSingle(client: Client, taskQueue: string, samples: number): Promise<number[]> {
  const prefix = `bench-bare-${randomBytes(3).toString('hex')}`;
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    const h = await client.workflow.start(bareOneUpdate, { taskQueue, workflowId: `${prefix}-single-${i}` });
    await h.executeUpdate(finish, { args: ['bench'] });
    await poll(async () => (await h.query(state)) !== 'waiting');
    out.push(performance.now() - start);
  }
  return out;
}
