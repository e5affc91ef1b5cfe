// Arranged invoices for the diagnosis tests: rows in a real invoice database and, for those that
// should be on the platform, the same invoices uploaded to the real simulator (a tenant of its own).
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createTaxPlatformClient, toUploadRow } from '../../activities/tax-platform';
import { formatInvoiceNo } from '../../domain/einvoice';

export const DAY = 86_400_000;

export interface Arranged {
  invoiceNo: string;
  /** ISO instant. */
  issuedAt: string;
  sellerTaxId: string;
  buyerTaxId: string;
  /** Fen, before tax (13 % tax is added). */
  amount: number;
  region: string;
  folder: string;
  syncStatus: 'pending' | 'synced' | 'failed';
}

/** Invoice numbers of a region, from a sequence base the test picks (so tests never collide). */
export const numberOf = (sequence: number, region = '11') => formatInvoiceNo({ year: 26, region, channel: 2, sequence });

export const taxOf = (a: Pick<Arranged, 'amount'>) => Math.round(a.amount * 0.13);

export async function insertInvoices(url: string, rows: readonly Arranged[]): Promise<void> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    for (const r of rows) {
      const synced = r.syncStatus === 'synced' ? new Date(Date.parse(r.issuedAt) + 60_000) : null;
      await db.query(
        `INSERT INTO invoices (invoice_no, issued_at, kind, seller_tax_id, buyer_tax_id, seller_name, buyer_name, amount, tax_rate, tax, total, status, region, folder, sync_status, synced_at)
         VALUES ($1, $2, 'special', $3, $4, '北京某科技有限公司', '上海某贸易有限公司', $5, 13, $6, $5::bigint + $6::bigint, 'issued', $7, $8, $9, $10)`,
        [r.invoiceNo, r.issuedAt, r.sellerTaxId, r.buyerTaxId, r.amount, taxOf(r), r.region, r.folder, r.syncStatus, synced],
      );
    }
  } finally {
    await db.end();
  }
}

/** Uploads the invoices to the platform (one batch per seller) and waits until each is accepted. */
export async function putOnPlatform(baseUrl: string, rows: readonly Arranged[], opts: { tenant?: string; adminToken?: string } = {}): Promise<void> {
  const bySeller = new Map<string, Arranged[]>();
  for (const r of rows) bySeller.set(r.sellerTaxId, [...(bySeller.get(r.sellerTaxId) ?? []), r]);
  for (const [seller, batch] of bySeller) {
    const client = createTaxPlatformClient({ baseUrl, taxpayer: seller, tenant: opts.tenant, adminToken: opts.adminToken });
    const accepted = await client.upload(
      batch.map((r) => toUploadRow({ invoice_no: r.invoiceNo, issued_at: r.issuedAt, seller_tax_id: r.sellerTaxId, buyer_tax_id: r.buyerTaxId, amount: r.amount, tax: taxOf(r), total: r.amount + taxOf(r), original_invoice_no: null })),
      `T-${randomBytes(6).toString('hex')}`,
    );
    const result = await client.uploadResult(accepted.sllsh);
    if (result.state !== 'done' || result.results.some((x) => x.status !== '00')) throw new Error(`the simulator did not accept the arranged invoices: ${JSON.stringify(result)}`);
  }
}

/** A sim admin client for production's tenant (no tenant header) or a named one. */
export const simAdmin = (baseUrl: string, adminToken: string, tenant?: string) =>
  createTaxPlatformClient({ baseUrl, taxpayer: '', tenant, adminToken, retry: { maxAttempts: 1 } }).sim;
