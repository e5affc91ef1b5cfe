import { DataSource, DataSourceOptions } from 'typeorm';
import { loadConfig } from '../../apps/shared/config';
import { INVOICE_CHANGE_TRIGGER, INVOICE_MIGRATIONS } from './index';

export { INVOICE_CHANGE_TRIGGER, INVOICE_MIGRATIONS };

/**
 * The one way to open the invoice database (the e-invoice system's data, separate from the Yingji
 * database): schema comes from its own migrations, recorded in its own `invoice_migrations` table
 * so the two histories never mix even if both point at one database.
 */
export function createInvoiceDataSource(url: string, entities: DataSourceOptions['entities'] = []): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations: INVOICE_MIGRATIONS,
    migrationsTableName: 'invoice_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: 10 },
  });
}

export async function runInvoiceMigrations(url: string): Promise<string[]> {
  const ds = createInvoiceDataSource(url);
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

/** For the typeorm CLI (`npx typeorm migration:show -d dist/migrations/invoices/data-source.js`). */
export default createInvoiceDataSource(loadConfig().invoiceDatabaseUrl);
