// Yingji on a real Temporal cluster: the server v1.29.1's four services as separate processes on
// PostgreSQL, two workers and two APIs behind haproxy (`yingji cluster up`). Incidents launched
// through haproxy survive a SIGKILL of one worker, one API and the history service, then a restart
// of PostgreSQL itself (Temporal's persistence and Yingji's read models): every one closes, each
// step, entry and webhook message once. YINGJI_CLUSTER_TEST_INCIDENTS sets how many (default 20;
// scripts/test.sh runs 200). It runs when YINGJI_CLUSTER_TEST=1, which scripts/test.sh sets after
// building the server (about 1.5 minutes with 200), so a bare `npx jest` skips it.
import * as fs from 'node:fs';
import { randomInt } from 'node:crypto';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { issueToken } from '../../apps/api/src/auth/token-store';
import { ApiClient, ApiError } from '../../apps/cli/src/api-client';
import { apiName, clusterDown, clusterUp, serviceName, workerName } from '../../apps/cli/src/cluster/cluster';
import { apiAddress, ClusterLayout, clusterLayout, frontendAddress, serverUrl } from '../../apps/cli/src/cluster/layout';
import { logFile, runningPid } from '../../apps/cli/src/cluster/processes';
import { publishPlanText } from '../../apps/api/src/plans/publish';
import { ensurePostgres, postgresPid, stopPostgres } from '../../apps/cli/src/cluster/database';
import { createDataSource } from '../../migrations/data-source';
import { isPortOpen } from '../../scripts/stack/ports';
import { recordSecret } from '../after-run/secrets';
import { duplicateAuditEntries, duplicateDeliveries, duplicateTimelineEntries, stepsNotEndedOnce } from './support/exactly-once';
import { eventually, HELLO_TIMELINE } from './support/harness';
import { testStackEnv } from './support/test-stack';
import { startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';

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

/** The last lines of each process's log, for a failure message. */
function logTails(l: ClusterLayout, names: string[]): string {
  return names
    .map((n) => {
      const text = fs.existsSync(logFile(l, n)) ? fs.readFileSync(logFile(l, n), 'utf8') : '';
      return `--- ${n}\n${text.split('\n').filter((line) => /error|exception|fail/i.test(line)).slice(-8).join('\n')}`;
    })
    .join('\n');
}

/**
 * The timeline of every incident of the plan: the hello incident's, after a notify step (the page)
 * that runs before its task, and with the closing notice delivered last.
 */
const CLUSTER_DRILL_TIMELINE = [
  ...HELLO_TIMELINE.slice(0, HELLO_TIMELINE.indexOf('step.running')),
  'step.running',
  'notification.delivered',
  'step.done',
  ...HELLO_TIMELINE.slice(HELLO_TIMELINE.indexOf('step.running')),
  'notification.delivered',
];

const describeCluster = process.env.YINGJI_CLUSTER_TEST === '1' ? describe : describe.skip;

describeCluster(`Yingji on a Temporal cluster: ${INCIDENTS} incidents through haproxy`, () => {
  let l: ClusterLayout;
  let db: DataSource;
  let api: ApiClient;
  let hook: WebhookReceiver;
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const saved = { url: process.env.YINGJI_PLAN_TEST_WEBHOOK_URL, allow: process.env.YINGJI_WEBHOOK_ALLOW_HOSTS };

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
    // The workers post the plan's webhook to this receiver (loopback: allowed by the deployment).
    hook = await startWebhookReceiver();
    process.env.YINGJI_PLAN_TEST_WEBHOOK_URL = hook.url;
    process.env.YINGJI_WEBHOOK_ALLOW_HOSTS = hook.host;
    const started = Date.now();
    await clusterUp(l, log);
    console.log(`cluster up in ${((Date.now() - started) / 1000).toFixed(1)}s (${frontendAddress(l)}, API ${apiAddress(l)})`);
    db = createDataSource(serverUrl(l, l.yingjiDb));
    await db.initialize();
    await publishPlanText(db, fs.readFileSync(path.join(__dirname, '..', 'plans', 'run', 'cluster-drill.yaml'), 'utf8'), 'cluster-drill.yaml', 'test');
    const { token } = await issueToken(db, { person: 'zhang-wei', roles: ['commander', 'responder'], teams: ['it-ops'], createdBy: 'test' });
    recordSecret('token', "zhang-wei's cluster test token", token.slice(token.indexOf('.') + 1));
    api = new ApiClient(apiAddress(l), token);
  }, 900_000); // a first run on a machine builds the server (minutes)

  afterAll(async () => {
    await db?.destroy();
    if (l) await clusterDown(l, log);
    await hook?.close();
    for (const [k, v] of [['YINGJI_PLAN_TEST_WEBHOOK_URL', saved.url], ['YINGJI_WEBHOOK_ALLOW_HOSTS', saved.allow]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }, 120_000);

  it('every incident closes after a worker, an API and the history service are SIGKILLed and PostgreSQL restarts: each step, entry and message once', async () => {
    const started = Date.now();
    const ids = await inBatches(Array.from({ length: INCIDENTS }, (_, i) => i), 10, async () => {
      const res = await api.post<{ incident: { id: string } }>('/incidents', { planId: 'cluster-drill' }).catch((err: Error) => {
        throw new Error(`${err.message}\n${logTails(l, [apiName(1), apiName(2), serviceName('frontend'), serviceName('history')])}`);
      });
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

    // PostgreSQL itself restarts while every incident waits on a person; no process of the cluster dies of it.
    const others = [workerName(2), apiName(2), ...['frontend', 'matching', 'worker'].map(serviceName), 'haproxy'];
    const othersBefore = others.map((name) => runningPid(l, name));
    const pgBefore = postgresPid(l);
    expect(stopPostgres(l)).toBe(true);
    await ensurePostgres(l, log);
    expect(postgresPid(l)).not.toBe(pgBefore);
    expect(others.map((name) => runningPid(l, name))).toEqual(othersBefore);

    await inBatches(acks.slice(half), 10, (t) => complete(api, t.id, { checklist: CHECKLIST }));
    await inBatches(ids, 10, async (id) => {
      const review = await openTaskOf(api, id, 'review');
      await complete(api, review.id, { outcome: 'reviewed', findings: [{ text: 'rehearse on the cluster', owner: 'it-ops', due: '2027-03-31' }] });
    });

    type Detail = { incident: { state: string }; timeline: Array<{ kind: string }> };
    const details = await inBatches(ids, 10, (id) =>
      // The closing notice is sent after the incident reads closed.
      eventually(`${id} to close and send its closing notice`, async () => {
        const d = await api.get<Detail>(`/incidents/${id}`).catch(() => undefined);
        return d?.incident.state === 'closed' && d.timeline.length >= CLUSTER_DRILL_TIMELINE.length ? d : undefined;
      }, 120_000),
    );
    for (const d of details) expect(d.timeline.map((e) => e.kind)).toEqual(CLUSTER_DRILL_TIMELINE);
    const repeated: string[] = [];
    for (const id of ids) {
      repeated.push(
        ...(await duplicateTimelineEntries(db, id)),
        ...(await duplicateAuditEntries(db, id)),
        ...(await duplicateDeliveries(db, id)),
        ...(await stepsNotEndedOnce(db, id, ['page-oncall', 'acknowledge-page'])),
      );
    }
    expect(repeated).toEqual([]);

    // The receiver got each incident's page and closing notice once (a message names its incident).
    const perIncident = new Map<string, number>();
    for (const r of hook.received) {
      const id = ids.find((i) => JSON.stringify(r.body).includes(i));
      if (id) perIncident.set(id, (perIncident.get(id) ?? 0) + 1);
    }
    expect(ids.filter((id) => perIncident.get(id) !== 2)).toEqual([]);
    expect(hook.received.length).toBe(2 * ids.length);

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
  }, 1_800_000);
});
