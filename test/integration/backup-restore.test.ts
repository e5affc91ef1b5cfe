import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Keyring } from '../../activities/backup/keys/keyring';
import { chainClasses, finishRestore, prepareTarget, restoreClass, verifyRestoreChain, verifyRestored } from '../../activities/backup/restore';
import { DirectoryStore } from '../../activities/backup/store';
import { takeBackup } from '../../activities/backup/take-backup';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { shortestRestoreChain } from '../../domain/backup/chain';
import { dropDatabase } from '../../scripts/stack/postgres';
import { Harness, startHarness } from './support/harness';
import { adminUrl, queryUrl, urlOf } from './support/databases';

/** Every row, as text, keyed by invoice number: what "exactly the rows of that moment" compares. */
const rowsOf = async (url: string) =>
  (await queryUrl<{ invoice_no: string; row: string }>(url, `SELECT invoice_no, t::text AS row FROM invoices t ORDER BY invoice_no`)).map((r) => r.row);

// full -> changes -> incremental -> changes -> differential -> changes -> incremental; restoring to
// each backup's moment gives exactly the rows of that moment, compared row by row.
describe('restore to a point in time', () => {
  let h: Harness;
  let source: string;
  const targets: string[] = [];
  let dir: string;
  let store: DirectoryStore;
  const keyring = new Keyring({ k1: Buffer.alloc(32, 3) }, 'k1', 'test');
  const snapshots = new Map<string, string[]>();

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    source = `${h.databaseName}_src`;
    await prepareInvoiceDatabase(urlOf(source));
    await generateInvoices(urlOf(source), { count: 8000, seed: 11 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-restore-'));
    store = new DirectoryStore(dir);
  });
  afterAll(async () => {
    await h?.close();
    for (const db of [source, ...targets]) await dropDatabase(adminUrl(), db);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function change(round: number) {
    const url = urlOf(source);
    const picked = await queryUrl<{ invoice_no: string }>(url, `SELECT invoice_no FROM invoices WHERE original_invoice_no IS NULL AND status = 'issued' ORDER BY md5(invoice_no || $1) LIMIT 30`, [String(round)]);
    const ids = picked.map((r) => r.invoice_no);
    await queryUrl(url, `UPDATE invoices SET folder = $2, sync_status = 'synced', synced_at = now() WHERE invoice_no = ANY($1)`, [ids.slice(0, 20), `round-${round}`]);
    await queryUrl(url, `DELETE FROM invoices WHERE invoice_no = ANY($1)`, [ids.slice(20, 30)]);
    // A new invoice, copied from a deleted one's shape under a fresh number.
    await queryUrl(url, `INSERT INTO invoices SELECT lpad(($1::bigint * 1000000 + 999)::text, 20, '9'), issued_at, kind, seller_tax_id, buyer_tax_id, seller_name, buyer_name, amount, tax_rate, tax, total, status, NULL, region, folder, sync_status, synced_at, declared_period FROM invoices WHERE original_invoice_no IS NULL LIMIT 1`, [round]);
  }

  it('restores each moment exactly, by class, resuming nothing twice', async () => {
    const deps = { invoiceUrl: urlOf(source), catalog: h.db, store, keyring };
    const taken = [];
    taken.push(await takeBackup(deps, { kind: 'full', by: 'dba' }));
    snapshots.set(taken[0].id, await rowsOf(urlOf(source)));
    for (const [round, kind] of [[1, 'incremental'], [2, 'differential'], [3, 'incremental']] as const) {
      await change(round);
      const b = await takeBackup(deps, { kind, by: 'dba' });
      snapshots.set(b.id, await rowsOf(urlOf(source)));
      taken.push(b);
    }
    const catalog = await h.db.query(
      `SELECT id, kind, parent_id AS "parentId", base_full_id AS "baseFullId", taken_at AS "takenAt", point_in_time AS "pointInTime", status FROM backup_catalog`,
    );

    for (const b of taken) {
      const chain = shortestRestoreChain(catalog, b.pointInTime).ids;
      expect(chain.at(-1)).toBe(b.id);
      const target = `${h.databaseName}_t${targets.length}`;
      targets.push(target);
      await prepareInvoiceDatabase(urlOf(target));
      const t = { store, keyring, targetUrl: urlOf(target) };
      await verifyRestoreChain(t, chain);
      await prepareTarget(t.targetUrl, `r-${b.id}`, false);
      for (const cls of await chainClasses(t, chain)) await restoreClass(t, { restoreId: `r-${b.id}`, chain, cls });
      // Restored rows are a baseline: nothing of them reaches the change log.
      expect((await queryUrl<{ n: string }>(t.targetUrl, `SELECT count(*) AS n FROM invoice_changes`))[0].n).toBe('0');
      await finishRestore(t.targetUrl);
      expect(await rowsOf(t.targetUrl)).toEqual(snapshots.get(b.id));
      const check = await verifyRestored(t, `r-${b.id}`);
      expect(check.rows).toBe(snapshots.get(b.id)!.length);
      // A single full is also checked class by class against the manifest's counts and digests.
      if (chain.length === 1) for (const c of check.classes) expect(c).toMatchObject({ rows: c.manifestRows, digestMatches: true });
    }
    // A restored row changed afterwards is caught.
    const last = targets.at(-1)!;
    await queryUrl(urlOf(last), `UPDATE invoices SET buyer_name = buyer_name || ' (edited)' WHERE invoice_no = (SELECT min(invoice_no) FROM invoices)`);
    await expect(verifyRestored({ store, keyring, targetUrl: urlOf(last) }, `r-${taken[3].id}`)).rejects.toThrow(/the target's rows differ from the rows the restore wrote/);
    // The differential shortcut: restoring to the last incremental uses full -> differential -> incremental.
    expect(shortestRestoreChain(catalog, taken[3].pointInTime).ids).toEqual([taken[0].id, taken[2].id, taken[3].id]);
  });

  it('restores as a role that owns the database but is no superuser (one connection, the trigger off per chunk)', async () => {
    const role = `restorer_${process.pid}`;
    const target = `${h.databaseName}_owned`;
    targets.push(target);
    await queryUrl(adminUrl(), `CREATE ROLE ${role} LOGIN`);
    await queryUrl(adminUrl(), `CREATE DATABASE ${target} OWNER ${role}`);
    const url = new URL(urlOf(target));
    url.username = role;
    await prepareInvoiceDatabase(url.toString());
    const [full] = await h.db.query(`SELECT id FROM backup_catalog WHERE kind = 'full' ORDER BY point_in_time LIMIT 1`);
    const t = { store, keyring, targetUrl: url.toString() };
    await prepareTarget(t.targetUrl, 'owned', false);
    for (const cls of await chainClasses(t, [full.id])) await restoreClass(t, { restoreId: 'owned', chain: [full.id], cls });
    expect((await queryUrl<{ n: string }>(t.targetUrl, `SELECT count(*) AS n FROM invoice_changes`))[0].n).toBe('0');
    expect(await rowsOf(t.targetUrl)).toEqual(snapshots.get(full.id));
    // The change-log trigger is back on afterwards: a write by the business is logged.
    await queryUrl(t.targetUrl, `UPDATE invoices SET buyer_name = buyer_name WHERE invoice_no = (SELECT min(invoice_no) FROM invoices)`);
    expect((await queryUrl<{ n: string }>(t.targetUrl, `SELECT count(*) AS n FROM invoice_changes`))[0].n).toBe('1');
    await dropDatabase(adminUrl(), target);
    await queryUrl(adminUrl(), `DROP ROLE ${role}`);
  });
});
