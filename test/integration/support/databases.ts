// The run's PostgreSQL as tests reach it directly: the admin URL, another database on the same
// server, and one query on a connection of its own (for invoice databases, restore targets, sandboxes).
import { Client } from 'pg';
import { testStackEnv } from './test-stack';

/** The run's server, connected to its `postgres` database. */
export const adminUrl = (): string => testStackEnv().pgAdminUrl;

/** Another database on the run's server. */
export const urlOf = (db: string): string => adminUrl().replace(/\/postgres$/, `/${db}`);

/** One query on a connection of its own, closed afterwards. */
export async function queryUrl<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query(sql, params)).rows as T[];
  } finally {
    await db.end();
  }
}
