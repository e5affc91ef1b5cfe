// Opening the invoice database: create it when missing (embedded stack, scratch restores), migrate.
import { canConnect, ensureDatabase } from '../../scripts/stack/postgres';
import { Client, Pool, PoolClient } from 'pg';
import { runInvoiceMigrations } from '../../migrations/invoices/data-source';

/** `fn` in one transaction on a connection of `pool`: committed when it returns, rolled back when it throws. */
export async function inPoolTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/** One connection to `url` for the length of `fn`, closed whatever happens. */
export async function withDatabase<T>(url: string, fn: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end().catch(() => undefined);
  }
}

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
export async function prepareInvoiceDatabase(url: string): Promise<{ created: boolean; migrations: string[]; rebuilt?: string }> {
  let created = false;
  if (!(await canConnect(url))) {
    const { adminUrl, database } = adminUrlFor(url);
    await ensureDatabase(adminUrl, database);
    created = true;
  }
  const migrations = await runInvoiceMigrations(url);
  const rebuilt = await rebuildIfTablesLost(url);
  return rebuilt ? { created, migrations: await runInvoiceMigrations(url), rebuilt } : { created, migrations };
}

/**
 * A database whose migrations ran but whose `invoices` or `invoice_changes` table is gone (dropped by
 * mistake, or by a drill's drop-table fault) cannot take a restore: what is left of its schema is
 * dropped so that the migrations build it again, as a DBA would recreate it before restoring.
 */
async function rebuildIfTablesLost(url: string): Promise<string | undefined> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const r = await db.query(`SELECT to_regclass('public.invoices') IS NULL AS inv, to_regclass('public.invoice_changes') IS NULL AS chg`);
    const lost = [r.rows[0].inv && 'invoices', r.rows[0].chg && 'invoice_changes'].filter(Boolean);
    if (!lost.length) return undefined;
    await db.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    return `rebuilt the schema: table ${lost.join(' and ')} was missing`;
  } finally {
    await db.end();
  }
}
