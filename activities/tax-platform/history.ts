// A generated invoice history says most of its invoices were synced long ago; a simulator that
// starts empty would make every one of them look missing. This tells the simulator what a real
// platform would already hold: every invoice the ledger marks synced.
import { withDatabase } from '../invoices/database';
import type { TaxPlatformClient } from './client';
import { toUploadRow } from './mapping';
import type { InvoiceRow } from './mapping';

const CHUNK = 20_000;

export async function registerSyncedHistory(invoiceUrl: string, platform: TaxPlatformClient, onProgress?: (done: number) => void): Promise<{ imported: number; alreadyThere: number }> {
  return withDatabase(invoiceUrl, async (db) => {
    const total = { imported: 0, alreadyThere: 0 };
    let after = '';
    for (;;) {
      const rows = (
        await db.query<InvoiceRow>(
          `SELECT invoice_no, issued_at, seller_tax_id, buyer_tax_id, amount, tax, total, original_invoice_no
             FROM invoices WHERE sync_status = 'synced' AND invoice_no > $1 ORDER BY invoice_no LIMIT ${CHUNK}`,
          [after],
        )
      ).rows;
      if (!rows.length) return total;
      const r = await platform.sim.importHistory(rows.map(toUploadRow));
      total.imported += r.imported;
      total.alreadyThere += r.alreadyThere;
      after = rows[rows.length - 1].invoice_no;
      onProgress?.(total.imported + total.alreadyThere);
    }
  });
}
