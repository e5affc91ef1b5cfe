import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { shortestRestoreChain } from '../../domain/backup/chain';
import type { YingjiConfig } from '../../apps/shared/config';
import { prepareInvoiceDatabase } from '../invoices/database';
import { SANDBOX_PATTERN, sandboxUrl } from '../drills/sandbox';
import { dropDatabase } from '../../scripts/stack/postgres';
import type { Keyring } from './keys/keyring';
import { assertRestoreTarget, chainClasses, finishRestore, prepareTarget, restoreClass, RestoreMismatch, verifyRestoreChain, verifyRestored } from './restore';
import { Client } from 'pg';
import type { BackupStore } from './store';
import { nonRetryable } from '../failures';
import { BackupKind, takeBackup } from './take-backup';

export interface BackupDeps {
  catalog: DataSource;
  store: BackupStore;
  /** Loaded when first needed, so a worker without backup keys still runs every other activity. */
  keyring: () => Keyring;
  config: Pick<YingjiConfig, 'invoiceDatabaseUrl' | 'drillDatabaseUrl'>;
}

/**
 * Restore targets are named, never given as URLs (a URL may carry a password, and workflow
 * inputs are stored in history): `invoices` is the configured invoice database; another name is a
 * database of that name on the same server (scratch restores, drills).
 */
export function targetUrl(config: Pick<YingjiConfig, 'invoiceDatabaseUrl' | 'drillDatabaseUrl'>, target: string): string {
  if (target === 'invoices') return config.invoiceDatabaseUrl;
  // A live drill's sandbox lives on the drill server (YINGJI_DRILL_DATABASE_URL) when there is one.
  if (SANDBOX_PATTERN.test(target)) return sandboxUrl({ invoiceUrl: config.invoiceDatabaseUrl, sandboxServerUrl: config.drillDatabaseUrl }, target);
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(target)) throw ApplicationFailure.nonRetryable(`restore target "${target}" must be "invoices" or a database name (a-z, 0-9, _)`, 'BadTarget');
  const u = new URL(config.invoiceDatabaseUrl);
  u.pathname = `/${target}`;
  return u.toString();
}

const catalogEntries = (catalog: DataSource) =>
  catalog.query(
    `SELECT id, kind, parent_id AS "parentId", base_full_id AS "baseFullId", taken_at AS "takenAt", point_in_time AS "pointInTime",
            from_change AS "fromChange", to_change AS "toChange", status FROM backup_catalog`,
  );

/** Backup and restore as activities; each names the backup, chunk or class when it refuses. */
export function createBackupActivities(d: BackupDeps) {
  const target = (name: string) => ({ store: d.store, keyring: d.keyring(), targetUrl: targetUrl(d.config, name) });
  return {
    async takeInvoiceBackup(req: { kind: BackupKind; by: string }) {
      const row = await takeBackup({ invoiceUrl: d.config.invoiceDatabaseUrl, catalog: d.catalog, store: d.store, keyring: d.keyring() }, req);
      return { id: row.id, kind: row.kind, rowCounts: row.rowCounts, pointInTime: row.pointInTime.toISOString() };
    },

    /** The shortest chain to the point in time (default: now) and the classes in the asked order. */
    async planRestore(req: { pointInTime?: string; backupId?: string; priorities?: string[] }): Promise<{ chain: string[]; classes: string[]; pointInTime: string }> {
      try {
        const entries = await catalogEntries(d.catalog);
        let at = req.pointInTime ?? new Date().toISOString();
        if (req.backupId) {
          const b = entries.find((e: { id: string }) => e.id === req.backupId);
          if (!b) throw new Error(`backup ${req.backupId} is not in the catalog`);
          at = new Date(b.pointInTime).toISOString();
        }
        const chain = shortestRestoreChain(entries, at);
        const classes = await chainClasses({ store: d.store, keyring: d.keyring() }, chain.ids, req.priorities);
        return { chain: chain.ids, classes, pointInTime: new Date(chain.pointInTime).toISOString() };
      } catch (err) {
        throw nonRetryable(err, 'NoRestoreChain');
      }
    },

    /** Every manifest, link, key and chunk of the chain, before anything is written. */
    async verifyBackupChain(req: { chain: string[] }): Promise<{ rows: number; chunks: number }> {
      try {
        const report = await verifyRestoreChain({ store: d.store, keyring: d.keyring() }, req.chain);
        return { rows: report.backups.reduce((n, b) => n + b.rowCount, 0), chunks: report.backups.reduce((n, b) => n + b.chunkCount, 0) };
      } catch (err) {
        throw nonRetryable(err, 'BackupIntegrity');
      }
    },

    async prepareRestoreTarget(req: { restoreId: string; target: string; replace: boolean }): Promise<void> {
      const t = target(req.target);
      // Before anything is created or migrated there: never Yingji's own, PostgreSQL's or another drill's database.
      await assertRestoreTarget(t.targetUrl, req.restoreId);
      await prepareInvoiceDatabase(t.targetUrl);
      try {
        await prepareTarget(t.targetUrl, req.restoreId, req.replace);
      } catch (err) {
        throw nonRetryable(err, 'TargetNotEmpty');
      }
    },

    /** One class; heartbeats after every committed chunk, and a retry resumes after the last one. */
    async restoreInvoiceClass(req: { restoreId: string; chain: string[]; cls: string; target: string }) {
      const ctx = Context.current();
      return restoreClass(target(req.target), req, (done) => ctx.heartbeat(done));
    },

    /** Checks a finished restore (by id, or the latest whose id starts with `restorePrefix`). */
    async verifyRestoredInvoices(req: { target: string; restoreId?: string; restorePrefix?: string }) {
      const t = target(req.target);
      let restoreId = req.restoreId;
      if (!restoreId) {
        const db = new Client({ connectionString: t.targetUrl });
        await db.connect();
        try {
          const rows = await db.query(`SELECT restore_id FROM restore_progress WHERE restore_id LIKE $1 ORDER BY done_at DESC LIMIT 1`, [`${req.restorePrefix ?? ''}%`]);
          restoreId = rows.rows[0]?.restore_id;
        } finally {
          await db.end();
        }
        if (!restoreId) throw ApplicationFailure.nonRetryable(`no restore into ${req.target} to verify${req.restorePrefix ? ` for ${req.restorePrefix}` : ''}`, 'NothingRestored');
      }
      try {
        return await verifyRestored(t, restoreId);
      } catch (err) {
        if (err instanceof RestoreMismatch) throw nonRetryable(err, 'RestoreMismatch');
        throw err;
      }
    },

    /** Records a recovery test's outcome (idempotent by id). */
    async recordRecoveryTest(r: { id: string; startedAt: string; finishedAt: string; chain: string[]; ok: boolean; detail: Record<string, unknown>; error?: string }): Promise<void> {
      await d.catalog.query(
        `INSERT INTO recovery_tests (id, started_at, finished_at, chain, ok, detail, error) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET finished_at = EXCLUDED.finished_at, chain = EXCLUDED.chain, ok = EXCLUDED.ok, detail = EXCLUDED.detail, error = EXCLUDED.error`,
        [r.id, r.startedAt, r.finishedAt, JSON.stringify(r.chain), r.ok, JSON.stringify(r.detail), r.error ?? null],
      );
      if (r.ok) {
        await d.catalog.query(`UPDATE backup_catalog SET status = 'verified', verified_at = $2 WHERE id = ANY($1) AND status = 'completed'`, [r.chain, r.finishedAt]);
      }
    },

    /** Drops a scratch database (never the configured invoice database). */
    async dropScratchDatabase(req: { target: string }): Promise<void> {
      if (req.target === 'invoices') throw ApplicationFailure.nonRetryable('refusing to drop the configured invoice database', 'BadTarget');
      const url = new URL(targetUrl(d.config, req.target));
      url.pathname = '/postgres';
      await dropDatabase(url.toString(), req.target);
    },

    async finishInvoiceRestore(req: { target: string }): Promise<void> {
      await finishRestore(targetUrl(d.config, req.target));
    },
  };
}

export type BackupActivities = ReturnType<typeof createBackupActivities>;
