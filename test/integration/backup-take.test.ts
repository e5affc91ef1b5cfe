import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { Keyring } from '../../activities/backup/keys/keyring';
import { DirectoryStore } from '../../activities/backup/store';
import { verifyBackup, verifyChain } from '../../activities/backup/format';
import { BackupRefused, DELETED_CLASS, takeBackup } from '../../activities/backup/take-backup';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { dropDatabase } from '../../scripts/stack/postgres';
import { Harness, startHarness } from './support/harness';
import { testStackEnv } from './support/test-stack';

// Backups of a real invoice database: a full copies every row by class; incrementals and
// differentials copy what changed (deletes as tombstones); every backup verifies without a restore.
describe('taking backups', () => {
  let h: Harness;
  let invoiceUrl: string;
  let invoiceDb: string;
  let store: DirectoryStore;
  let dir: string;
  const keyring = new Keyring({ k1: Buffer.alloc(32, 7) }, 'k1', 'test');
  const sql = async (q: string, params: unknown[] = []) => {
    const c = new Client({ connectionString: invoiceUrl });
    await c.connect();
    try {
      return (await c.query(q, params)).rows;
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    invoiceDb = `${h.databaseName}_invoices`;
    invoiceUrl = testStackEnv().pgAdminUrl.replace(/\/postgres$/, `/${invoiceDb}`);
    await prepareInvoiceDatabase(invoiceUrl);
    await generateInvoices(invoiceUrl, { count: 5000, seed: 42 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-backups-'));
    store = new DirectoryStore(dir);
  });
  afterAll(async () => {
    await h?.close();
    await dropDatabase(testStackEnv().pgAdminUrl, invoiceDb);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an incremental before any full, naming what to do', async () => {
    await expect(takeBackup({ invoiceUrl, catalog: h.db, store, keyring }, { kind: 'incremental', by: 'dba' })).rejects.toThrow(BackupRefused);
  });

  it('full, then changes, then incremental and differential: the right rows, a verifiable chain', async () => {
    const deps = { invoiceUrl, catalog: h.db, store, keyring };
    const full = await takeBackup(deps, { kind: 'full', by: 'dba' });
    expect(Object.values(full.rowCounts).reduce((a, b) => a + b, 0)).toBe(5000);
    expect(await verifyBackup(store, keyring, full.id)).toMatchObject({ backupId: full.id, kind: 'full', rowCount: 5000, keyId: 'k1' });

    // 3 updates, 1 delete, then an incremental.
    const some: Array<{ invoice_no: string }> = await sql(`SELECT invoice_no FROM invoices WHERE original_invoice_no IS NULL AND status = 'issued' ORDER BY invoice_no LIMIT 4`);
    await sql(`UPDATE invoices SET folder = 'moved' WHERE invoice_no = ANY($1)`, [some.slice(0, 3).map((r) => r.invoice_no)]);
    await sql(`DELETE FROM invoices WHERE invoice_no = $1`, [some[3].invoice_no]);
    const inc = await takeBackup(deps, { kind: 'incremental', by: 'dba' });
    const incRows = Object.entries(inc.rowCounts).filter(([c]) => c !== DELETED_CLASS).reduce((a, [, n]) => a + n, 0);
    expect(incRows).toBe(3);
    expect(inc.rowCounts[DELETED_CLASS]).toBe(1);
    expect(inc).toMatchObject({ parentId: full.id, baseFullId: full.id });

    // One more update: the differential (since the full) carries all 4 changed invoices; a new incremental only 1.
    await sql(`UPDATE invoices SET folder = 'again' WHERE invoice_no = $1`, [some[0].invoice_no]);
    const diff = await takeBackup(deps, { kind: 'differential', by: 'dba' });
    expect(Object.entries(diff.rowCounts).filter(([c]) => c !== DELETED_CLASS).reduce((a, [, n]) => a + n, 0)).toBe(3);
    expect(diff.rowCounts[DELETED_CLASS]).toBe(1);
    expect(diff).toMatchObject({ parentId: full.id, baseFullId: full.id });
    const inc2 = await takeBackup(deps, { kind: 'incremental', by: 'dba' });
    expect(inc2.parentId).toBe(diff.id);
    expect(Object.values(inc2.rowCounts).reduce((a, b) => a + b, 0)).toBe(0);

    await verifyChain(store, keyring, [full.id, inc.id]);
    await verifyChain(store, keyring, [full.id, diff.id, inc2.id]);
    const catalog = await h.db.query(`SELECT id, kind, status, parent_id FROM backup_catalog ORDER BY point_in_time`);
    expect(catalog.map((r: { kind: string }) => r.kind)).toEqual(['full', 'incremental', 'differential', 'incremental']);
  });

  it('a flipped byte in a chunk is refused naming the backup and the chunk', async () => {
    const [row] = await h.db.query(`SELECT id FROM backup_catalog WHERE kind = 'full'`);
    const chunk = path.join(dir, row.id, 'chunks', '000001.ybc');
    const bytes = fs.readFileSync(chunk);
    bytes[bytes.length - 10] ^= 0xff;
    fs.writeFileSync(chunk, bytes);
    await expect(verifyBackup(store, keyring, row.id)).rejects.toThrow(new RegExp(`backup ${row.id}, chunk 1 \\(${row.id}/chunks/000001\\.ybc\\)`));
  });
});
