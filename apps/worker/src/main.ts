// apps/worker: polls the `yingji` task queue and runs emergency plans.
import 'reflect-metadata';
import { loadConfig } from '../../shared/config';
import { createDataSource } from '../../../migrations/data-source';
import { createWorker } from './worker';

async function main() {
  const config = loadConfig();
  const ds = createDataSource(config.databaseUrl);
  await ds.initialize();
  const { worker, connection } = await createWorker({ temporal: config.temporal, taskQueue: config.taskQueue, dataSource: ds, config });
  console.log(`worker: polling task queue "${config.taskQueue}" on ${config.temporal.address} (namespace ${config.temporal.namespace})`);
  try {
    await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks are done
  } finally {
    await connection.close();
    await ds.destroy();
  }
}

main().catch((err) => {
  console.error('worker failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
