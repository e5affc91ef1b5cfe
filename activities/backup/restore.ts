// Restoring a backup chain into an invoice database, class by class in priority order. Nothing is
// written before the whole chain verifies; each chunk commits with its progress row, so a restore
// that dies resumes after its last committed chunk.
import { ApplicationFailure } from '@temporalio/activity';
import { finished, pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { readChunks, readManifest, verifyChain } from './format';
import type { BackupManifest } from './format';
import type { Keyring } from './keys/keyring';
import type { BackupStore } from './store';
import { INVOICE_COLUMNS } from '../invoices/generate';
import { INVOICE_CHANGE_TRIGGER } from '../../migrations/invoices/index';
import { DELETED_CLASS } from './take-backup';
import { RowDigest } from './row-digest';
import { drillSandboxOf } from '../../domain/drill/sandbox-name';

export interface RestoreTarget {
  store: BackupStore;
  keyring: Keyring;
  /** The database to restore into (its schema migrated). */
  targetUrl: string;
}

export interface ClassRestored {
  cls: string;
  rows: number;
  /** Rows copied by this call (less than `rows` when resuming). */
  copiedNow: number;
  chunksSkipped: number;
}

const keyOf = (line: Buffer) => {
  const tab = line.indexOf(9);
  return line.subarray(0, tab === -1 ? line.length : tab).toString('latin1');
};

function* lines(rows: Buffer): Generator<Buffer> {
  let start = 0;
  for (let i = rows.indexOf(10); i !== -1; i = rows.indexOf(10, i + 1)) {
    yield rows.subarray(start, i + 1);
    start = i + 1;
  }
  if (start < rows.length) yield rows.subarray(start);
}

/**
 * Checks the whole chain before anything is restored: manifest authentication, links, key ids and
 * every chunk's SHA-256. Decryption (the GCM tag) is then checked chunk by chunk as it is read,
 * before its rows are written, so a full decrypt here would only double the work.
 */
export async function verifyRestoreChain(t: Pick<RestoreTarget, 'store' | 'keyring'>, chain: string[]) {
  return verifyChain(t.store, t.keyring, chain, { depth: 'checksums' });
}

/**
 * The invoice numbers each backup's rows must not overwrite: everything a newer backup in the chain
 * mentions (its rows or its tombstones). Newer backups are small (changes only), so this fits in memory.
 */
async function supersededBy(t: RestoreTarget, manifests: BackupManifest[]): Promise<Array<Set<string>>> {
  const out: Array<Set<string>> = manifests.map(() => new Set());
  const seen = new Set<string>();
  for (let i = manifests.length - 1; i >= 0; i--) {
    out[i] = new Set(seen);
    if (i === 0) break;
    for await (const chunk of readChunks(t.store, t.keyring, manifests[i])) for (const line of lines(chunk.rows)) seen.add(keyOf(line).trimEnd());
  }
  return out;
}

/**
 * Restores one priority class from the chain: for each backup, its rows of the class that no newer
 * backup replaces or deletes, one transaction per chunk together with its progress row.
 */
export async function restoreClass(
  t: RestoreTarget,
  req: { restoreId: string; chain: string[]; cls: string; replace?: boolean },
  onChunk?: (done: { backupId: string; seq: number; rows: number }) => void,
): Promise<ClassRestored> {
  await assertRestoreTarget(t.targetUrl, req.restoreId);
  const manifests = await Promise.all(req.chain.map((id) => readManifest(t.store, t.keyring, id)));
  const superseded = await supersededBy(t, manifests);
  const writers = await openWriters(t.targetUrl);
  let rows = 0;
  let copiedNow = 0;
  let chunksSkipped = 0;
  let failure: unknown;
  const slots: Array<Promise<void>> = writers.map(() => Promise.resolve());
  let turn = 0;
  try {
    const doneRows: Array<{ backup_id: string; seq: number; rows: number }> = (
      await writers[0].db.query(`SELECT backup_id, seq, rows FROM restore_progress WHERE restore_id = $1 AND cls = $2`, [req.restoreId, req.cls])
    ).rows;
    const done = new Map(doneRows.map((r) => [`${r.backup_id}/${r.seq}`, r.rows]));
    for (const [i, manifest] of manifests.entries()) {
      for await (const chunk of readChunks(t.store, t.keyring, manifest, { classes: [req.cls] })) {
        const key = `${manifest.backupId}/${chunk.seq}`;
        if (done.has(key)) {
          rows += done.get(key)!;
          chunksSkipped++;
          continue;
        }
        const keep: Buffer[] = [];
        const skip = superseded[i];
        for (const line of lines(chunk.rows)) if (skip.size === 0 || !skip.has(keyOf(line))) keep.push(line);
        const slot = turn++ % writers.length;
        await slots[slot];
        if (failure) throw failure;
        slots[slot] = writeChunk(writers[slot].db, writers[slot].quietTriggers, { restoreId: req.restoreId, backupId: manifest.backupId, seq: chunk.seq, cls: req.cls }, keep).then(
          () => {
            rows += keep.length;
            copiedNow += keep.length;
            onChunk?.({ backupId: manifest.backupId, seq: chunk.seq, rows: keep.length });
          },
          (err) => {
            failure ??= err;
          },
        );
      }
    }
    await Promise.all(slots);
    if (failure) throw failure;
    return { cls: req.cls, rows, copiedNow, chunksSkipped };
  } finally {
    await Promise.all(slots);
    await Promise.all(writers.map((w) => w.db.end().catch(() => undefined)));
  }
}

/**
 * The connections a restore writes with. Where the role may set session_replication_role (a
 * superuser: the embedded cluster), triggers stay quiet for these sessions only, so several
 * connections copy at once (PostgreSQL's side of COPY is the bottleneck, one backend per core;
 * YINGJI_RESTORE_CONNECTIONS, default 2). Otherwise one connection disables the change-log trigger
 * per chunk, which locks the table, so a second connection would only wait.
 */
async function openWriters(url: string): Promise<Array<{ db: Client; quietTriggers: boolean }>> {
  const connect = async () => {
    const db = new Client({ connectionString: url });
    await db.connect();
    const quietTriggers = await db.query('SET session_replication_role = replica').then(
      () => true,
      () => false,
    );
    return { db, quietTriggers };
  };
  const first = await connect();
  if (!first.quietTriggers) return [first];
  const n = Number(process.env.YINGJI_RESTORE_CONNECTIONS ?? 2);
  const more = await Promise.all(Array.from({ length: (Number.isInteger(n) && n >= 1 && n <= 16 ? n : 2) - 1 }, connect));
  return [first, ...more];
}

/**
 * One chunk's rows and its progress row, in one transaction. Its commit need not wait for the WAL
 * flush: a crash can only lose the last chunks together with their progress rows, and the resumed
 * restore copies them again; finishRestore's ordinary commit flushes everything before it. Restored
 * rows are a baseline, not changes: the change log stays out of them (see finishRestore).
 */
async function writeChunk(db: Client, quietTriggers: boolean, at: { restoreId: string; backupId: string; seq: number; cls: string }, keep: Buffer[]): Promise<void> {
  const digest = new RowDigest();
  await db.query(`BEGIN; SET LOCAL synchronous_commit = off${quietTriggers ? '' : `; ALTER TABLE invoices DISABLE TRIGGER ${INVOICE_CHANGE_TRIGGER}`}`);
  try {
    if (keep.length) {
      const copy = db.query(copyFrom(`COPY invoices (${INVOICE_COLUMNS.join(', ')}) FROM STDIN`));
      const copied = finished(copy);
      copy.end(Buffer.concat(keep)); // one CopyData message, not one per row
      for (const line of keep) digest.add(line); // while PostgreSQL takes the rows in
      await copied;
    }
    const lit = (v: string) => db.escapeLiteral(v);
    await db.query(
      `${quietTriggers ? '' : `ALTER TABLE invoices ENABLE TRIGGER ${INVOICE_CHANGE_TRIGGER};`}
       INSERT INTO restore_progress (restore_id, backup_id, seq, cls, rows, digest)
         VALUES (${lit(at.restoreId)}, ${lit(at.backupId)}, ${Number(at.seq)}, ${lit(at.cls)}, ${keep.length}, ${lit(digest.hex)});
       COMMIT`,
    );
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The classes a chain restores, in the order asked (default: the full's order), tombstones excluded. */
export async function chainClasses(t: Pick<RestoreTarget, 'store' | 'keyring'>, chain: string[], order?: string[]): Promise<string[]> {
  const full = await readManifest(t.store, t.keyring, chain[0]);
  const present = full.classes.map((c) => c.name).filter((c) => c !== DELETED_CLASS);
  if (!order?.length) return present;
  const unknown = order.filter((c) => !present.includes(c));
  if (unknown.length) throw new Error(`priorities ${unknown.map((c) => `"${c}"`).join(', ')} are not classes of backup ${chain[0]} (${present.join(', ')})`);
  return [...order, ...present.filter((c) => !order.includes(c))];
}

/**
 * Defense in depth behind the API's rule (restoreTargetRefusal): a restore never prepares or writes
 * into PostgreSQL's own databases, a database holding Yingji's own tables (the application's
 * database, whatever its name), or a drill's sandbox other than from that drill's own restore step
 * (whose restore id is `<incident id>.<step id>`). A missing database is fine: it is created for
 * the restore. Refusals do not retry.
 */
export async function assertRestoreTarget(targetUrl: string, restoreId: string): Promise<void> {
  const name = decodeURIComponent(new URL(targetUrl).pathname.replace(/^\//, ''));
  const refuse = (why: string) => ApplicationFailure.nonRetryable(`refusing to restore into "${name}": ${why}`, 'ProtectedTarget');
  if (['postgres', 'template0', 'template1'].includes(name)) throw refuse("it is one of PostgreSQL's own databases");
  if (name.startsWith('drill_')) {
    const ids = restoreId.split('.').map((_, i, parts) => parts.slice(0, i).join('.')).filter(Boolean);
    if (!ids.some((incidentId) => drillSandboxOf(incidentId) === name)) throw refuse(`it is a drill's sandbox and restore ${restoreId} is not that drill's own`);
  }
  const db = new Client({ connectionString: targetUrl });
  try {
    await db.connect();
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') return; // does not exist yet
    throw err;
  }
  try {
    const own = await db.query(`SELECT to_regclass('public.audit_entries') IS NOT NULL OR to_regclass('public.api_tokens') IS NOT NULL AS own`);
    if (own.rows[0].own) throw refuse("it holds Yingji's own tables (audit trail, tokens): it is the application's database");
  } finally {
    await db.end().catch(() => undefined);
  }
}

/** Refuses to restore over data unless asked to replace it (then the table is emptied first). */
export async function prepareTarget(targetUrl: string, restoreId: string, replace: boolean): Promise<void> {
  await assertRestoreTarget(targetUrl, restoreId);
  const db = new Client({ connectionString: targetUrl });
  await db.connect();
  try {
    const started = (await db.query(`SELECT 1 FROM restore_progress WHERE restore_id = $1 LIMIT 1`, [restoreId])).rowCount;
    if (started) return; // resuming: the rows there are this restore's own
    const existing = Number((await db.query(`SELECT count(*) AS n FROM invoices`)).rows[0].n);
    if (existing > 0 && !replace) throw new Error(`the target already holds ${existing} invoices: restore into an empty database, or ask to replace them`);
    if (existing > 0) await db.query(`TRUNCATE invoices`);
  } finally {
    await db.end();
  }
}

/**
 * Marks the restored database's change log with a TRUNCATE row ("everything before is replaced"),
 * so the next incremental refuses and asks for a full backup of the restored data.
 */
export async function finishRestore(targetUrl: string): Promise<void> {
  const db = new Client({ connectionString: targetUrl });
  await db.connect();
  try {
    await db.query(`INSERT INTO invoice_changes (invoice_no, op) VALUES (NULL, 'T')`);
  } finally {
    await db.end();
  }
}

export interface RestoreCheck {
  restoreId: string;
  rows: number;
  /** Per class: rows written, and (for a restore of one full backup) the manifest's count and digest. */
  classes: Array<{ cls: string; rows: number; manifestRows?: number; digestMatches?: boolean }>;
}

export class RestoreMismatch extends Error {}

/**
 * Checks a finished restore: every row the restore wrote is in the target, unchanged (count and
 * digest of the whole table against the restore's per-chunk log). A restore of a single full backup
 * is also checked class by class against the manifest's row counts and digests.
 */
export async function verifyRestored(t: RestoreTarget, restoreId: string): Promise<RestoreCheck> {
  const db = new Client({ connectionString: t.targetUrl });
  await db.connect();
  try {
    const log: Array<{ backup_id: string; cls: string; rows: number; digest: string }> = (
      await db.query(`SELECT backup_id, cls, rows, digest FROM restore_progress WHERE restore_id = $1`, [restoreId])
    ).rows;
    if (!log.length) throw new RestoreMismatch(`restore ${restoreId} has written nothing to check`);
    const expected = new RowDigest();
    const perClass = new Map<string, { rows: number; digest: RowDigest }>();
    for (const r of log) {
      expected.merge(r.digest);
      expected.rows += r.rows;
      const c = perClass.get(r.cls) ?? { rows: 0, digest: new RowDigest() };
      c.rows += r.rows;
      c.digest.merge(r.digest);
      perClass.set(r.cls, c);
    }
    const actual = new RowDigest();
    let tail: Buffer = Buffer.alloc(0);
    const source = db.query(copyTo(`COPY (SELECT ${INVOICE_COLUMNS.join(', ')} FROM invoices) TO STDOUT`));
    source.on('data', (b: Buffer) => (tail = actual.addRows(tail.length ? Buffer.concat([tail, b]) : b)));
    await pipeline(source, new Writable({ write: (_c, _e, cb) => cb() }));
    if (tail.length) actual.add(tail);
    if (actual.rows !== expected.rows) throw new RestoreMismatch(`restore ${restoreId}: the target holds ${actual.rows} invoices, the restore wrote ${expected.rows}`);
    if (actual.hex !== expected.hex) throw new RestoreMismatch(`restore ${restoreId}: the target's rows differ from the rows the restore wrote (digest ${actual.hex}, expected ${expected.hex})`);

    const backups = [...new Set(log.map((r) => r.backup_id))];
    const manifest = backups.length === 1 ? await readManifest(t.store, t.keyring, backups[0]) : undefined;
    const classes = [...perClass.entries()].map(([cls, c]) => {
      if (!manifest || manifest.kind !== 'full') return { cls, rows: c.rows };
      const manifestRows = manifest.classes.find((x) => x.name === cls)?.rowCount ?? 0;
      const label = manifest.labels[`digest:${cls}`];
      const digestMatches = label === undefined ? undefined : label === c.digest.hex;
      if (manifestRows !== c.rows) throw new RestoreMismatch(`restore ${restoreId}, class ${cls}: ${c.rows} rows restored, backup ${manifest.backupId} holds ${manifestRows}`);
      if (digestMatches === false) throw new RestoreMismatch(`restore ${restoreId}, class ${cls}: the restored rows differ from backup ${manifest.backupId}'s`);
      return { cls, rows: c.rows, manifestRows, digestMatches };
    });
    return { restoreId, rows: actual.rows, classes };
  } finally {
    await db.end();
  }
}
