// Opening the invoice database: create it when missing (embedded stack, scratch restores), migrate.
import { canConnect, ensureDatabase } from '../../scripts/stack/postgres';
import { runInvoiceMigrations } from '../../migrations/invoices/data-source';

/** The server's `postgres` maintenance database next to `url`'s database, and that database's name. */
export function adminUrlFor(url: string): { adminUrl: string; database: string } {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database) throw new Error('the invoice database URL names no database');
  u.pathname = '/postgres';
  return { adminUrl: u.toString(), database };
}

/**
 * Makes `url` usable: creates its database through the server's `postgres` database if it cannot
 * be reached (it may just not exist yet), then applies the invoice migrations. Returns the
 * migrations applied now (empty when the schema was up to date).
 */
export async function prepareInvoiceDatabase(url: string): Promise<{ created: boolean; migrations: string[] }> {
  let created = false;
  if (!(await canConnect(url))) {
    const { adminUrl, database } = adminUrlFor(url);
    await ensureDatabase(adminUrl, database);
    created = true;
  }
  return { created, migrations: await runInvoiceMigrations(url) };
}
