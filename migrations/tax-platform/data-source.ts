import { DataSource } from 'typeorm';
import { taxPlatformConfig } from '../../apps/tax-platform/src/config';
import { applyMigrations, migratedDataSource } from '../data-source';
import { TAX_PLATFORM_MIGRATIONS } from './index';

export { TAX_PLATFORM_MIGRATIONS };

/**
 * The one way to open the simulator's database (the platform's side, never Yingji's or the
 * invoice system's): its history is kept in its own `tax_platform_migrations` table.
 */
export function createTaxPlatformDataSource(url: string): DataSource {
  return migratedDataSource(url, TAX_PLATFORM_MIGRATIONS, 'tax_platform_migrations', [], 2);
}

export function runTaxPlatformMigrations(url: string): Promise<string[]> {
  return applyMigrations(createTaxPlatformDataSource(url));
}

/** For the typeorm CLI (`npx typeorm migration:show -d dist/migrations/tax-platform/data-source.js`). */
export default createTaxPlatformDataSource(taxPlatformConfig().databaseUrl);
