// One test file's world: its own database (migrated), its own task queue, the real API app and
// (unless a test brings its own) an in-process worker, all against the run's real servers.
import type { INestApplication } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp } from '../../../apps/api/src/app';
import { issueToken } from '../../../apps/api/src/auth/token-store';
import { PlansService } from '../../../apps/api/src/plans/plans.service';
import { loadConfig, PROJECT_ROOT, YingjiConfig } from '../../../apps/shared/config';
import { createWorker } from '../../../apps/worker/src/worker';
import { createDataSource, runMigrations } from '../../../migrations/data-source';
import { dropDatabase, ensureDatabase } from '../../../scripts/stack/postgres';
import { recordBackupKeys, recordSecret } from '../../after-run/secrets';
import { testStackEnv } from './test-stack';

/** An HTTP client that calls the API as one person (with their bearer token). */
export interface As {
  token: string;
  get(path: string): request.Test;
  post(path: string, body?: object | string): request.Test;
}

export interface Harness {
  config: YingjiConfig;
  /** The API listening on loopback, for clients that speak real HTTP (the CLI's ApiClient). */
  baseUrl: string;
  app: INestApplication;
  http: ReturnType<typeof request>;
  db: DataSource;
  temporal: Client;
  databaseName: string;
  /** Env for a worker process spawned by the test. */
  processEnv: NodeJS.ProcessEnv;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  publishPlan(file: string): Promise<void>;
  /** Issues a token and returns a client acting as that person (a simulated responder with `simulated`). */
  as(person: string, roles: string[], teams?: string[], opts?: { simulated?: boolean }): Promise<As>;
  close(): Promise<void>;
}

/** Worker logs at WARN: test output shows failures, not every state change. */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed in this process
  }
}

export async function startHarness(opts: { worker?: boolean; temporalAddress?: string } = {}): Promise<Harness> {
  quietRuntime();
  const stack = testStackEnv();
  const suffix = randomBytes(4).toString('hex');
  const databaseName = `yingji_test_${suffix}`;
  await ensureDatabase(stack.pgAdminUrl, databaseName);
  const databaseUrl = stack.pgAdminUrl.replace(/\/postgres$/, `/${databaseName}`);
  await runMigrations(databaseUrl);

  const processEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: opts.temporalAddress ?? stack.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    YINGJI_TASK_QUEUE: `yingji-test-${suffix}`,
    YINGJI_DATA_DIR: path.join(stack.runDir, suffix),
  };
  const config = loadConfig(processEnv);
  const db = createDataSource(databaseUrl);
  await db.initialize();
  const app = await createApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  const baseUrl = await app.getUrl();
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const harness: Harness = {
    config,
    baseUrl: baseUrl.replace('[::1]', '127.0.0.1'),
    app,
    http: request(app.getHttpServer()),
    db,
    temporal,
    databaseName,
    processEnv,
    async startWorker() {
      const created = await createWorker({ temporal: config.temporal, taskQueue: config.taskQueue, dataSource: db, config, workflowBundlePath: stack.workflowBundlePath });
      worker = created.worker;
      running = worker.run().finally(() => created.connection.close());
    },
    async stopWorker() {
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      worker = undefined;
    },
    async publishPlan(file: string) {
      // A bare name is a shipped plan; a path is relative to the project (test plans).
      const full = file.includes('/') ? path.join(PROJECT_ROOT, file) : path.join(PROJECT_ROOT, 'plans', file);
      await app.get(PlansService).publish(fs.readFileSync(full, 'utf8'), path.basename(file), 'test');
    },
    async as(person: string, roles: string[], teams: string[] = [], opts: { simulated?: boolean } = {}) {
      const { token } = await issueToken(db, { person, roles, teams, createdBy: 'test', simulated: opts.simulated });
      recordSecret('token', `${person}'s test token`, token.slice(token.indexOf('.') + 1));
      const auth = `Bearer ${token}`;
      const http = request(app.getHttpServer());
      return {
        token,
        get: (path: string) => http.get(path).set('Authorization', auth),
        post: (path: string, body?: object | string) => {
          const req = http.post(path).set('Authorization', auth);
          return body === undefined ? req : req.send(body);
        },
      };
    },
    async close() {
      // The keys this world's workers used, for the after-run log scan.
      recordBackupKeys(processEnv, path.join(config.dataDir, 'backup-keys.json'));
      await harness.stopWorker();
      await app.close();
      await connection.close();
      await db.destroy();
      await dropDatabase(stack.pgAdminUrl, databaseName);
    },
  };
  if (opts.worker !== false) await harness.startWorker();
  return harness;
}

/** Polls until `check` returns a value (not undefined), or fails naming what it waited for. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Row counts of every read model: a refused request must leave them unchanged. */
export async function tableCounts(db: DataSource): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['plan_versions', 'incidents', 'tasks', 'timeline_entries', 'audit_entries']) {
    out[t] = Number((await db.query(`SELECT count(*)::int AS n FROM ${t}`))[0].n);
  }
  return out;
}

/** The incident's workflow reaches COMPLETED in Temporal (shortly after its last activity). */
export async function workflowCompleted(h: Harness, workflowId: string): Promise<void> {
  const status = await eventually(`workflow ${workflowId} to complete`, async () => {
    const name = (await h.temporal.workflow.getHandle(workflowId).describe()).status.name;
    return name === 'RUNNING' ? undefined : name;
  });
  expect(status).toBe('COMPLETED');
}

type TaskRow = { id: string; state: string; kind: string; stepId: string; team: string; options?: string[] | null; checklist: string[]; failure?: string | null; deadlineAt?: string | null };

/** Waits for an open (or failed) task of the incident, seen through this person's inbox. */
export async function openTask(as: As, incidentId: string, pick: (t: TaskRow) => boolean = () => true, timeoutMs?: number): Promise<TaskRow> {
  return eventually(
    `an open task of ${incidentId}`,
    async () => {
      const rows: TaskRow[] = (await as.get(`/tasks?incidentId=${incidentId}`).expect(200)).body;
      return rows.find((t) => (t.state === 'open' || t.state === 'failed') && pick(t));
    },
    timeoutMs,
  );
}

/** The commander holds the review (with one finding) and the incident closes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function reviewAndClose(commander: As, incidentId: string): Promise<Record<string, any>> {
  const review = await openTask(commander, incidentId, (t) => t.kind === 'review');
  await commander
    .post(`/tasks/${review.id}/complete`, { outcome: 'reviewed', findings: [{ text: 'rehearse this quarterly', owner: 'it-ops', due: '2027-03-31' }] })
    .expect(200);
  return eventually(`${incidentId} to close`, async () => {
    const d = (await commander.get(`/incidents/${incidentId}`).expect(200)).body;
    return d.incident.state === 'closed' ? d : undefined;
  }, 60_000);
}

/** The hello drill's timeline, event by event, from launch to close (one manual task, then the review). */
export const HELLO_TIMELINE = [
  'incident.opened',
  'incident.classified',
  'incident.stage',
  'incident.assigned',
  'incident.stage',
  'step.running',
  'task.opened',
  'task.completed',
  'step.done',
  'incident.stage',
  'incident.stage',
  'task.opened',
  'task.completed',
  'review.findings',
  'incident.closed',
];
