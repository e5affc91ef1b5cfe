import { DataSource, DataSourceOptions } from 'typeorm';
import { loadConfig } from '../../apps/shared/config';
import { applyMigrations, migratedDataSource } from '../data-source';
import { INVOICE_CHANGE_TRIGGER, INVOICE_MIGRATIONS } from './index';

export { INVOICE_CHANGE_TRIGGER, INVOICE_MIGRATIONS };

/**
 * The one way to open the invoice database (the e-invoice system's data, separate from the Yingji
 * database): schema comes from its own migrations, recorded in its own `invoice_migrations` table
 * so the two histories never mix even if both point at one database.
 */
export function createInvoiceDataSource(url: string, entities: DataSourceOptions['entities'] = []): DataSource {
  return migratedDataSource(url, INVOICE_MIGRATIONS, 'invoice_migrations', entities, 10);
}

export function runInvoiceMigrations(url: string): Promise<string[]> {
  return applyMigrations(createInvoiceDataSource(url));
}

/** For the typeorm CLI (`npx typeorm migration:show -d dist/migrations/invoices/data-source.js`). */
export default createInvoiceDataSource(loadConfig().invoiceDatabaseUrl);
