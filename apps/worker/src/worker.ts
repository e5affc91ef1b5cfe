import { NativeConnection, Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../../activities';
import { backupKeyring, backupStore } from '../../shared/backups';
import type { TemporalConfig, YingjiConfig } from '../../shared/config';
import { temporalTls } from '../../shared/temporal-connection';

export const WORKFLOWS_PATH = require.resolve('../../../workflows');

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
  const connection =
    opts.connection ?? (await NativeConnection.connect({ address: opts.temporal.address, tls: temporalTls(opts.temporal) }));
  const worker = await Worker.create({
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
