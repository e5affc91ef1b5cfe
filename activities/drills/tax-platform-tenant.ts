// A live drill's own tenant of the tax-platform simulator (named after its sandbox database, the
// tenant the plan's actions use in the drill): copied from production's tenant for the sandbox's
// taxpayers, faulted for the drill only, measured, and dropped with the sandbox. Production's
// tenant is only ever read.
import { Client } from 'pg';
import { SANDBOX_PATTERN } from './sandbox';
import type { SimulatorSetting } from '../../domain/drill/tax-faults';

/** Where the simulator is (config.taxPlatformUrl) and its admin secret (TAX_PLATFORM_ADMIN_TOKEN). */
export interface SimulatorAccess {
  url: string;
  adminToken?: string;
}

const TENANT_HEADER = 'x-sim-tenant';
const CALL_TIMEOUT_MS = 30_000;

/** One admin call for the tenant; its data, or an error naming the call and the simulator's answer (never the token). */
async function admin<T>(sim: SimulatorAccess, tenant: string, what: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  if (!SANDBOX_PATTERN.test(tenant)) throw new Error(`"${tenant}" is not a drill's tenant (drill_…): a drill never touches another tenant`);
  const headers: Record<string, string> = { accept: 'application/json', [TENANT_HEADER]: tenant };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (sim.adminToken) headers.authorization = `Bearer ${sim.adminToken}`;
  let res: Response;
  try {
    res = await fetch(`${sim.url.replace(/\/$/, '')}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
  } catch (err) {
    throw new Error(`tax-platform simulator at ${sim.url}: ${what} for tenant ${tenant} got no answer: ${(err as Error).message}`);
  }
  const text = await res.text();
  let answer: { code?: string; message?: string; data?: T } | undefined;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  if (!res.ok || answer?.code !== '00') {
    throw new Error(`tax-platform simulator at ${sim.url}: ${what} for tenant ${tenant} refused: HTTP ${res.status} ${answer?.message ?? text.slice(0, 200)}`);
  }
  return answer.data as T;
}

/**
 * The tenant starts over as a copy of production's tenant for the sellers of the sandbox's invoices,
 * so an invoice the sandbox has as synced is on the platform there too. Answers how many it copied.
 */
export async function seedDrillTenant(sim: SimulatorAccess, sandboxUrl: string, tenant: string): Promise<{ taxpayers: number; invoices: number }> {
  const db = new Client({ connectionString: sandboxUrl });
  await db.connect();
  let taxpayers: string[];
  try {
    taxpayers = (await db.query<{ t: string }>('SELECT DISTINCT seller_tax_id AS t FROM invoices ORDER BY 1')).rows.map((r) => r.t);
  } finally {
    await db.end().catch(() => undefined);
  }
  const r = await admin<{ invoices: number }>(sim, tenant, 'copying production’s tenant', 'POST', '/_sim/tenant/copy', { taxpayers });
  return { taxpayers: taxpayers.length, invoices: r.invoices };
}

/** Switches the fault on in the drill's tenant until `until` (an instant, so a retry does not push it later). */
export async function setDrillTenantFault(sim: SimulatorAccess, tenant: string, setting: SimulatorSetting, until: Date): Promise<void> {
  await admin(sim, tenant, `switching on fault ${setting.kind}`, 'POST', '/_sim/faults', { ...setting, until: until.toISOString() });
}

export interface TenantCounters {
  uploads: number;
  alreadyExists: number;
  duplicateSerials: number;
}

export async function drillTenantCounters(sim: SimulatorAccess, tenant: string): Promise<TenantCounters> {
  const s = await admin<{ total: TenantCounters }>(sim, tenant, 'reading the counters', 'GET', '/_sim/stats');
  return { uploads: s.total.uploads, alreadyExists: s.total.alreadyExists, duplicateSerials: s.total.duplicateSerials };
}

/** Faults on now in the tenant, and those that lifted by themselves (with their `until`). */
export async function drillTenantFaults(sim: SimulatorAccess, tenant: string): Promise<{ faults: Array<{ kind: string; until?: string }>; lifted: Array<{ kind: string; until: string }> }> {
  return admin(sim, tenant, 'reading the faults', 'GET', '/_sim/faults');
}

export async function dropDrillTenant(sim: SimulatorAccess, tenant: string): Promise<void> {
  await admin(sim, tenant, 'dropping the tenant', 'DELETE', '/_sim/tenant');
}
