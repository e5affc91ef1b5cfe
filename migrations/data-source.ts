import { DataSource, DataSourceOptions } from 'typeorm';
import { loadConfig } from '../apps/shared/config';
import { MIGRATIONS } from './index';

/** The one way to open the Yingji database: schema comes from migrations, never synchronize. */
export function createDataSource(url: string, entities: DataSourceOptions['entities'] = []): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: 20 },
  });
}

export async function runMigrations(url: string): Promise<string[]> {
  const ds = createDataSource(url);
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

/** For the typeorm CLI (`npx typeorm migration:show -d dist/migrations/data-source.js`). */
export default createDataSource(loadConfig().databaseUrl);
