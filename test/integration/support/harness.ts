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
import { PlansService } from '../../../apps/api/src/plans/plans.service';
import { loadConfig, PROJECT_ROOT, YingjiConfig } from '../../../apps/shared/config';
import { createWorker } from '../../../apps/worker/src/worker';
import { createDataSource, runMigrations } from '../../../migrations/data-source';
import { dropDatabase, ensureDatabase } from '../../../scripts/stack/postgres';
import { testStackEnv } from './test-stack';

export interface Harness {
  config: YingjiConfig;
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
  await app.init();
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const harness: Harness = {
    config,
    app,
    http: request(app.getHttpServer()),
    db,
    temporal,
    databaseName,
    processEnv,
    async startWorker() {
      const created = await createWorker({ temporal: config.temporal, taskQueue: config.taskQueue, dataSource: db, workflowBundlePath: stack.workflowBundlePath });
      worker = created.worker;
      running = worker.run().finally(() => created.connection.close());
    },
    async stopWorker() {
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      worker = undefined;
    },
    async publishPlan(file: string) {
      const text = fs.readFileSync(path.join(PROJECT_ROOT, 'plans', file), 'utf8');
      await app.get(PlansService).publish(text, file, 'test');
    },
    async close() {
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
