import { DataSource, DataSourceOptions } from 'typeorm';
import { loadConfig } from '../apps/shared/config';
import { MIGRATIONS } from './index';

type Migrations = NonNullable<DataSourceOptions['migrations']>;

/**
 * Connections a DataSource may open (node-postgres opens them on demand). The worker's activities
 * (20 slots + 4 local, apps/worker/src/worker.ts, which refuses a smaller pool) each hold at most one;
 * the rest is headroom. A few processes with this pool stay well within the stack's max_connections (200).
 */
export const DATABASE_POOL_SIZE = 30;

/** A PostgreSQL DataSource whose schema comes only from `migrations` (never synchronize). */
export function migratedDataSource(url: string, migrations: Migrations, migrationsTableName: string, entities: DataSourceOptions['entities'] = [], max = DATABASE_POOL_SIZE): DataSource {
  return new DataSource({ type: 'postgres', url, entities, migrations, migrationsTableName, synchronize: false, migrationsRun: false, extra: { max } });
}

/** The pool size a DataSource was opened with (node-postgres' own default is 10). */
export function poolSizeOf(ds: DataSource): number {
  const max = (ds.options as { extra?: { max?: unknown } }).extra?.max;
  return typeof max === 'number' ? max : 10;
}

/** Applies what is pending, one transaction per migration; returns the names applied now. */
export async function applyMigrations(ds: DataSource): Promise<string[]> {
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

/** The one way to open the Yingji database. */
export function createDataSource(url: string, entities: DataSourceOptions['entities'] = []): DataSource {
  return migratedDataSource(url, MIGRATIONS, 'migrations', entities);
}

export function runMigrations(url: string): Promise<string[]> {
  return applyMigrations(createDataSource(url));
}

/** For the typeorm CLI (`npx typeorm migration:show -d dist/migrations/data-source.js`). */
export default createDataSource(loadConfig().databaseUrl);
