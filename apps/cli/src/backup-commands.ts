import { Command } from 'commander';
import { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { SingleBar } from 'cli-progress';
import { Client as PgClient } from 'pg';
import { temporalTls } from '../../shared/temporal-connection';
import { restoreByPriority, restoreProgress } from '../../../workflows/restore-by-priority.workflow';
import { recoveryTest } from '../../../workflows/recovery-test.workflow';
import type { RestoreInput, RestoreResult } from '../../../workflows/restore-by-priority.workflow';
import { appendAudit } from '../../../activities/records/audit-log';
import { targetUrl } from '../../../activities/backup/backup.activities';
import { verifyBackup } from '../../../activities/backup/format';
import { BackupKind, takeBackup } from '../../../activities/backup/take-backup';
import { backupDeps, backupKeyring, backupStore, RESTORE_TARGET_RULE, restoreTargetRefusal } from '../../shared/backups';
import { loadConfig, YingjiConfig } from '../../shared/config';
import { createDataSource } from '../../../migrations/data-source';

/** `yingji backup ...`: take, list and verify backups of the invoice database. */
export function backupCommands(): Command {
  const cmd = new Command('backup').description('backups of the invoice database');
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
          backupDeps(config, catalog),
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

/** `yingji restore`: runs the restoreByPriority workflow and shows each class as it becomes available. */
/** Shows the restore as it goes: classes back out of classes to restore, and rows committed so far. */
async function withProgress(handle: WorkflowHandle, config: YingjiConfig, target: string, restoreId: string): Promise<RestoreResult> {
  const bar = process.stderr.isTTY
    ? new SingleBar({ stream: process.stderr, format: 'restore [{bar}] {value}/{total} classes | {rows} rows | {phase} {current}', hideCursor: true })
    : undefined;
  let started = false;
  let last = '';
  const poll = async () => {
    const p = await handle.query(restoreProgress).catch(() => undefined);
    if (!p) return;
    const rows = await restoredRows(targetUrl(config, target), restoreId);
    const payload = { rows, phase: p.phase, current: p.current ?? '' };
    if (bar) {
      if (!started && p.classes.length) {
        bar.start(p.classes.length, 0, payload);
        started = true;
      }
      if (started) bar.update(p.available.length, payload);
    } else {
      const line = `${p.phase}${p.current ? ` ${p.current}` : ''}: ${p.available.length}/${p.classes.length} classes, ${rows} rows`;
      if (line !== last) console.error((last = line));
    }
  };
  const timer = setInterval(() => void poll(), 500);
  try {
    return (await handle.result()) as RestoreResult;
  } finally {
    clearInterval(timer);
    await poll();
    bar?.stop();
  }
}

async function restoredRows(url: string, restoreId: string): Promise<number> {
  const db = new PgClient({ connectionString: url });
  try {
    await db.connect();
    return Number((await db.query(`SELECT COALESCE(sum(rows), 0) AS n FROM restore_progress WHERE restore_id = $1`, [restoreId])).rows[0].n);
  } catch {
    return 0; // the target is being created or migrated
  } finally {
    await db.end().catch(() => undefined);
  }
}

/** The CLI runs on the operator's machine with the database's credentials: no token, the person it is told. */
async function auditRestoreStart(config: YingjiConfig, input: RestoreInput): Promise<void> {
  const catalog = createDataSource(config.databaseUrl);
  await catalog.initialize();
  try {
    await catalog.transaction((em) =>
      appendAudit(em, {
        at: new Date(), actor: input.startedBy ?? 'operator', action: 'restore.start', subjectType: 'restore', subjectId: input.restoreId, outcome: 'ok',
        detail: { target: input.target, replace: input.replace, pointInTime: input.pointInTime, backupId: input.backupId, via: 'cli' },
      }),
    );
  } finally {
    await catalog.destroy();
  }
}

export function restoreCommand(): Command {
  return new Command('restore')
    .description('restore invoices by priority from the backup chain (a Temporal workflow; survives worker restarts)')
    .option('--to <time>', 'the moment to restore to (ISO date-time; default: the latest backup)')
    .option('--backup <id>', 'or exactly this backup\'s moment')
    .requiredOption('--target <db>', RESTORE_TARGET_RULE)
    .option('--replace', 'replace invoices already in the target')
    .option('--by <person>', 'recorded in the restore and the audit trail', process.env.USER || 'operator')
    .action(async (o: { to?: string; backup?: string; target: string; replace?: boolean; by: string }) => {
      if (o.to && Number.isNaN(Date.parse(o.to))) throw new Error(`--to "${o.to}" is not a date-time`);
      const config = loadConfig();
      const refusal = restoreTargetRefusal(o.target, config);
      if (refusal) throw new Error(`--target: ${refusal}`);
      const connection = await Connection.connect({ address: config.temporal.address, tls: temporalTls(config.temporal) });
      try {
        const client = new Client({ connection, namespace: config.temporal.namespace });
        const restoreId = `restore-${new Date().toISOString().replace(/[-:.]/g, '')}`;
        const input: RestoreInput = { restoreId, target: o.target, pointInTime: o.to, backupId: o.backup, replace: o.replace ?? false, startedBy: o.by };
        const handle = await client.workflow.start(restoreByPriority, { taskQueue: config.taskQueue, workflowId: restoreId, args: [input] });
        await auditRestoreStart(config, input);
        console.error(`started ${restoreId}; the worker verifies the chain first, then restores class by class`);
        const result = await withProgress(handle, config, o.target, restoreId);
        console.log(`restored ${result.target} to ${result.pointInTime} from ${result.chain.join(' -> ')}`);
        for (const c of result.classes) console.log(`  ${c.cls.padEnd(26)} ${String(c.rows).padStart(9)} rows  available ${c.availableAt}`);
      } finally {
        await connection.close();
      }
    });
}

/** `yingji recovery-test run|status`: the scheduled restore-and-verify, now or its history. */
export function recoveryTestCommand(): Command {
  const cmd = new Command('recovery-test').description('restore the latest backup chain into a scratch database and verify it (scheduled daily by `yingji up`)');
  cmd.command('run').description('run one now and wait for it').action(async () => {
    const config = loadConfig();
    const connection = await Connection.connect({ address: config.temporal.address, tls: temporalTls(config.temporal) });
    try {
      const client = new Client({ connection, namespace: config.temporal.namespace });
      const id = `recovery-test-manual-${new Date().toISOString().replace(/[-:.]/g, '')}`;
      const result = await client.workflow.execute(recoveryTest, { taskQueue: config.taskQueue, workflowId: id, args: [] });
      console.log(JSON.stringify(result));
    } finally {
      await connection.close();
    }
  });
  cmd.command('status').description('the latest recovery tests').action(async () => {
    const catalog = createDataSource(loadConfig().databaseUrl);
    await catalog.initialize();
    try {
      const rows = await catalog.query(`SELECT id, started_at, finished_at, ok, error, chain FROM recovery_tests ORDER BY started_at DESC LIMIT 10`);
      if (!rows.length) console.log('no recovery test has run yet (`yingji recovery-test run`)');
      for (const r of rows) console.log(`${new Date(r.started_at).toISOString()}  ${r.ok ? 'ok    ' : 'FAILED'}  ${r.id}  chain ${(r.chain as string[]).join(' -> ') || '-'}${r.error ? `  — ${r.error}` : ''}`);
      if (rows.length && !rows[0].ok) process.exitCode = 2;
    } finally {
      await catalog.destroy();
    }
  });
  return cmd;
}
