import { DataSource, DataSourceOptions } from 'typeorm';
import { loadConfig } from '../apps/shared/config';
import { MIGRATIONS } from './index';

type Migrations = NonNullable<DataSourceOptions['migrations']>;

/** A PostgreSQL DataSource whose schema comes only from `migrations` (never synchronize). */
export function migratedDataSource(url: string, migrations: Migrations, migrationsTableName: string, entities: DataSourceOptions['entities'] = [], max = 20): DataSource {
  return new DataSource({ type: 'postgres', url, entities, migrations, migrationsTableName, synchronize: false, migrationsRun: false, extra: { max } });
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
