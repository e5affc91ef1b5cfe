// The simulator's own counters (GET /_sim/stats), per tenant and taxpayer, so a test or a drill
// can prove a resync uploaded nothing twice.
import type { Pool, PoolClient } from 'pg';
import type { PlatformCounters } from '../../../activities/tax-platform/wire';

export const COUNTERS = ['uploads', 'invoices', 'duplicate_serials', 'already_exists', 'drops'] as const;
export type Counter = (typeof COUNTERS)[number];

/** One taxpayer's counters, in the wire contract's shape (activities/tax-platform/wire.ts). */
export type TaxpayerStats = PlatformCounters;

export async function count(db: Pool | PoolClient, tenant: string, nsrsbh: string, add: Partial<Record<Counter, number>>): Promise<void> {
  const cols = COUNTERS.filter((c) => add[c]);
  if (!cols.length) return;
  await db.query(
    `INSERT INTO tp_counters (tenant, nsrsbh, ${cols.join(', ')}) VALUES ($1, $2, ${cols.map((_, i) => `$${i + 3}`).join(', ')})
     ON CONFLICT (tenant, nsrsbh) DO UPDATE SET ${cols.map((c) => `${c} = tp_counters.${c} + EXCLUDED.${c}`).join(', ')}`,
    [tenant, nsrsbh, ...cols.map((c) => add[c])],
  );
}

function toStats(r: Record<Counter, string | number>): TaxpayerStats {
  const n = (c: Counter) => Number(r[c]);
  return {
    uploads: n('uploads'),
    invoices: n('invoices'),
    duplicatesRefused: n('duplicate_serials') + n('already_exists'),
    duplicateSerials: n('duplicate_serials'),
    alreadyExists: n('already_exists'),
    drops: n('drops'),
  };
}

export async function stats(db: Pool, tenant: string): Promise<{ tenant: string; total: TaxpayerStats; byTaxpayer: Record<string, TaxpayerStats> }> {
  const rows = (await db.query(`SELECT nsrsbh, ${COUNTERS.join(', ')} FROM tp_counters WHERE tenant = $1 ORDER BY nsrsbh`, [tenant])).rows;
  const zero = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;
  const total = rows.reduce((acc, r) => Object.fromEntries(COUNTERS.map((c) => [c, acc[c] + Number(r[c])])) as Record<Counter, number>, zero);
  return { tenant, total: toStats(total), byTaxpayer: Object.fromEntries(rows.map((r) => [r.nsrsbh, toStats(r)])) };
}
