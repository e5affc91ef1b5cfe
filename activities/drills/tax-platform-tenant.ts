// A live drill's own tenant of the tax-platform simulator (named after its sandbox database, the
// tenant the plan's actions use in the drill): copied from production's tenant for the sandbox's
// taxpayers, faulted for the drill only, measured, and dropped with the sandbox. Production's
// tenant is only ever read.
import { SANDBOX_PATTERN } from './sandbox';
import type { SimulatorSetting } from '../../domain/drill/tax-faults';
import { withDatabase } from '../invoices/database';
import { createTaxPlatformClient } from '../tax-platform/client';
import type { TaxPlatformClient } from '../tax-platform/client';

/** Where the simulator is (config.taxPlatformUrl) and its admin secret (TAX_PLATFORM_ADMIN_TOKEN). */
export interface SimulatorAccess {
  url: string;
  adminToken?: string;
}

/**
 * One of the simulator's admin calls, for a drill's tenant only (the client's, with a few quick
 * retries); a failure names the simulator and the tenant (never the token).
 */
async function atSimulator<T>(sim: SimulatorAccess, tenant: string, call: (admin: TaxPlatformClient['sim']) => Promise<T>): Promise<T> {
  if (!SANDBOX_PATTERN.test(tenant)) throw new Error(`"${tenant}" is not a drill's tenant (drill_…): a drill never touches another tenant`);
  const client = createTaxPlatformClient({ baseUrl: sim.url, tenant, adminToken: sim.adminToken, timeoutMs: 30_000, retry: { maxAttempts: 3, initialDelayMs: 200, maxDelayMs: 1_000 } });
  try {
    return await call(client.sim);
  } catch (err) {
    throw new Error(`tax-platform simulator at ${sim.url}, tenant ${tenant}: ${(err as Error).message}`);
  }
}

/**
 * The tenant starts over as a copy of production's tenant for the sellers of the sandbox's invoices,
 * so an invoice the sandbox has as synced is on the platform there too. Answers how many it copied.
 */
export async function seedDrillTenant(sim: SimulatorAccess, sandboxUrl: string, tenant: string): Promise<{ taxpayers: number; invoices: number }> {
  const taxpayers = await withDatabase(sandboxUrl, async (db) => (await db.query<{ t: string }>('SELECT DISTINCT seller_tax_id AS t FROM invoices ORDER BY 1')).rows.map((r) => r.t));
  const r = await atSimulator(sim, tenant, (admin) => admin.copyTenant(taxpayers));
  return { taxpayers: taxpayers.length, invoices: r.invoices };
}

/** Switches the fault on in the drill's tenant until `until` (an instant, so a retry does not push it later). */
export async function setDrillTenantFault(sim: SimulatorAccess, tenant: string, setting: SimulatorSetting, until: Date): Promise<void> {
  await atSimulator(sim, tenant, (admin) => admin.setFault({ ...setting, until: until.toISOString() }));
}

export interface TenantCounters {
  uploads: number;
  alreadyExists: number;
  duplicateSerials: number;
}

export async function drillTenantCounters(sim: SimulatorAccess, tenant: string): Promise<TenantCounters> {
  const s = await atSimulator(sim, tenant, (admin) => admin.stats());
  return { uploads: s.total.uploads, alreadyExists: s.total.alreadyExists, duplicateSerials: s.total.duplicateSerials };
}

/** Faults on now in the tenant, and those that lifted by themselves (with their `until`). */
export async function drillTenantFaults(sim: SimulatorAccess, tenant: string): Promise<{ faults: Array<{ kind: string; until?: string }>; lifted: Array<{ kind: string; until: string }> }> {
  return atSimulator(sim, tenant, (admin) => admin.faults());
}

export async function dropDrillTenant(sim: SimulatorAccess, tenant: string): Promise<void> {
  await atSimulator(sim, tenant, (admin) => admin.dropTenant());
}
