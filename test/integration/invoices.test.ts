// The invoice database against real PostgreSQL: migrations, the COPY generator, priority classes
// in SQL against the domain's classifier, and the change log (deletes included, baseline excluded).
import { INVOICE_MIGRATIONS } from '../../migrations/invoices/index';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  PRIORITY_CLASSES,
  isValidCreditCode,
  isValidInvoiceNo,
  priorityBounds,
  priorityClassSql,
  priorityClassifier,
  synthesizeInvoices,
  taxFor,
} from '../../domain/einvoice';
import type { Invoice, InvoiceStatus, PriorityClass, SyncStatus, TaxRate } from '../../domain/einvoice';
import { adminUrlFor, prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices, INVOICE_COLUMNS } from '../../activities/invoices/generate';
import type { GenerateResult } from '../../activities/invoices/generate';
import { invoiceStats } from '../../activities/invoices/stats';
import { runInvoiceMigrations } from '../../migrations/invoices/data-source';
import { dropDatabase, ensureDatabase } from '../../scripts/stack/postgres';
import { testStackEnv } from './support/test-stack';

const COUNT = 20_000;
const SEED = 2026;
const NOW = '2026-11-23T02:09:00Z';

interface Row {
  invoice_no: string;
  issued_at: Date;
  kind: string;
  seller_tax_id: string;
  buyer_tax_id: string | null;
  amount: string;
  tax_rate: number;
  tax: string;
  total: string;
  status: InvoiceStatus;
  original_invoice_no: string | null;
  region: string;
  sync_status: SyncStatus;
  declared_period: string | null;
}

const suffix = randomBytes(4).toString('hex');
const names: string[] = [];
let adminUrl: string;
let url: string;
let db: Client;
let generated: GenerateResult;
const progress: Array<[number, number]> = [];

function dbUrl(name: string): string {
  return adminUrl.replace(/\/postgres$/, `/${name}`);
}

async function allRows(client: Client = db): Promise<Row[]> {
  return (await client.query<Row>('SELECT * FROM invoices ORDER BY invoice_no')).rows;
}

function classifiable(r: Row) {
  return { issuedAt: r.issued_at, status: r.status, originalInvoiceNo: r.original_invoice_no, total: Number(r.total), declaredPeriod: r.declared_period };
}

async function changes(): Promise<Array<{ invoice_no: string | null; op: string; changed_at: Date; xact_id: string }>> {
  return (await db.query('SELECT invoice_no, op, changed_at, xact_id::text FROM invoice_changes ORDER BY change_id')).rows;
}

async function insertInvoice(client: Client, inv: Invoice): Promise<void> {
  const values = [
    inv.invoiceNo, inv.issuedAt, inv.kind, inv.sellerTaxId, inv.buyerTaxId, inv.sellerName, inv.buyerName, inv.amount, inv.taxRate, inv.tax, inv.total,
    inv.status, inv.originalInvoiceNo, inv.region, inv.folder, inv.syncStatus, inv.syncedAt, inv.declaredPeriod, inv.updatedAt, inv.rowVersion,
  ];
  await client.query(`INSERT INTO invoices (${INVOICE_COLUMNS.join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`, values);
}

async function nextSequence(): Promise<number> {
  return Number((await db.query('SELECT max(substr(invoice_no, 6)::bigint)::text AS m FROM invoices')).rows[0].m) + 1;
}

beforeAll(async () => {
  adminUrl = testStackEnv().pgAdminUrl;
  names.push(`yingji_invoices_${suffix}`);
  url = dbUrl(names[0]);
  // The database does not exist yet: prepareInvoiceDatabase creates it through `postgres` and migrates.
  const prepared = await prepareInvoiceDatabase(url);
  expect(prepared).toEqual({ created: true, migrations: INVOICE_MIGRATIONS.map((m) => m.name) });
  generated = await generateInvoices(url, { count: COUNT, seed: SEED, now: NOW, onProgress: (done, total) => progress.push([done, total]) });
  db = new Client({ connectionString: url });
  await db.connect();
  // Everything below must hold whatever the session's time zone: periods are Beijing months.
  await db.query(`SET TIME ZONE 'America/Los_Angeles'`);
});

afterAll(async () => {
  await db?.end();
  for (const name of names) await dropDatabase(adminUrl, name);
});

describe('the invoice database', () => {
  it('is migrated once and derives its admin URL from the invoice URL', async () => {
    expect(await prepareInvoiceDatabase(url)).toEqual({ created: false, migrations: [] });
    expect(adminUrlFor('postgres://u:p@db.internal:5432/yingji_invoices?sslmode=require')).toEqual({
      adminUrl: 'postgres://u:p@db.internal:5432/postgres?sslmode=require',
      database: 'yingji_invoices',
    });
    const tables = (await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.tablename);
    expect(tables).toEqual(['invoice_changes', 'invoice_migrations', 'invoices', 'issuing_state', 'restore_progress', 'sync_batch_invoices', 'sync_batches']);
  });

  it('holds the generated invoices, reported as they streamed', async () => {
    expect(generated).toMatchObject({ rows: COUNT, seed: SEED, now: new Date(NOW).toISOString(), firstSequence: 1, lastSequence: COUNT });
    expect(Number((await db.query('SELECT count(*) FROM invoices')).rows[0].count)).toBe(COUNT);
    expect(progress.at(-1)).toEqual([COUNT, COUNT]);
    expect(progress.every(([done], i) => i === 0 || done >= progress[i - 1][0])).toBe(true);
    expect(progress.length).toBeGreaterThan(3);
  });

  it('has only valid invoice numbers and credit codes, and total = amount + tax everywhere', async () => {
    const bad: string[] = [];
    for (const r of await allRows()) {
      if (!isValidInvoiceNo(r.invoice_no)) bad.push(`${r.invoice_no}: invoice_no`);
      if (!isValidCreditCode(r.seller_tax_id)) bad.push(`${r.invoice_no}: seller ${r.seller_tax_id}`);
      if (r.buyer_tax_id !== null && !isValidCreditCode(r.buyer_tax_id)) bad.push(`${r.invoice_no}: buyer ${r.buyer_tax_id}`);
      if (Number(r.total) !== Number(r.amount) + Number(r.tax)) bad.push(`${r.invoice_no}: total`);
      if (Number(r.tax) !== taxFor(Number(r.amount), r.tax_rate as TaxRate)) bad.push(`${r.invoice_no}: tax`);
      if (r.invoice_no.slice(2, 4) !== r.region) bad.push(`${r.invoice_no}: region`);
    }
    expect(bad).toEqual([]);
    const persons = (await db.query(`SELECT count(*)::int AS n, bool_and(kind = 'ordinary') AS ordinary FROM invoices WHERE buyer_tax_id IS NULL`)).rows[0];
    expect(persons.n).toBeGreaterThan(COUNT / 10);
    expect(persons.ordinary).toBe(true);
  });

  it('links every red-letter invoice to an existing original marked red-flushed or partially-red-flushed', async () => {
    const q = async (sql: string) => Number((await db.query(sql)).rows[0].n);
    const red = await q('SELECT count(*) AS n FROM invoices WHERE original_invoice_no IS NOT NULL');
    expect(red / COUNT).toBeGreaterThan(0.02);
    expect(red / COUNT).toBeLessThan(0.05);
    expect(await q('SELECT count(*) AS n FROM invoices r LEFT JOIN invoices o ON o.invoice_no = r.original_invoice_no WHERE r.original_invoice_no IS NOT NULL AND o.invoice_no IS NULL')).toBe(0);
    expect(await q(`SELECT count(*) AS n FROM invoices r JOIN invoices o ON o.invoice_no = r.original_invoice_no WHERE o.status NOT IN ('red-flushed', 'partially-red-flushed') OR r.amount >= 0 OR -r.amount > o.amount OR r.issued_at < o.issued_at`)).toBe(0);
    expect(await q(`SELECT count(*) AS n FROM invoices r JOIN invoices o ON o.invoice_no = r.original_invoice_no WHERE o.status = 'red-flushed' AND (r.amount <> -o.amount OR r.tax <> -o.tax)`)).toBe(0);
    // ... and every flushed original has its red-letter invoice.
    expect(await q(`SELECT count(*) AS n FROM invoices o WHERE o.status <> 'issued' AND NOT EXISTS (SELECT 1 FROM invoices r WHERE r.original_invoice_no = o.invoice_no)`)).toBe(0);
  });

  it('refuses rows that break the invariants', async () => {
    const [template] = [...synthesizeInvoices(1, { seed: 1, now: new Date(NOW), firstSequence: await nextSequence() })];
    await db.query('BEGIN');
    try {
      for (const [broken, constraint] of [
        [{ ...template, total: template.total + 1 }, 'invoices_total_check'],
        [{ ...template, amount: -template.amount, tax: -template.tax, total: -template.total }, 'invoices_red_letter_check'],
        [{ ...template, taxRate: 17 as TaxRate }, 'invoices_tax_rate_check'],
        [{ ...template, kind: 'special', buyerTaxId: null }, 'invoices_person_buyer_check'],
        [{ ...template, invoiceNo: '2611200000000000000A' }, 'invoices_invoice_no_check'],
        [{ ...template, declaredPeriod: '2026-13' }, 'invoices_declared_period_check'],
      ] as const) {
        await db.query('SAVEPOINT s');
        await expect(insertInvoice(db, broken as Invoice)).rejects.toThrow(constraint);
        await db.query('ROLLBACK TO SAVEPOINT s');
      }
    } finally {
      await db.query('ROLLBACK');
    }
  });
});

describe('priority classes in SQL', () => {
  async function compare(nowIso: string): Promise<Record<PriorityClass, number>> {
    const rows = await allRows();
    const classify = priorityClassifier(nowIso);
    const expected = new Map<PriorityClass, string[]>(PRIORITY_CLASSES.map((c) => [c, []]));
    for (const r of rows) expected.get(classify(classifiable(r)))!.push(r.invoice_no);
    const counts = {} as Record<PriorityClass, number>;
    let covered = 0;
    for (const cls of PRIORITY_CLASSES) {
      const got = (await db.query<{ invoice_no: string }>(`SELECT invoice_no FROM invoices WHERE ${priorityClassSql(cls, nowIso)} ORDER BY invoice_no`)).rows.map((r) => r.invoice_no);
      expect([cls, got.length]).toEqual([cls, expected.get(cls)!.length]);
      expect(got).toEqual(expected.get(cls));
      counts[cls] = got.length;
      covered += got.length;
    }
    expect(covered).toBe(rows.length);
    return counts;
  }

  it('select exactly the invoices priorityClassOf puts in each class', async () => {
    const counts = await compare(new Date(NOW).toISOString());
    for (const cls of PRIORITY_CLASSES) expect([cls, counts[cls] > 0]).toEqual([cls, true]);
  });

  it.each([
    ['40 days later (most of the hot month becomes last-12-months)', '2027-01-02T00:00:00Z'],
    ['20 days earlier (invoices dated after now)', '2026-11-03T00:00:00Z'],
    ['at a Beijing month boundary', '2026-10-31T16:00:00.000Z'],
    ['a year and a half earlier', '2025-05-20T09:00:00Z'],
  ])('agree %s', async (_what, nowIso) => {
    await compare(nowIso);
  });

  it('agree on invoices placed exactly on the class boundaries', async () => {
    const b = priorityBounds(NOW);
    const at = (ms: number) => new Date(ms);
    const start = b.currentStart.getTime();
    const last12 = b.last12Start.getTime();
    let seq = await nextSequence();
    const base = [...synthesizeInvoices(1, { seed: 9, now: new Date(NOW), firstSequence: seq })][0];
    const variants: Array<Partial<Invoice>> = [
      { issuedAt: at(start), declaredPeriod: null },
      { issuedAt: at(start), declaredPeriod: '2026-11' },
      { issuedAt: at(start - 1), declaredPeriod: null },
      { issuedAt: at(last12), declaredPeriod: '2025-11' },
      { issuedAt: at(last12 - 1), declaredPeriod: '2025-10' },
      { issuedAt: at(last12 - 1), declaredPeriod: '2025-10', amount: 88_495_575, taxRate: 13, tax: 11_504_425, total: 100_000_000 },
      { issuedAt: at(last12 - 1), declaredPeriod: '2025-10', amount: 88_495_574, taxRate: 13, tax: 11_504_425, total: 99_999_999 },
      { issuedAt: at(start + 1), declaredPeriod: '2026-11', status: 'partially-red-flushed' },
    ];
    await db.query('BEGIN');
    try {
      for (const v of variants) await insertInvoice(db, { ...base, ...v, invoiceNo: `${base.invoiceNo.slice(0, 5)}${String(seq++).padStart(15, '0')}` });
      const counts = await compare(new Date(NOW).toISOString());
      expect(Object.values(counts).reduce((a, c) => a + c, 0)).toBe(COUNT + variants.length);
    } finally {
      await db.query('ROLLBACK');
    }
  });

  it('are what invoices stats reports', async () => {
    const stats = await invoiceStats(url, NOW);
    const classify = priorityClassifier(NOW);
    const expected = Object.fromEntries(PRIORITY_CLASSES.map((c) => [c, 0])) as Record<PriorityClass, number>;
    for (const r of await allRows()) expected[classify(classifiable(r))]++;
    expect(stats.byClass).toEqual(expected);
    expect(stats.total).toBe(COUNT);
    expect(stats.changes).toBe(0);
    expect(stats.byStatus.issued + stats.byStatus['red-flushed'] + stats.byStatus['partially-red-flushed']).toBe(COUNT);
    expect(stats.byStatus['red-flushed'] + stats.byStatus['partially-red-flushed']).toBe(stats.redLetter);
    expect(stats.bySyncStatus.pending + stats.bySyncStatus.failed).toBeGreaterThan(0);
  });
});

describe('generation', () => {
  it('is reproducible: the same seed and now give the same rows in another database', async () => {
    names.push(`yingji_invoices_${suffix}_b`);
    const other = dbUrl(names[1]);
    await ensureDatabase(adminUrl, names[1]);
    await runInvoiceMigrations(other);
    await generateInvoices(other, { count: COUNT, seed: SEED, now: NOW });
    const digest = async (u: string) => {
      const c = new Client({ connectionString: u });
      await c.connect();
      try {
        return (await c.query(`SELECT md5(string_agg(i::text, '|' ORDER BY invoice_no)) AS h FROM invoices i`)).rows[0].h;
      } finally {
        await c.end();
      }
    };
    expect(await digest(other)).toBe(await digest(url));
  });
});

describe('the change log', () => {
  it('records nothing for the generated baseline, and the trigger is back on', async () => {
    expect(await changes()).toEqual([]);
    const trig = await db.query(`SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'invoices'::regclass AND NOT tgisinternal ORDER BY tgname`);
    expect(trig.rows).toEqual([
      { tgname: 'invoices_change_log', tgenabled: 'O' },
      { tgname: 'invoices_change_log_truncate', tgenabled: 'O' },
      { tgname: 'invoices_touch', tgenabled: 'O' },
    ]);
  });

  it('records an insert, an update and a delete made after generation, in order', async () => {
    const [fresh] = [...synthesizeInvoices(1, { seed: 5, now: new Date(NOW), firstSequence: await nextSequence() })];
    const [{ invoice_no: updated, row_version: versionBefore, updated_at: updatedBefore }] = (
      await db.query(`SELECT invoice_no, row_version, updated_at FROM invoices WHERE status = 'issued' AND original_invoice_no IS NULL ORDER BY invoice_no LIMIT 1`)
    ).rows;
    const [{ invoice_no: deleted }] = (await db.query(`SELECT invoice_no FROM invoices ORDER BY invoice_no DESC LIMIT 1 OFFSET 5`)).rows;

    await insertInvoice(db, fresh);
    await db.query(`UPDATE invoices SET sync_status = 'failed', synced_at = NULL WHERE invoice_no = $1`, [updated]);
    await db.query(`DELETE FROM invoices WHERE invoice_no = $1`, [deleted]);

    const log = await changes();
    expect(log.map((c) => [c.invoice_no, c.op])).toEqual([
      [fresh.invoiceNo, 'I'],
      [updated, 'U'],
      [deleted, 'D'],
    ]);
    expect(log.every((c, i) => i === 0 || c.changed_at >= log[i - 1].changed_at)).toBe(true);
    expect(log.every((c) => /^\d+$/.test(c.xact_id))).toBe(true);
    const after = (await db.query(`SELECT row_version, updated_at FROM invoices WHERE invoice_no = $1`, [updated])).rows[0];
    expect(Number(after.row_version)).toBe(Number(versionBefore) + 1);
    expect(after.updated_at.getTime()).toBeGreaterThan(updatedBefore.getTime());
    const indexed = (await db.query(`SELECT indexdef FROM pg_indexes WHERE tablename = 'invoice_changes' AND indexdef LIKE '%(changed_at)%'`)).rows;
    expect(indexed).toHaveLength(1);
  });

  it('records a change of invoice number as a delete of the old and an insert of the new', async () => {
    const before = (await changes()).length;
    const [{ invoice_no: old }] = (await db.query(`SELECT invoice_no FROM invoices WHERE original_invoice_no IS NULL AND status = 'issued' ORDER BY invoice_no LIMIT 1 OFFSET 10`)).rows;
    const renumbered = `${old.slice(0, 5)}${String(await nextSequence()).padStart(15, '0')}`;
    await db.query(`UPDATE invoices SET invoice_no = $2 WHERE invoice_no = $1`, [old, renumbered]);
    expect((await changes()).slice(before).map((c) => [c.invoice_no, c.op])).toEqual([
      [old, 'D'],
      [renumbered, 'I'],
    ]);
  });

  it('records nothing for another generated batch, which appends after the largest sequence', async () => {
    const before = await changes();
    const count = Number((await db.query('SELECT count(*) FROM invoices')).rows[0].count);
    const first = await nextSequence();
    const r = await generateInvoices(url, { count: 1_000, seed: 77, now: NOW });
    expect(r.firstSequence).toBe(first);
    expect(Number((await db.query('SELECT count(*) FROM invoices')).rows[0].count)).toBe(count + 1_000);
    expect(await changes()).toEqual(before);
  });

  it('rolls a failed generation back completely, trigger included', async () => {
    // Take the last sequence number: the next batch has no room and fails inside the COPY.
    const [template] = [...synthesizeInvoices(1, { seed: 3, now: new Date(NOW) })];
    await insertInvoice(db, { ...template, invoiceNo: `${template.invoiceNo.slice(0, 5)}999999999999999` });
    const count = Number((await db.query('SELECT count(*) FROM invoices')).rows[0].count);
    const before = await changes();
    await expect(generateInvoices(url, { count: 10, seed: 1, now: NOW })).rejects.toThrow(/no room/);
    expect(Number((await db.query('SELECT count(*) FROM invoices')).rows[0].count)).toBe(count);
    await db.query(`DELETE FROM invoices WHERE invoice_no = $1`, [`${template.invoiceNo.slice(0, 5)}999999999999999`]);
    expect((await changes()).slice(before.length).map((c) => c.op)).toEqual(['D']);
  });

  it('records a truncate as one T entry', async () => {
    const before = (await changes()).length;
    await db.query('TRUNCATE invoices');
    expect((await changes()).slice(before).map((c) => [c.invoice_no, c.op])).toEqual([[null, 'T']]);
  });
});
