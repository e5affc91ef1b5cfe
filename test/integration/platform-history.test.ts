// A generated history registered on the simulator: every invoice the ledger marks synced is then on
// the platform (so a reconciliation of generated data finds only real gaps), nothing counts as an
// upload, a second run adds nothing, and a row whose total is wrong is refused naming it.
import { randomBytes } from 'node:crypto';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { TaxPlatformError, createTaxPlatformClient, registerSyncedHistory } from '../../activities/tax-platform';
import { startTaxPlatform } from '../../apps/tax-platform/src';
import type { RunningTaxPlatform } from '../../apps/tax-platform/src';
import { taxPeriodOf } from '../../domain/einvoice';
import { dropDatabase } from '../../scripts/stack/postgres';
import { adminUrl, queryUrl, urlOf } from './support/databases';

const RUN = randomBytes(4).toString('hex');
const SIM_DB = `tp_history_${RUN}`;
const INVOICE_DB = `tp_history_invoices_${RUN}`;
const TOKEN = 'history-test-admin-secret';
let sim: RunningTaxPlatform;

beforeAll(async () => {
  sim = await startTaxPlatform({ databaseUrl: urlOf(SIM_DB), port: 0, adminToken: TOKEN });
  await prepareInvoiceDatabase(urlOf(INVOICE_DB));
  await generateInvoices(urlOf(INVOICE_DB), { count: 3000, seed: 42, now: '2026-11-20T04:00:00.000Z' });
});

afterAll(async () => {
  await sim?.stop();
  await dropDatabase(adminUrl(), SIM_DB);
  await dropDatabase(adminUrl(), INVOICE_DB);
});

test('every synced invoice of a generated history is on the platform afterwards, none counted as an upload', async () => {
  const tenant = `history-${RUN}`;
  const [busiest] = await queryUrl<{ seller: string; period: string; n: string }>(
    urlOf(INVOICE_DB),
    `SELECT seller_tax_id AS seller, to_char(issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS period, count(*) AS n
       FROM invoices WHERE sync_status = 'synced' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1`,
  );
  const client = createTaxPlatformClient({ baseUrl: sim.url, taxpayer: busiest.seller, tenant, adminToken: TOKEN });
  expect(await client.listAll({ period: busiest.period })).toHaveLength(0);

  const synced = Number((await queryUrl<{ n: string }>(urlOf(INVOICE_DB), `SELECT count(*) AS n FROM invoices WHERE sync_status = 'synced'`))[0].n);
  const first = await registerSyncedHistory(urlOf(INVOICE_DB), client);
  expect(first).toEqual({ imported: synced, alreadyThere: 0 });

  const listed = (await client.listAll({ period: busiest.period })).map((r) => r.fphm).sort();
  const ledger = (
    await queryUrl<{ no: string }>(
      urlOf(INVOICE_DB),
      `SELECT invoice_no AS no FROM invoices WHERE sync_status = 'synced' AND seller_tax_id = $1 AND to_char(issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') = $2`,
      [busiest.seller, busiest.period],
    )
  ).map((r) => r.no.trim()).sort();
  expect(listed).toEqual(ledger);
  expect(listed.length).toBe(Number(busiest.n));

  expect(await registerSyncedHistory(urlOf(INVOICE_DB), client)).toEqual({ imported: 0, alreadyThere: synced });
  const stats = await client.sim.stats();
  expect(stats.total.uploads).toBe(0);
  expect(stats.total.duplicatesRefused).toBe(0);
});

test('a history row whose total is not amount plus tax is refused, naming it, and nothing is added', async () => {
  const tenant = `history-bad-${RUN}`;
  const [row] = await queryUrl<{ invoice_no: string; issued_at: Date; seller_tax_id: string; buyer_tax_id: string | null }>(
    urlOf(INVOICE_DB),
    `SELECT invoice_no, issued_at, seller_tax_id, buyer_tax_id FROM invoices WHERE amount > 0 AND buyer_tax_id IS NOT NULL LIMIT 1`,
  );
  const client = createTaxPlatformClient({ baseUrl: sim.url, taxpayer: row.seller_tax_id, tenant, adminToken: TOKEN, retry: { maxAttempts: 1 } });
  const good = { fphm: row.invoice_no.trim(), kprq: new Date(row.issued_at).toISOString(), xsfnsrsbh: row.seller_tax_id, gmfnsrsbh: row.buyer_tax_id!, hjje: 100, hjse: 13, jshj: 113 };
  const err = await client.sim.importHistory([good, { ...good, fphm: good.fphm.slice(0, 19) + ((Number(good.fphm[19]) + 1) % 10), jshj: 120 }]).catch((e) => e);
  expect(err).toBeInstanceOf(TaxPlatformError);
  expect(err.message).toMatch(/invoices\[1\]\.jshj 120 is not hjje \+ hjse \(113\)/);
  expect(await client.listAll({ period: taxPeriodOf(new Date(good.kprq)) })).toHaveLength(0);
  // The good row alone goes in: the refusal above was about the bad one.
  expect(await client.sim.importHistory([good])).toEqual({ imported: 1, alreadyThere: 0 });
  expect((await client.listAll({ period: taxPeriodOf(new Date(good.kprq)) })).map((r) => r.fphm)).toEqual([good.fphm]);
});
