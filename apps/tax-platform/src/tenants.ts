// A tenant's whole state, for drills: a drill's tenant starts as a copy of what another tenant
// (production's) holds for some taxpayers, and is dropped with the drill's sandbox.
import type { Pool } from 'pg';
import { PlatformError, SIM_CODES } from './codes';
import { creditCodeMessage } from './validation';

/** A drill's sandbox holds the taxpayers of production's invoice data: a few hundred at most. */
export const MAX_COPY_TAXPAYERS = 10_000;

const bad = (message: string) => new PlatformError(SIM_CODES.BAD_REQUEST, message);

/** The credit codes of a copy request, or a 400 naming the first wrong one and where. */
export function parseTaxpayers(v: unknown): string[] {
  if (!Array.isArray(v) || v.length > MAX_COPY_TAXPAYERS) throw bad(`taxpayers must be a list of at most ${MAX_COPY_TAXPAYERS} credit codes`);
  v.forEach((code, i) => {
    const problem = creditCodeMessage(code);
    if (problem) throw bad(`taxpayers[${i}] ${problem}`);
  });
  return [...new Set(v as string[])];
}

/** Everything the tenant holds, gone: uploads and their results, invoices, faults, counters, declarations. */
export async function dropTenant(db: Pool, tenant: string): Promise<void> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await deleteTenant(client, tenant);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function deleteTenant(client: { query: Pool['query'] }, tenant: string): Promise<void> {
  await client.query('DELETE FROM tp_upload_results WHERE sllsh IN (SELECT sllsh FROM tp_uploads WHERE tenant = $1)', [tenant]);
  for (const table of ['tp_uploads', 'tp_invoices', 'tp_faults', 'tp_counters', 'tp_declarations']) await client.query(`DELETE FROM ${table} WHERE tenant = $1`, [tenant]);
}

/**
 * The tenant starts over as a copy of the invoices `from` holds where one of `taxpayers` is the
 * seller or the buyer (visible or not yet, as there). Counters, uploads and faults start empty: what
 * the drill does is counted from zero. One transaction: a retry gives the same tenant.
 */
export async function copyTenant(db: Pool, tenant: string, from: string, taxpayers: string[]): Promise<{ invoices: number }> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await deleteTenant(client, tenant);
    const r = await client.query(
      `INSERT INTO tp_invoices (tenant, fphm, kprq, period, xsfnsrsbh, gmfnsrsbh, hjje, hjse, jshj, lzfphm, sllsh, visible_at)
       SELECT $1, fphm, kprq, period, xsfnsrsbh, gmfnsrsbh, hjje, hjse, jshj, lzfphm, sllsh, visible_at
         FROM tp_invoices WHERE tenant = $2 AND (xsfnsrsbh = ANY($3::char(18)[]) OR gmfnsrsbh = ANY($3::char(18)[]))`,
      [tenant, from, taxpayers],
    );
    await client.query('COMMIT');
    return { invoices: r.rowCount ?? 0 };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
