import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { takeBackup } from '../../activities/backup/take-backup';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { backupKeyring, backupStore } from '../../apps/shared/backups';
import { canConnect, dropDatabase } from '../../scripts/stack/postgres';
import { databaseChecksum } from './support/exactly-once';
import { Harness, startHarness } from './support/harness';
import { adminUrl, urlOf } from './support/databases';
import { restoreByPriority } from '../../workflows/restore-by-priority.workflow';

// A damaged backup is refused by the restore workflow with the backup and chunk named, and the
// target database is never touched: a new target is not even created, an existing one (the invoice
// database, restored over with `replace`) keeps every byte.
describe('restoreByPriority refuses damaged backups before writing anything', () => {
  let h: Harness;
  let source: string;
  let n = 0;

  beforeAll(async () => {
    source = `yingji_refuse_src_${process.pid}`;
    process.env.INVOICE_DATABASE_URL = urlOf(source); // the harness's worker restores next to it
    h = await startHarness(); // its worker reads backups and keys from the harness data folder
    await prepareInvoiceDatabase(urlOf(source));
    await generateInvoices(urlOf(source), { count: 3000, seed: 3 });
  });
  afterAll(async () => {
    await h?.close();
    await dropDatabase(adminUrl(), source);
    delete process.env.INVOICE_DATABASE_URL;
  });

  const dirOf = (id: string) => path.join(h.config.dataDir, 'backups', id);

  async function freshFull(): Promise<string> {
    const b = await takeBackup({ invoiceUrl: urlOf(source), catalog: h.db, store: backupStore(h.config), keyring: backupKeyring(h.config) }, { kind: 'full', by: 'test' });
    return b.id;
  }

  /**
   * Restores a damaged backup and expects the refusal named by `expected`. By default into a new
   * target, which must never be created; `into` names an existing target (restored with `replace`).
   */
  async function refused(damage: (id: string) => void | Promise<void>, expected: (id: string) => RegExp, existing?: string, into?: { target: string; replace: boolean }): Promise<void> {
    const id = existing ?? (await freshFull());
    await damage(id);
    const target = into?.target ?? `${h.databaseName}_t${n++}`;
    const handle = await h.temporal.workflow.start(restoreByPriority, {
      taskQueue: h.config.taskQueue,
      workflowId: `refuse-${target}-${n++}`,
      args: [{ restoreId: `refuse-${id}`, target, replace: into?.replace ?? false }],
    });
    const err = await handle.result().then(
      () => undefined,
      (e: Error & { cause?: Error & { cause?: Error } }) => e,
    );
    expect(err).toBeDefined();
    const message = err!.cause?.cause?.message ?? err!.cause?.message ?? err!.message;
    expect(message).toMatch(expected(id));
    if (!into) expect(await canConnect(urlOf(target))).toBe(false); // never created, so certainly untouched
  }

  const chunk = (id: string, seq: number) => path.join(dirOf(id), 'chunks', `${String(seq).padStart(6, '0')}.ybc`);

  it('a flipped byte', () =>
    refused(
      (id) => {
        const b = fs.readFileSync(chunk(id, 1));
        b[b.length - 5] ^= 1;
        fs.writeFileSync(chunk(id, 1), b);
      },
      (id) => new RegExp(`backup ${id}, chunk 1 .*000001\\.ybc`),
    ));

  it('a truncated chunk', () =>
    refused(
      (id) => fs.truncateSync(chunk(id, 1), 100),
      (id) => new RegExp(`backup ${id}, chunk 1 .*truncated`),
    ));

  it('a missing chunk', () =>
    refused(
      (id) => fs.rmSync(chunk(id, 1)),
      (id) => new RegExp(`backup ${id}, chunk 1 .*missing`),
    ));

  it('chunks reordered', () =>
    refused(
      (id) => {
        const [a, b] = [fs.readFileSync(chunk(id, 1)), fs.readFileSync(chunk(id, 2))];
        fs.writeFileSync(chunk(id, 1), b);
        fs.writeFileSync(chunk(id, 2), a);
      },
      (id) => new RegExp(`backup ${id}, chunk 1 .*reordered`),
    ));

  it('a wrong key', async () => {
    const keyFile = path.join(h.config.dataDir, 'backup-keys.json');
    const original = fs.readFileSync(keyFile, 'utf8');
    try {
      await refused(
        () => {
          const keys = JSON.parse(original);
          keys.keys[keys.current] = Buffer.alloc(32, 1).toString('base64'); // same id, another secret
          fs.writeFileSync(keyFile, JSON.stringify(keys), { mode: 0o600 });
        },
        (id) => new RegExp(`backup ${id}.*(key|wrong)`, 'i'),
      );
    } finally {
      fs.writeFileSync(keyFile, original, { mode: 0o600 });
    }
  });

  it('an altered manifest', () =>
    refused(
      (id) => {
        const file = path.join(dirOf(id), 'manifest.json');
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/"rowCount":\s*(\d+)/, (_m, d) => `"rowCount": ${Number(d) + 1}`));
      },
      (id) => new RegExp(`backup ${id}.*(altered|manifest)`),
    ));

  it('a missing chain link', async () => {
    const deps = { invoiceUrl: urlOf(source), catalog: h.db, store: backupStore(h.config), keyring: backupKeyring(h.config) };
    const change = async (folder: string) => {
      const c = new Client({ connectionString: urlOf(source) });
      await c.connect();
      await c.query(`UPDATE invoices SET folder = $1 WHERE invoice_no IN (SELECT invoice_no FROM invoices ORDER BY invoice_no LIMIT 5)`, [folder]);
      await c.end();
    };
    await freshFull();
    await change('x');
    const inc1 = await takeBackup(deps, { kind: 'incremental', by: 'test' });
    await change('y');
    const inc2 = await takeBackup(deps, { kind: 'incremental', by: 'test' });
    await refused(
      () => fs.rmSync(dirOf(inc1.id), { recursive: true }),
      () => new RegExp(`backup ${inc1.id}`),
      inc2.id,
    );
  });

  // The plan's restore step and `replace` write into a database that exists and holds data: a refused
  // restore must leave it byte-identical (every table's rows and the schema), not just "not created".
  it('a flipped byte, restored with replace into the invoice database that holds data: every row of every table unchanged', async () => {
    const before = await databaseChecksum(urlOf(source));
    expect(before.invoices).toMatch(/^[1-9]\d* rows /);
    await refused(
      (id) => {
        const b = fs.readFileSync(chunk(id, 1));
        b[b.length - 5] ^= 1;
        fs.writeFileSync(chunk(id, 1), b);
      },
      (id) => new RegExp(`backup ${id}, chunk 1 .*000001\\.ybc`),
      undefined,
      { target: 'invoices', replace: true },
    );
    expect(await databaseChecksum(urlOf(source))).toEqual(before);
  });
});
