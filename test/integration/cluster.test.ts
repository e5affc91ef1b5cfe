// Yingji on a real Temporal cluster: the server v1.29.1's four services as separate processes on
// PostgreSQL, two workers and two APIs behind haproxy (`yingji cluster up`). Incidents launched
// through haproxy survive a SIGKILL of one worker, one API and the history service: every one
// closes, each step and entry once. YINGJI_CLUSTER_TEST_INCIDENTS sets how many (default 20).
import { randomInt } from 'node:crypto';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { issueToken } from '../../apps/api/src/auth/token-store';
import { ApiClient, ApiError } from '../../apps/cli/src/api-client';
import { apiName, clusterDown, clusterUp, serviceName, workerName } from '../../apps/cli/src/cluster/cluster';
import { apiAddress, ClusterLayout, clusterLayout, frontendAddress, serverUrl } from '../../apps/cli/src/cluster/layout';
import { runningPid } from '../../apps/cli/src/cluster/processes';
import { createDataSource } from '../../migrations/data-source';
import { isPortOpen } from '../../scripts/stack/ports';
import { recordSecret } from '../after-run/secrets';
import { duplicateAuditEntries, duplicateTimelineEntries, stepsNotEndedOnce } from './support/exactly-once';
import { eventually, HELLO_TIMELINE } from './support/harness';
import { testStackEnv } from './support/test-stack';

const INCIDENTS = Number(process.env.YINGJI_CLUSTER_TEST_INCIDENTS || 20);
const CHECKLIST = ['打开应急频道 Open the incident channel'];

/** Loopback ports nobody listens on: Temporal's base (+0..+10, +1000..+1006) and the API's (+0..+2). */
async function freeBase(offsets: number[], lo: number, hi: number): Promise<number> {
  for (;;) {
    const base = randomInt(lo, hi);
    const open = await Promise.all(offsets.map((o) => isPortOpen(base + o)));
    if (!open.some(Boolean)) return base;
  }
}

/** `n` calls at a time, in order. */
async function inBatches<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += n) out.push(...(await Promise.all(items.slice(i, i + n).map(fn))));
  return out;
}

/**
 * Completes a task as a person would: a request the cluster could not answer (5xx, connection
 * refused while a service restarts) is sent again; a 409 after such a retry means the first one landed.
 */
async function complete(api: ApiClient, taskId: string, body: object): Promise<void> {
  let retried = false;
  await eventually(`task ${taskId} to be completed`, async () => {
    try {
      await api.post(`/tasks/${taskId}/complete`, body);
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && retried) return true;
      if (err instanceof ApiError && err.status < 500) throw err;
      retried = true;
      return undefined;
    }
  }, 90_000);
}

type Task = { id: string; state: string; kind: string };

async function openTaskOf(api: ApiClient, incidentId: string, kind: string): Promise<Task> {
  return eventually(`an open ${kind} task of ${incidentId}`, async () => {
    const tasks = await api.get<Task[]>(`/tasks?incidentId=${incidentId}`).catch(() => []);
    return tasks.find((t) => t.kind === kind && t.state === 'open');
  }, 90_000);
}

describe(`Yingji on a Temporal cluster: ${INCIDENTS} incidents through haproxy`, () => {
  let l: ClusterLayout;
  let db: DataSource;
  let api: ApiClient;
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);

  beforeAll(async () => {
    const temporalPort = await freeBase([0, 1, 2, 6, 10, 1000, 1001, 1002, 1006], 20_000, 29_000);
    const apiPort = await freeBase([0, 1, 2], 30_000, 31_000);
    const pgPort = await freeBase([0], 31_000, 32_000);
    l = clusterLayout({
      ...process.env,
      DATABASE_URL: '',
      TEMPORAL_NAMESPACE: 'default',
      YINGJI_CLUSTER_DIR: path.join(testStackEnv().runDir, `cluster-${temporalPort}`),
      YINGJI_CLUSTER_TEMPORAL_PORT: String(temporalPort),
      YINGJI_CLUSTER_API_PORT: String(apiPort),
      YINGJI_CLUSTER_PG_PORT: String(pgPort),
    });
    const started = Date.now();
    await clusterUp(l, log);
    console.log(`cluster up in ${((Date.now() - started) / 1000).toFixed(1)}s (${frontendAddress(l)}, API ${apiAddress(l)})`);
    db = createDataSource(serverUrl(l, l.yingjiDb));
    await db.initialize();
    const { token } = await issueToken(db, { person: 'zhang-wei', roles: ['commander', 'responder'], teams: ['it-ops'], createdBy: 'test' });
    recordSecret('token', "zhang-wei's cluster test token", token.slice(token.indexOf('.') + 1));
    api = new ApiClient(apiAddress(l), token);
  }, 300_000);

  afterAll(async () => {
    await db?.destroy();
    if (l) await clusterDown(l, log);
  }, 120_000);

  it('every incident closes after a worker, an API and the history service are SIGKILLed and restarted, each step and entry once', async () => {
    const started = Date.now();
    const ids = await inBatches(Array.from({ length: INCIDENTS }, (_, i) => i), 10, async () => {
      const res = await api.post<{ incident: { id: string } }>('/incidents', { planId: 'hello-drill' });
      return res.incident.id;
    });
    const acks = await inBatches(ids, 10, (id) => openTaskOf(api, id, 'manual'));

    // Half the incidents move on (completions recorded, review tasks opening) as the processes die.
    const half = Math.ceil(ids.length / 2);
    await inBatches(acks.slice(0, half), 10, (t) => complete(api, t.id, { checklist: CHECKLIST }));
    const victims = [workerName(1), apiName(1), serviceName('history')];
    const before = victims.map((name) => runningPid(l, name));
    for (const pid of before) process.kill(pid!, 'SIGKILL');
    await eventually('the killed processes to be gone', async () => (victims.every((name) => !runningPid(l, name)) ? true : undefined));

    // While they are down the address still answers: haproxy sends every request to the live API
    // (round robin would give every other one to the dead one).
    for (let i = 0; i < 4; i++) expect((await api.get<unknown[]>('/incidents')).length).toBe(Math.min(ids.length, 200)); // the list shows 200 at most

    await clusterUp(l, log); // starts just the dead ones
    const after = victims.map((name) => runningPid(l, name));
    expect(after.every((pid, i) => pid !== undefined && pid !== before[i])).toBe(true);

    await inBatches(acks.slice(half), 10, (t) => complete(api, t.id, { checklist: CHECKLIST }));
    await inBatches(ids, 10, async (id) => {
      const review = await openTaskOf(api, id, 'review');
      await complete(api, review.id, { outcome: 'reviewed', findings: [{ text: 'rehearse on the cluster', owner: 'it-ops', due: '2027-03-31' }] });
    });

    type Detail = { incident: { state: string }; timeline: Array<{ kind: string }> };
    const details = await inBatches(ids, 10, (id) =>
      eventually(`${id} to close`, async () => {
        const d = await api.get<Detail>(`/incidents/${id}`).catch(() => undefined);
        return d?.incident.state === 'closed' ? d : undefined;
      }, 120_000),
    );
    for (const d of details) expect(d.timeline.map((e) => e.kind)).toEqual(HELLO_TIMELINE);
    const repeated: string[] = [];
    for (const id of ids) {
      repeated.push(...(await duplicateTimelineEntries(db, id)), ...(await duplicateAuditEntries(db, id)), ...(await stepsNotEndedOnce(db, id, ['acknowledge-page'])));
    }
    expect(repeated).toEqual([]);

    // Temporal agrees: every workflow completed on the cluster.
    const connection = await Connection.connect({ address: frontendAddress(l) });
    try {
      const client = new Client({ connection, namespace: l.namespace });
      const statuses = await inBatches(ids, 10, (id) =>
        eventually(`workflow ${id} to finish`, async () => {
          const name = (await client.workflow.getHandle(id).describe()).status.name;
          return name === 'RUNNING' ? undefined : name;
        }),
      );
      expect(new Set(statuses)).toEqual(new Set(['COMPLETED']));
    } finally {
      await connection.close();
    }
    console.log(`${INCIDENTS} incidents launched, faults injected and closed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }, 900_000);
});
