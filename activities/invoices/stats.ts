// What the invoice database holds: rows per restore priority class, status and sync status.
import { Client } from 'pg';
import { INVOICE_STATUSES, PRIORITY_CLASSES, SYNC_STATUSES, priorityClassCaseSql } from '../../domain/einvoice';
import type { InvoiceStatus, PriorityClass, SyncStatus } from '../../domain/einvoice';

export interface InvoiceStats {
  /** The instant the classes were computed at. */
  now: string;
  total: number;
  byClass: Record<PriorityClass, number>;
  byStatus: Record<InvoiceStatus, number>;
  bySyncStatus: Record<SyncStatus, number>;
  /** Red-letter invoices (original_invoice_no set). */
  redLetter: number;
  /** Entries in the change log (invoice_changes). */
  changes: number;
}

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export async function invoiceStats(url: string, now: Date | string = new Date()): Promise<InvoiceStats> {
  const at = new Date(now);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // One scan, grouped by everything at once.
    const { rows } = await client.query<{ cls: PriorityClass; status: InvoiceStatus; sync_status: SyncStatus; red: boolean; n: string }>(`
      SELECT ${priorityClassCaseSql(at)} AS cls, status, sync_status, original_invoice_no IS NOT NULL AS red, count(*)::text AS n
      FROM invoices GROUP BY 1, 2, 3, 4`);
    const stats: InvoiceStats = {
      now: at.toISOString(),
      total: 0,
      byClass: zeros(PRIORITY_CLASSES),
      byStatus: zeros(INVOICE_STATUSES),
      bySyncStatus: zeros(SYNC_STATUSES),
      redLetter: 0,
      changes: 0,
    };
    for (const r of rows) {
      const n = Number(r.n);
      stats.total += n;
      stats.byClass[r.cls] += n;
      stats.byStatus[r.status] = (stats.byStatus[r.status] ?? 0) + n;
      stats.bySyncStatus[r.sync_status] = (stats.bySyncStatus[r.sync_status] ?? 0) + n;
      if (r.red) stats.redLetter += n;
    }
    stats.changes = Number((await client.query<{ n: string }>('SELECT count(*)::text AS n FROM invoice_changes')).rows[0].n);
    return stats;
  } finally {
    await client.end();
  }
}
