// bench/backup-restore: our backup and restore of 1,000,000 invoices against pg_dump -Fc and
// pg_restore of the same table, side by side in one run, with raw COPY as the ceiling.
//   node dist/bench/backup-restore/main.js [--rows 1000000]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { Keyring } from '../../activities/backup/keys/keyring';
import { chainClasses, prepareTarget, restoreClass, verifyRestoreChain } from '../../activities/backup/restore';
import { DirectoryStore } from '../../activities/backup/store';
import { takeBackup } from '../../activities/backup/take-backup';
import { adminUrlFor, prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { startDetached } from '../../apps/cli/src/stack';
import { loadConfig } from '../../apps/shared/config';
import { createDataSource } from '../../migrations/data-source';
import { dropDatabase, findPgBin } from '../../scripts/stack/postgres';
import { numberOptions } from '../args';

const { rows: ROWS } = numberOptions({ rows: 1_000_000 });

const seconds = (ms: number) => (ms / 1000).toFixed(2);
async function timed<T>(label: string, fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  process.stderr.write(`  ${label}...`);
  const t = performance.now();
  const value = await fn();
  const ms = performance.now() - t;
  process.stderr.write(` ${seconds(ms)} s\n`);
  return { ms, value };
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += fs.statSync(path.join(e.parentPath, e.name)).size;
  return n;
}

async function sql(url: string, q: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(q);
  } finally {
    await c.end();
  }
}

async function main() {
  const config = loadConfig();
  const info = await startDetached(config, (l) => console.error(l));
  const { adminUrl } = adminUrlFor(config.invoiceDatabaseUrl);
  const at = (db: string) => adminUrl.replace(/\/postgres$/, `/${db}`);
  const tag = randomBytes(2).toString('hex');
  const [src, ours, theirs] = [`bench_src_${tag}`, `bench_ours_${tag}`, `bench_pgrestore_${tag}`];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-bench-'));
  const bin = findPgBin();
  const catalog = createDataSource(config.databaseUrl);
  await catalog.initialize();
  const store = new DirectoryStore(path.join(work, 'backups'));
  const keyring = new Keyring({ bench: randomBytes(32) }, 'bench', 'bench');
  console.log(`bench/backup-restore: ${ROWS.toLocaleString()} invoices on ${info.database}; PostgreSQL tools from ${bin}`);
  try {
    await prepareInvoiceDatabase(at(src));
    await timed(`generating ${ROWS.toLocaleString()} invoices`, () => generateInvoices(at(src), { count: ROWS, seed: 1 }));
    await sql(at(src), 'VACUUM ANALYZE invoices');

    const copy = await timed('raw COPY of the table (ceiling)', async () => {
      const c = new Client({ connectionString: at(src) });
      await c.connect();
      await pipeline(c.query(copyTo('COPY invoices TO STDOUT')), new Writable({ write: (_c, _e, cb) => cb() }));
      await c.end();
    });
    const dumpFile = path.join(work, 'invoices.dump');
    const dump = await timed('pg_dump -Fc', async () => {
      const r = spawnSync(path.join(bin, 'pg_dump'), ['-Fc', '-t', 'invoices', '-f', dumpFile, '-d', at(src)], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error('pg_dump failed');
    });
    const full = await timed('yingji full backup', () => takeBackup({ invoiceUrl: at(src), catalog, store, keyring }, { kind: 'full', by: 'bench' }));
    const fullBytes = dirBytes(path.join(work, 'backups', full.value.id));

    await sql(at(src), `UPDATE invoices SET folder = folder || '/moved' WHERE invoice_no IN (SELECT invoice_no FROM invoices ORDER BY md5(invoice_no) LIMIT ${Math.round(ROWS / 100)})`);
    const inc = await timed('yingji incremental backup after a 1% change', () => takeBackup({ invoiceUrl: at(src), catalog, store, keyring }, { kind: 'incremental', by: 'bench' }));

    // Restores of the full backup's moment into the same starting point, the migrated empty schema
    // (indexes and triggers in place): pg_restore of the data (triggers off, as ours), ours class by class.
    await prepareInvoiceDatabase(at(theirs));
    const restore = await timed('pg_restore --data-only', async () => {
      const r = spawnSync(path.join(bin, 'pg_restore'), ['--data-only', '--disable-triggers', '-d', at(theirs), dumpFile], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error('pg_restore failed');
    });
    await prepareInvoiceDatabase(at(ours));
    const t = { store, keyring, targetUrl: at(ours) };
    const chain = [full.value.id];
    let firstClassMs = 0;
    const mine = await timed('yingji restore by priority (verify chain, then class by class)', async () => {
      const start = performance.now();
      await verifyRestoreChain(t, chain);
      await prepareTarget(t.targetUrl, 'bench', false);
      for (const [i, cls] of (await chainClasses(t, chain)).entries()) {
        await restoreClass(t, { restoreId: 'bench', chain, cls });
        if (i === 0) firstClassMs = performance.now() - start;
      }
    });

    const dumpBytes = fs.statSync(dumpFile).size;
    const r = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    console.log('');
    console.log(`${'measure'.padEnd(48)} ${'yingji'.padStart(10)} ${'peer'.padStart(10)} ${'ratio'.padStart(8)}  target`);
    const line = (m: string, a: string, b: string, ratio: string, target: string) => console.log(`${m.padEnd(48)} ${a.padStart(10)} ${b.padStart(10)} ${ratio.padStart(8)}  ${target}`);
    line('full backup time (s) vs pg_dump -Fc', seconds(full.ms), seconds(dump.ms), r(full.ms, dump.ms), '≤ 1.00×');
    line('full backup size (MB) vs pg_dump -Fc', (fullBytes / 1e6).toFixed(1), (dumpBytes / 1e6).toFixed(1), r(fullBytes, dumpBytes), '');
    line('incremental after 1% change (s) vs our full', seconds(inc.ms), seconds(full.ms), r(inc.ms, full.ms), '≤ 0.10×');
    line('full restore (s) vs pg_restore', seconds(mine.ms), seconds(restore.ms), r(mine.ms, restore.ms), '≤ 1.20×');
    line('current-period-undeclared available (s) vs pg_restore total', seconds(firstClassMs), seconds(restore.ms), r(firstClassMs, restore.ms), '≤ 0.15×');
    line('raw COPY TO of the table (s): the ceiling', seconds(copy.ms), '', r(full.ms, copy.ms), 'our full backup / COPY');
  } finally {
    await catalog.query(`DELETE FROM backup_catalog WHERE created_by = 'bench'`).catch(() => undefined);
    await catalog.destroy();
    for (const db of [src, ours, theirs]) await dropDatabase(adminUrl, db).catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
