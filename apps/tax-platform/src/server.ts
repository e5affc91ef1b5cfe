// Starting the simulator: its database is created when missing and migrated, then it listens.
// main.ts runs it as a process; tests call startTaxPlatform in-process.
import type { AddressInfo } from 'node:net';
import { resilientPool } from '../../shared/pg-pool';
import { adminUrlFor } from '../../../activities/invoices/database';
import { runTaxPlatformMigrations } from '../../../migrations/tax-platform/data-source';
import { canConnect, ensureDatabase } from '../../../scripts/stack/postgres';
import { createTaxPlatformApp } from './app';
import { isLoopback } from '../../shared/listen';

export interface TaxPlatformOptions {
  databaseUrl: string;
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  adminToken?: string;
}

export interface RunningTaxPlatform {
  url: string;
  port: number;
  stop: () => Promise<void>;
}

export async function startTaxPlatform(opts: TaxPlatformOptions): Promise<RunningTaxPlatform> {
  const host = opts.host ?? '127.0.0.1';
  // Faults and counters decide what a drill proves: off loopback, nobody may switch them without the secret.
  if (!opts.adminToken && !isLoopback(host)) throw new Error(`listening on ${host} needs TAX_PLATFORM_ADMIN_TOKEN for the /_sim admin calls (or listen on loopback)`);
  if (!(await canConnect(opts.databaseUrl))) {
    const { adminUrl, database } = adminUrlFor(opts.databaseUrl);
    await ensureDatabase(adminUrl, database);
  }
  await runTaxPlatformMigrations(opts.databaseUrl);
  const db = resilientPool({ connectionString: opts.databaseUrl, max: 10 }, 'the simulator\'s database');
  const app = createTaxPlatformApp(db, { adminToken: opts.adminToken });
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const s = app.listen(opts.port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.end();
    },
  };
}
