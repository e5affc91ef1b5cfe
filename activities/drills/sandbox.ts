// The live drill's sandbox: a copy of the invoice data in its own database, a pre-fault copy next to
// it for comparison, and real faults injected into the sandbox only. Production is only ever read.
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { isTaxPlatformFault } from '../../domain/drill/tax-faults';
import { priorityClassCaseSql, PRIORITY_CLASSES } from '../../domain/einvoice/priority';
import { INVOICE_TABLES } from '../../domain/plan/vocabulary';
import { dropDatabase, ensureDatabase } from '../../scripts/stack/postgres';
import { INVOICE_COLUMNS } from '../invoices/generate';
import { issueInvoicesIn } from '../invoices/issuing';
import { adminUrlFor, prepareInvoiceDatabase, withDatabase } from '../invoices/database';
import { invoiceStats } from '../invoices/stats';
import { INVOICE_CHANGE_TRIGGER } from '../../migrations/invoices/index';

/** Sandboxes are named `drill_…`; nothing else is ever faulted or dropped by a drill. */
export const SANDBOX_PATTERN = /^drill_[a-z0-9_]{1,50}$/;
export const preFaultName = (sandbox: string) => `${sandbox}_pre`;

/** Where production's invoices are, and the server sandboxes go on (default: the same server). */
export interface DrillServers {
  invoiceUrl: string;
  sandboxServerUrl?: string;
}

const hostOf = (url: string) => {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}`;
};

export function sandboxUrl(servers: DrillServers, sandbox: string): string {
  if (!SANDBOX_PATTERN.test(sandbox)) throw new Error(`"${sandbox}" is not a drill sandbox name (drill_…)`);
  const server = servers.sandboxServerUrl ?? servers.invoiceUrl;
  const { database } = adminUrlFor(servers.invoiceUrl);
  if (hostOf(server) === hostOf(servers.invoiceUrl) && (sandbox === database || preFaultName(sandbox) === database)) {
    throw new Error(`refusing to use the production invoice database "${database}" as a sandbox`);
  }
  const u = new URL(server);
  u.pathname = `/${sandbox}`;
  return u.toString();
}

/** The sandbox server's maintenance database, where sandboxes are created and dropped. */
const sandboxAdminUrl = (servers: DrillServers) => adminUrlFor(servers.sandboxServerUrl ?? servers.invoiceUrl).adminUrl;

/**
 * What an invoice says, for the loss comparison: every column but its sync state and the stamps
 * every update touches (updated_at, row_version). A resync in the drill changes those and loses
 * nothing; what the tax platform's side did is measured apart (measureTaxPlatform).
 */
const CONTENT_COLUMNS = INVOICE_COLUMNS.filter((c) => !['sync_status', 'synced_at', 'updated_at', 'row_version'].includes(c));
const rowDigestSql = `md5(ROW(${CONTENT_COLUMNS.join(', ')})::text)`;

/**
 * Creates `sandbox` as a copy of production's invoices (one consistent snapshot, read-only on
 * production), then its pre-fault copy. A retry starts over: the sandbox holds nothing of value yet.
 */
export async function createSandbox(servers: DrillServers, sandbox: string): Promise<{ rows: number; byClass: Record<string, number> }> {
  const url = sandboxUrl(servers, sandbox);
  const adminUrl = sandboxAdminUrl(servers);
  await dropDatabase(adminUrl, preFaultName(sandbox));
  await dropDatabase(adminUrl, sandbox);
  await ensureDatabase(adminUrl, sandbox);
  await prepareInvoiceDatabase(url);
  await withDatabase(servers.invoiceUrl, (prod) =>
    withDatabase(url, async (dst) => {
      await prod.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await dst.query('BEGIN');
      // The copy is the sandbox's baseline, not a change: like the generator, it bypasses the change log.
      await dst.query(`ALTER TABLE invoices DISABLE TRIGGER ${INVOICE_CHANGE_TRIGGER}`);
      const cols = INVOICE_COLUMNS.join(', ');
      await pipeline(prod.query(copyTo(`COPY invoices (${cols}) TO STDOUT`)), dst.query(copyFrom(`COPY invoices (${cols}) FROM STDIN`)));
      await dst.query(`ALTER TABLE invoices ENABLE TRIGGER ${INVOICE_CHANGE_TRIGGER}`);
      await dst.query('COMMIT');
      await prod.query('COMMIT');
      await dst.query('ANALYZE invoices');
    }),
  );
  // The pre-fault copy is a file-level copy of the sandbox (CREATE DATABASE … TEMPLATE), which needs
  // the sandbox to have no connections: ours are closed above.
  await withDatabase(adminUrl, (admin) => admin.query(`CREATE DATABASE "${preFaultName(sandbox)}" TEMPLATE "${sandbox}"`));
  const stats = await invoiceStats(url);
  return { rows: stats.total, byClass: stats.byClass };
}

export interface FaultSpec {
  kind: string;
  target?: string;
  count?: number;
  share?: number;
  field?: string;
  folder?: string;
  /** A priority class: only rows of that class are deleted or corrupted. */
  filter?: string;
  durationMs?: number;
  /** Tax-platform faults: invoices issued into the sandbox as the fault starts. */
  invoices?: number;
}

export interface FaultApplied {
  kind: string;
  target?: string;
  rows?: number;
  detail: string;
}

const UNBUILT: Record<string, string> = {
  'rogue-access': 'roles are server-wide in PostgreSQL, so a planted account would not stay inside the sandbox',
};

/** Faults this build can inject for real; the others are refused before the drill touches anything. */
export function faultUnavailable(kind: string): string | undefined {
  return UNBUILT[kind] ? `fault ${kind} is not available yet: ${UNBUILT[kind]}` : undefined;
}

/**
 * Injects one fault into the sandbox, for real. Idempotent under retry: the fault and its marker row
 * commit together, and a marker already there means it was injected.
 */
export async function injectFault(servers: DrillServers, sandbox: string, index: number, fault: FaultSpec, seed: string): Promise<FaultApplied> {
  const url = sandboxUrl(servers, sandbox);
  const unavailable = faultUnavailable(fault.kind);
  if (unavailable) throw new Error(unavailable);
  if (isTaxPlatformFault(fault.kind)) throw new Error(`fault ${fault.kind} acts on the drill's tax-platform tenant, not on the sandbox database`);
  if (fault.kind === 'stop-database') return stopSandbox(servers, sandbox);
  const target = fault.target ?? 'invoices';
  if (!(INVOICE_TABLES as readonly string[]).includes(target)) throw new Error(`fault ${fault.kind}: target "${target}" is not a table of the invoice database (${INVOICE_TABLES.join(', ')})`);
  return withDatabase(url, async (db) => {
    await db.query('CREATE TABLE IF NOT EXISTS drill_faults (idx int PRIMARY KEY, detail jsonb NOT NULL)');
    const done = await db.query('SELECT detail FROM drill_faults WHERE idx = $1', [index]);
    if (done.rowCount) return done.rows[0].detail as FaultApplied;
    await db.query('BEGIN');
    try {
      const applied = await applyFault(db, fault, target, seed);
      await db.query('INSERT INTO drill_faults (idx, detail) VALUES ($1, $2)', [index, JSON.stringify(applied)]);
      await db.query('COMMIT');
      return applied;
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

async function applyFault(db: Client, fault: FaultSpec, target: string, seed: string): Promise<FaultApplied> {
  const pick = async () => {
    if (target !== 'invoices') throw new Error(`fault ${fault.kind} works on invoices, not "${target}"`);
    if (fault.filter && !(PRIORITY_CLASSES as readonly string[]).includes(fault.filter)) throw new Error(`fault ${fault.kind}: filter "${fault.filter}" is not a priority class (${PRIORITY_CLASSES.join(', ')})`);
    const where = fault.filter ? `WHERE ${priorityClassCaseSql(new Date().toISOString())} = '${fault.filter}'` : '';
    const total = Number((await db.query(`SELECT count(*) AS n FROM invoices ${where}`)).rows[0].n);
    const n = fault.count ?? Math.round(total * (fault.share ?? 0.01));
    // A stable pseudo-random choice: the same drill id picks the same rows.
    return { sql: `SELECT invoice_no FROM invoices ${where} ORDER BY md5(invoice_no || $1) LIMIT ${Math.max(0, Math.min(n, total))}`, where };
  };
  switch (fault.kind) {
    case 'drop-table':
      await db.query(`DROP TABLE IF EXISTS ${target} CASCADE`);
      return { kind: fault.kind, target, detail: `dropped table ${target}` };
    case 'truncate-table': {
      const rows = Number((await db.query(`SELECT count(*) AS n FROM ${target}`)).rows[0].n);
      await db.query(`TRUNCATE ${target}`);
      return { kind: fault.kind, target, rows, detail: `truncated ${target} (${rows} rows)` };
    }
    case 'delete-rows': {
      const { sql } = await pick();
      const r = await db.query(`DELETE FROM invoices WHERE invoice_no IN (${sql})`, [seed]);
      return { kind: fault.kind, target, rows: r.rowCount ?? 0, detail: `deleted ${r.rowCount} invoices${fault.filter ? ` of ${fault.filter}` : ''}` };
    }
    case 'corrupt-rows':
    case 'mistype-invoices': {
      const { sql } = await pick();
      const field = fault.kind === 'mistype-invoices' ? 'number' : (fault.field ?? 'amount');
      let r;
      if (field === 'amount') {
        // Still passes the table's checks (total = amount + tax): the kind of damage nobody notices.
        r = await db.query(`UPDATE invoices SET amount = amount + 100, total = total + 100 WHERE invoice_no IN (${sql})`, [seed]);
      } else if (field === 'number') {
        r = await db.query(
          `UPDATE invoices i SET invoice_no = left(i.invoice_no, 19) || ((right(i.invoice_no, 1)::int + 1) % 10)::text
           WHERE i.invoice_no IN (${sql}) AND NOT EXISTS (SELECT 1 FROM invoices j WHERE j.invoice_no = left(i.invoice_no, 19) || ((right(i.invoice_no, 1)::int + 1) % 10)::text)`,
          [seed],
        );
      } else throw new Error(`fault ${fault.kind}: field "${field}" is not "amount" or "number"`);
      return { kind: fault.kind, target, rows: r.rowCount ?? 0, detail: `altered the ${field} of ${r.rowCount} invoices` };
    }
    case 'misfile-invoices': {
      const { sql } = await pick();
      const folder = fault.folder ?? 'misfiled';
      const r = await db.query(`UPDATE invoices SET folder = $2 WHERE invoice_no IN (${sql})`, [seed, folder]);
      return { kind: fault.kind, target, rows: r.rowCount ?? 0, detail: `moved ${r.rowCount} invoices to folder ${folder}` };
    }
    case 'fail-sync': {
      const { sql } = await pick();
      const r = await db.query(`UPDATE invoices SET sync_status = 'failed', synced_at = NULL WHERE invoice_no IN (${sql})`, [seed]);
      return { kind: fault.kind, target, rows: r.rowCount ?? 0, detail: `marked ${r.rowCount} invoices as failed to sync` };
    }
    default:
      throw new Error(`fault kind "${fault.kind}" is unknown`);
  }
}

/** The backups the sandbox was restored from (its restore log), if a restore ran there. */
export async function restoredFrom(servers: DrillServers, sandbox: string): Promise<string[]> {
  try {
    return await withDatabase(sandboxUrl(servers, sandbox), async (db) => (await db.query(`SELECT DISTINCT backup_id FROM restore_progress`)).rows.map((r) => r.backup_id as string));
  } catch {
    return []; // unreachable, or its schema is gone: nothing was restored there
  }
}

/** The sandbox refuses every connection (and loses the ones it had) until it is started again. */
export async function stopSandbox(servers: DrillServers, sandbox: string): Promise<FaultApplied> {
  sandboxUrl(servers, sandbox);
  const adminUrl = sandboxAdminUrl(servers);
  await withDatabase(adminUrl, async (admin) => {
    await admin.query(`ALTER DATABASE "${sandbox}" WITH ALLOW_CONNECTIONS false`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [sandbox]);
  });
  return { kind: 'stop-database', target: sandbox, detail: `sandbox database ${sandbox} refuses connections` };
}

export async function startSandbox(servers: DrillServers, sandbox: string): Promise<void> {
  sandboxUrl(servers, sandbox);
  await withDatabase(sandboxAdminUrl(servers), (admin) => admin.query(`ALTER DATABASE "${sandbox}" WITH ALLOW_CONNECTIONS true`));
}

export async function dropSandbox(servers: DrillServers, sandbox: string): Promise<void> {
  sandboxUrl(servers, sandbox);
  const adminUrl = sandboxAdminUrl(servers);
  await dropDatabase(adminUrl, sandbox);
  await dropDatabase(adminUrl, preFaultName(sandbox));
}

export interface DataLoss {
  /** Invoices in the pre-fault copy that are missing or different after recovery, per class. */
  byClass: Record<string, number>;
  total: number;
  p0: number;
  /**
   * How far back the loss reaches, in real time (data ages in real time, whatever the drill's time
   * scale): fault time minus the moment the sandbox was recovered to (the restore chain's point in
   * time), or, when nothing was restored, minus the oldest change among lost invoices.
   */
  windowMs: number;
  recoveredTo?: string;
  /** Why the whole pre-fault copy counts as lost, when the sandbox cannot be read. */
  unreadable?: string;
  examples: string[];
}

/**
 * Compares the recovered sandbox with the pre-fault copy, row by row (a digest of every column).
 * An invoice counts as lost when it is missing or differs; invoices the sandbox has in addition are
 * not losses (a restore may bring back something deleted after the backup).
 */
export async function measureLoss(servers: DrillServers, sandbox: string, faultAt: string, classAt: string, recoveredTo?: string): Promise<DataLoss> {
  const pre = new Map<string, { h: string; cls: string; updated: number }>();
  await withDatabase(sandboxUrl(servers, preFaultName(sandbox)), async (db) => {
    const r = await db.query(`SELECT invoice_no AS no, ${rowDigestSql} AS h, ${priorityClassCaseSql(classAt)} AS cls, updated_at FROM invoices`);
    for (const row of r.rows) pre.set(row.no, { h: row.h, cls: row.cls, updated: new Date(row.updated_at).getTime() });
  });
  let unreadable: string | undefined;
  try {
    await withDatabase(sandboxUrl(servers, sandbox), async (db) => {
      const r = await db.query(`SELECT invoice_no AS no, ${rowDigestSql} AS h FROM invoices`);
      for (const row of r.rows) if (pre.get(row.no)?.h === row.h) pre.delete(row.no);
    });
  } catch (err) {
    unreadable = (err as Error).message;
  }
  const byClass = Object.fromEntries(PRIORITY_CLASSES.map((c) => [c, 0])) as Record<string, number>;
  let oldest = Infinity;
  for (const v of pre.values()) {
    byClass[v.cls]++;
    oldest = Math.min(oldest, v.updated);
  }
  const fault = new Date(faultAt).getTime();
  return {
    byClass,
    total: pre.size,
    p0: byClass[PRIORITY_CLASSES[0]],
    windowMs: pre.size ? Math.max(0, fault - (recoveredTo ? Math.min(new Date(recoveredTo).getTime(), fault) : oldest)) : 0,
    recoveredTo,
    unreadable,
    examples: [...pre.keys()].sort().slice(0, 10),
  };
}

/**
 * Business goes on during a tax-platform fault: `count` invoices issued into the sandbox through the
 * issuing path (pending, or held if the sandbox's issuing is frozen), with the fault's marker row in
 * the same transaction, so a retry issues nothing twice. Answers how many were issued.
 */
export async function issueDuringFault(servers: DrillServers, sandbox: string, index: number, count: number, seed: string): Promise<number> {
  return withDatabase(sandboxUrl(servers, sandbox), async (db) => {
    await db.query('CREATE TABLE IF NOT EXISTS drill_faults (idx int PRIMARY KEY, detail jsonb NOT NULL)');
    await db.query('BEGIN');
    try {
      const done = await db.query('SELECT detail FROM drill_faults WHERE idx = $1 FOR UPDATE', [index]);
      if (done.rowCount) {
        await db.query('ROLLBACK');
        return Number((done.rows[0].detail as { issued?: number }).issued ?? 0);
      }
      const issued = await issueInvoicesIn(db, { count, seed: parseInt(createHash('sha256').update(seed).digest('hex').slice(0, 8), 16) });
      await db.query('INSERT INTO drill_faults (idx, detail) VALUES ($1, $2)', [index, JSON.stringify({ issued: issued.issued })]);
      await db.query('COMMIT');
      return issued.issued;
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}
