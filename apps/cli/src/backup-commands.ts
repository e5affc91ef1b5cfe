import { Command } from 'commander';
import { verifyBackup } from '../../../activities/backup/format';
import { BackupKind, takeBackup } from '../../../activities/backup/take-backup';
import { backupKeyring, backupStore } from '../../shared/backups';
import { loadConfig } from '../../shared/config';
import { createDataSource } from '../../../migrations/data-source';

/** `yingji backup ...`: take, list and verify backups of the invoice database. */
export function backupCommands(): Command {
  const cmd = new Command('backup').description('backups of the invoice database (restore by priority arrives with the restore workflow)');
  cmd
    .command('take')
    .description('take a full, incremental or differential backup')
    .option('--kind <kind>', 'full | incremental | differential', 'full')
    .option('--by <person>', 'recorded in the catalog and audit trail', process.env.USER || 'operator')
    .action(async (o: { kind: string; by: string }) => {
      if (!['full', 'incremental', 'differential'].includes(o.kind)) throw new Error(`--kind "${o.kind}" must be full, incremental or differential`);
      const config = loadConfig();
      const catalog = createDataSource(config.databaseUrl);
      await catalog.initialize();
      try {
        let last = 0;
        const started = Date.now();
        const row = await takeBackup(
          { invoiceUrl: config.invoiceDatabaseUrl, catalog, store: backupStore(config), keyring: backupKeyring(config) },
          {
            kind: o.kind as BackupKind,
            by: o.by,
            onProgress: (cls, rows) => {
              if (Date.now() - last > 500) {
                last = Date.now();
                process.stderr.write(`\r  ${cls}: ${rows} rows   `);
              }
            },
          },
        );
        process.stderr.write('\n');
        const total = Object.values(row.rowCounts).reduce((a, b) => a + b, 0);
        console.log(`${row.id}  ${row.kind}  ${total} rows in ${((Date.now() - started) / 1000).toFixed(1)} s  parent ${row.parentId ?? '-'}`);
        for (const [cls, n] of Object.entries(row.rowCounts)) console.log(`  ${cls.padEnd(26)} ${n}`);
      } finally {
        await catalog.destroy();
      }
    });
  cmd
    .command('list')
    .description('the backup catalog, newest first')
    .action(async () => {
      const catalog = createDataSource(loadConfig().databaseUrl);
      await catalog.initialize();
      try {
        const rows = await catalog.query(`SELECT id, kind, status, parent_id, point_in_time, bytes, row_counts FROM backup_catalog ORDER BY point_in_time DESC`);
        if (!rows.length) console.log('no backups yet (`yingji backup take --kind full`)');
        for (const r of rows) {
          const total = Object.values(r.row_counts as Record<string, number>).reduce((a, b) => a + b, 0);
          console.log(`${r.id.padEnd(40)} ${r.kind.padEnd(12)} ${r.status.padEnd(9)} ${new Date(r.point_in_time).toISOString()}  ${total} rows  ${(Number(r.bytes) / 1e6).toFixed(1)} MB  parent ${r.parent_id ?? '-'}`);
        }
      } finally {
        await catalog.destroy();
      }
    });
  cmd
    .command('verify <id>')
    .description('check a backup (manifest authenticity, every chunk) without restoring it')
    .action(async (id: string) => {
      const config = loadConfig();
      const report = await verifyBackup(backupStore(config), backupKeyring(config), id, { depth: 'full' });
      console.log(`${id}: ok — ${report.chunkCount} chunks, ${report.rowCount} rows, key ${report.keyId}`);
    });
  return cmd;
}
