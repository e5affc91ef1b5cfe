import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../../activities';
import { backupKeyring, backupStore } from '../../shared/backups';
import type { TemporalConfig, YingjiConfig } from '../../shared/config';
import { temporalTls } from '../../shared/temporal-connection';
import { DATABASE_POOL_SIZE, poolSizeOf } from '../../../migrations/data-source';

export const WORKFLOWS_PATH = require.resolve('../../../workflows');

/**
 * Slots, cache and pollers of every Yingji worker (and of bench/incidents' peer, so the two cannot
 * drift), sized for a small machine (2 CPUs) running Temporal, PostgreSQL, the API and the worker.
 */
export const WORKER_TUNING = {
  // A started workflow task must finish within its 10 s timeout or it is retried from scratch. With
  // 20 at once on a busy 2-CPU machine they queued past it (bench/incidents 500/50: 23 timeouts, tasks
  // waiting 70 s); with 10 none did and the rest wait in the server, where waiting costs nothing.
  maxConcurrentWorkflowTaskExecutions: 10,
  // Activations run on these threads: one per CPU (the SDK's default is 1 when it reuses the V8 context).
  workflowThreadPoolSize: 2,
  // Activities mostly wait on PostgreSQL: each holds one pool connection, so slots stay below the pool.
  maxConcurrentActivityTaskExecutions: 20,
  // Local activities (none yet) would take connections from the same pool: a few, counted in it too.
  maxConcurrentLocalActivityExecutions: 4,
  // Every open incident waits on people for minutes: keep 1,000 in the cache (about 1 MB each) so a
  // completion never replays a whole history; the SDK's default follows the heap and may be far lower.
  maxCachedWorkflows: 1000,
  // One local server answers polls at once: a few long polls keep the slots fed without idle load.
  workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 8 },
  activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 8 },
} as const satisfies Partial<WorkerOptions>;

/** Connections activities may hold at once: the worker's pool must have at least this many. */
export const ACTIVITY_CONNECTIONS = WORKER_TUNING.maxConcurrentActivityTaskExecutions + WORKER_TUNING.maxConcurrentLocalActivityExecutions;

/** Refuses a pool smaller than the activity slots that use it (they would queue for connections, unseen). */
export function assertPoolFitsSlots(dataSource: DataSource): void {
  const pool = poolSizeOf(dataSource);
  if (pool < ACTIVITY_CONNECTIONS) {
    throw new Error(`the worker's database pool has ${pool} connections for ${ACTIVITY_CONNECTIONS} activity slots; open it with createDataSource (pool ${DATABASE_POOL_SIZE})`);
  }
}

/** A worker for the Yingji task queue: every workflow, activities bound to the database. */
export async function createWorker(opts: {
  temporal: TemporalConfig;
  taskQueue: string;
  config: Pick<YingjiConfig, 'directoryFile' | 'webhook' | 'webhookEgress' | 'invoiceDatabaseUrl' | 'drillDatabaseUrl' | 'dataDir' | 'taxPlatformUrl'>;
  dataSource: DataSource;
  connection?: NativeConnection;
  /** A prebuilt bundle (tests bundle once per run); otherwise workflows are bundled at start. */
  workflowBundlePath?: string;
}) {
  assertPoolFitsSlots(opts.dataSource);
  const connection =
    opts.connection ?? (await NativeConnection.connect({ address: opts.temporal.address, tls: temporalTls(opts.temporal) }));
  const worker = await Worker.create({
    ...WORKER_TUNING,
    connection,
    namespace: opts.temporal.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundlePath ? { workflowBundle: { codePath: opts.workflowBundlePath } } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(opts.dataSource, opts.config, {
      store: backupStore(opts.config),
      keyring: () => backupKeyring(opts.config),
    }),
  });
  return { worker, connection };
}
