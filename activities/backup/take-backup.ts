// takeBackup: one full, incremental or differential backup of the invoice database, written as the
// design's manifest + chunks and entered in the catalog. Reads run in one REPEATABLE READ snapshot,
// so every class and the change range describe the same instant.
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import { PRIORITY_CLASSES, priorityClassCaseSql, priorityClassSql } from '../../domain/einvoice';
import { INVOICE_COLUMNS } from '../invoices/generate';
import { appendAudit } from '../records/audit-log';
import { BackupWriter } from './format';
import { RowDigest } from './row-digest';
import type { Keyring } from './keys/keyring';
import type { BackupStore } from './store';

export type BackupKind = 'full' | 'incremental' | 'differential';

/** Tombstones (invoice numbers deleted since the parent) travel as their own class. */
export const DELETED_CLASS = 'deleted';

export interface TakeBackupRequest {
  kind: BackupKind;
  by: string;
  /** Progress per class written (rows so far). */
  onProgress?: (cls: string, rows: number) => void;
}

export interface CatalogRow {
  id: string;
  kind: BackupKind;
  parentId: string | null;
  baseFullId: string | null;
  takenAt: Date;
  pointInTime: Date;
  /** The snapshot (pg_current_snapshot) the backup saw: the next incremental takes what it did not. */
  toChange: string;
  rowCounts: Record<string, number>;
  status: string;
}

export class BackupRefused extends Error {}

const cols = INVOICE_COLUMNS.join(', ');

function backupId(kind: BackupKind, at: Date): string {
  return `${kind}-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(2).toString('hex')}`;
}

async function latest(catalog: DataSource, where: string): Promise<CatalogRow | undefined> {
  const rows = await catalog.query(
    `SELECT id, kind, parent_id AS "parentId", base_full_id AS "baseFullId", taken_at AS "takenAt", point_in_time AS "pointInTime",
            to_change AS "toChange", row_counts AS "rowCounts", status
       FROM backup_catalog WHERE status IN ('completed', 'verified') AND ${where} ORDER BY point_in_time DESC LIMIT 1`,
  );
  return rows[0];
}

/** Row digests per class of the backup being written (recorded in the manifest's labels). */
type Digests = Record<string, RowDigest>;

/** Streams `COPY (query) TO STDOUT` into the writer's class stream; returns the rows copied. */
async function copyClass(db: Client, writer: BackupWriter, cls: string, query: string, onProgress: ((cls: string, rows: number) => void) | undefined, digests: Digests): Promise<number> {
  const source = db.query(copyTo(`COPY (${query}) TO STDOUT`));
  const digest = (digests[cls] = new RowDigest());
  let tail: Buffer = Buffer.alloc(0);
  source.on('data', (b: Buffer) => {
    tail = digest.addRows(tail.length ? Buffer.concat([tail, b]) : b);
    onProgress?.(cls, digest.rows);
  });
  await pipeline(source, writer.rowStream(cls));
  if (tail.length) digest.add(tail);
  return digest.rows;
}

/**
 * Takes a backup. A full copies every invoice, class by class in restore order. An incremental
 * (changes since the latest backup of any kind) or differential (since the latest full) copies the
 * current rows of every invoice changed in between, and the numbers of those deleted.
 */
export async function takeBackup(
  deps: { invoiceUrl: string; catalog: DataSource; store: BackupStore; keyring: Keyring },
  req: TakeBackupRequest,
): Promise<CatalogRow> {
  const parent =
    req.kind === 'full' ? undefined : await latest(deps.catalog, req.kind === 'differential' ? `kind = 'full'` : 'true');
  if (req.kind !== 'full' && !parent) throw new BackupRefused(`an ${req.kind} backup needs an earlier full backup; take one with --kind full`);

  const db = new Client({ connectionString: deps.invoiceUrl });
  await db.connect();
  const takenAt = new Date();
  const id = backupId(req.kind, takenAt);
  const writer = new BackupWriter(deps.store, deps.keyring, { backupId: id });
  try {
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const snap = (await db.query(`SELECT now() AS at, pg_current_snapshot()::text AS snapshot`)).rows[0] as { at: Date; snapshot: string };
    const pointInTime = snap.at;
    const rowCounts: Record<string, number> = {};
    const digests: Digests = {};
    const classes: string[] = [...PRIORITY_CLASSES];
    if (req.kind === 'full') {
      for (const cls of PRIORITY_CLASSES) {
        rowCounts[cls] = await copyClass(db, writer, cls, `SELECT ${cols} FROM invoices WHERE ${priorityClassSql(cls, pointInTime)}`, req.onProgress, digests);
      }
    } else {
      // Changes committed after the parent's snapshot (the latest full for a differential, the latest
      // backup for an incremental) and visible in ours; a TRUNCATE needs a new full.
      const since = parent!;
      const changed = `SELECT DISTINCT invoice_no, op FROM invoice_changes
                        WHERE NOT pg_visible_in_snapshot(xact_id, '${since.toChange}'::pg_snapshot)`;
      const truncated = await db.query(`SELECT 1 FROM (${changed}) c WHERE op = 'T' LIMIT 1`);
      if (truncated.rowCount) throw new BackupRefused('the invoices table was truncated since the last backup: take a full backup');
      // One pass over the changed invoices (small), classed once; then each class is a tiny scan.
      await db.query(`CREATE TEMP TABLE changed_invoices ON COMMIT DROP AS SELECT DISTINCT invoice_no FROM (${changed}) c`);
      await db.query(
        `CREATE TEMP TABLE changed_rows ON COMMIT DROP AS
           SELECT ${priorityClassCaseSql(pointInTime)} AS cls, i.* FROM changed_invoices c JOIN invoices i USING (invoice_no)`,
      );
      for (const cls of PRIORITY_CLASSES) {
        rowCounts[cls] = await copyClass(db, writer, cls, `SELECT ${cols} FROM changed_rows WHERE cls = '${cls}'`, req.onProgress, digests);
      }
      rowCounts[DELETED_CLASS] = await copyClass(
        db,
        writer,
        DELETED_CLASS,
        `SELECT c.invoice_no FROM changed_invoices c WHERE NOT EXISTS (SELECT 1 FROM changed_rows r WHERE r.invoice_no = c.invoice_no)`,
        req.onProgress,
        digests,
      );
      classes.push(DELETED_CLASS);
    }
    await db.query('COMMIT');
    const baseFullId = req.kind === 'full' ? null : parent!.kind === 'full' ? parent!.id : parent!.baseFullId;
    const manifest = await writer.finish({
      kind: req.kind,
      parentId: parent?.id ?? null,
      baseFullId,
      fromChange: parent?.toChange ?? null,
      toChange: snap.snapshot,
      takenAt,
      pointInTime,
      classes,
      labels: Object.fromEntries(Object.entries(digests).map(([cls, d]) => [`digest:${cls}`, d.hex])),
    });
    const bytes = manifest.chunks.reduce((n, c) => n + c.byteLength, 0);
    await deps.catalog.transaction(async (em) => {
      await em.query(
        `INSERT INTO backup_catalog (id, kind, parent_id, base_full_id, taken_at, point_in_time, from_change, to_change, status, row_counts, chunks, bytes, key_id, location, manifest_sha256, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'completed', $9, $10, $11, $12, $13, $14, $15)`,
        [id, req.kind, parent?.id ?? null, baseFullId, takenAt, pointInTime, parent?.toChange ?? null, snap.snapshot, JSON.stringify(rowCounts),
          manifest.chunks.length, bytes, writer.keyId, `${deps.store.description}/${id}`, writer.manifestSha256 ?? null, req.by],
      );
      await appendAudit(em, { at: new Date(), actor: req.by, action: 'backup.take', subjectType: 'backup', subjectId: id, outcome: 'ok', detail: { kind: req.kind, rowCounts } });
    });
    return { id, kind: req.kind, parentId: parent?.id ?? null, baseFullId, takenAt, pointInTime, toChange: snap.snapshot, rowCounts, status: 'completed' };
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    await writer.abort().catch(() => undefined);
    throw err;
  } finally {
    await db.end();
  }
}
