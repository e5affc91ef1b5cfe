// bench/incidents: N incidents launched at once on the embedded stack, every task completed through
// the API; the same Update round trip on a bare Temporal workflow runs side by side as the peer.
//   node dist/bench/incidents/main.js [--incidents 500] [--concurrency 50]
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { issueToken } from '../../apps/api/src/auth/token-store';
import { ApiClient } from '../../apps/cli/src/api-client';
import { startDetached } from '../../apps/cli/src/stack';
import { loadConfig } from '../../apps/shared/config';
import { createDataSource } from '../../migrations/data-source';
import { bareOneUpdate, finish, state } from './bare.workflow';
import { numberOptions } from '../args';

const { incidents: N, concurrency: CONCURRENCY } = numberOptions({ incidents: 500, concurrency: 50 });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/** Runs `fn` over items with at most `limit` at once, printing progress. */
async function pool<T, R>(label: string, items: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const tick = () => process.stderr.write(`\r  ${label}: ${done}/${items.length}`);
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
        done++;
        if (done % 10 === 0 || done === items.length) tick();
      }
    }),
  );
  process.stderr.write('\n');
  return out;
}

async function poll<T>(read: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

async function main() {
  const config = loadConfig();
  const info = await startDetached(config, (l) => console.error(l));
  const ds = createDataSource(config.databaseUrl);
  await ds.initialize();
  const issue = async (person: string, roles: string[], teams: string[]) => (await issueToken(ds, { person, roles, teams, expiresIn: '2h', createdBy: 'bench' })).token;
  const api = new ApiClient(info.api);
  const commander = api.as(await issue('bench-commander', ['commander'], ['it-ops']));
  const oncall = api.as(await issue('bench-oncall', ['responder'], ['it-ops']));
  await ds.destroy();

  console.log(`bench/incidents: ${N} incidents of hello-drill, completions ${CONCURRENCY} at a time, on ${info.api} / Temporal ${info.temporal}`);

  // 1. Launch all at once.
  const t0 = performance.now();
  const ids = await Promise.all(Array.from({ length: N }, () => commander.post<{ incident?: { id: string }; id?: string }>('/incidents', { planId: 'hello-drill' }).then((r) => (r.incident?.id ?? r.id)!)));
  const launchSeconds = (performance.now() - t0) / 1000;

  // 2. Each task: the completion call, then poll the API until the incident's next state (its review task) shows.
  const ours = await pool('complete through the API', ids, CONCURRENCY, async (id) => {
    const task = await poll(async () => (await oncall.get<Array<{ id: string; state: string }>>(`/tasks?mine=true&incidentId=${id}`)).find((t) => t.state === 'open'));
    const start = performance.now();
    await oncall.post(`/tasks/${task.id}/complete`, {});
    await poll(async () => ((await commander.get<Array<{ kind: string }>>(`/tasks?incidentId=${id}`)).some((t) => t.kind === 'review') ? true : undefined));
    return performance.now() - start;
  });
  // Close them all so the stack is left tidy (not measured).
  await pool('close', ids, CONCURRENCY, async (id) => {
    const review = await poll(async () => (await commander.get<Array<{ id: string; kind: string; state: string }>>(`/tasks?incidentId=${id}`)).find((t) => t.kind === 'review' && t.state === 'open'));
    await commander.post(`/tasks/${review.id}/complete`, { outcome: 'bench' });
  });

  // 3. The peer: bare workflows with one Update on the same Temporal server.
  const taskQueue = `bench-bare-${randomBytes(3).toString('hex')}`;
  const native = await NativeConnection.connect({ address: info.temporal });
  const worker = await Worker.create({ connection: native, taskQueue, workflowsPath: require.resolve('./bare.workflow') });
  const running = worker.run();
  const connection = await Connection.connect({ address: info.temporal });
  const client = new Client({ connection });
  const b0 = performance.now();
  const handles = await Promise.all(Array.from({ length: N }, (_, i) => client.workflow.start(bareOneUpdate, { taskQueue, workflowId: `${taskQueue}-${i}` })));
  const bareLaunchSeconds = (performance.now() - b0) / 1000;
  const bare = await pool('bare Update', handles, CONCURRENCY, async (h) => {
    const start = performance.now();
    await h.executeUpdate(finish, { args: ['bench'] });
    await poll(async () => ((await h.query(state)) !== 'waiting' ? true : undefined));
    return performance.now() - start;
  });
  worker.shutdown();
  await running;
  await connection.close();
  await native.close();

  const row = (name: string, launches: number, xs: number[]) =>
    `${name.padEnd(34)} ${launches.toFixed(1).padStart(10)} ${pct(xs, 50).toFixed(1).padStart(10)} ${pct(xs, 99).toFixed(1).padStart(10)}`;
  console.log('');
  console.log(`${''.padEnd(34)} ${'launches/s'.padStart(10)} ${'p50 ms'.padStart(10)} ${'p99 ms'.padStart(10)}`);
  console.log(row('Yingji incident (API + workflow)', N / launchSeconds, ours));
  console.log(row('bare Temporal workflow, 1 Update', N / bareLaunchSeconds, bare));
  console.log(
    `ratio (Yingji / bare)              ${(bareLaunchSeconds / launchSeconds).toFixed(2).padStart(10)} ${(pct(ours, 50) / pct(bare, 50)).toFixed(2).padStart(10)} ${(pct(ours, 99) / pct(bare, 99)).toFixed(2).padStart(10)}`,
  );
  console.log('(launches/s ratio below 1 means fewer launches per second than the bare workflow; latency ratios above 1 are our overhead)');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
