// The invoice system's issuing path and its freeze (tax-platform.md "Sync"): every invoice issued
// starts `pending`; while issuing is frozen (mode queue or freeze) new invoices are recorded but
// held (queued), and the scheduled sync leaves them alone until issuing resumes with the queue
// drained or a resync takes the queue. The mode and the invoices change in one transaction each,
// so an invoice is held exactly when it was issued while the mode was not open.
import { randomInt } from 'node:crypto';
import type { Client } from 'pg';
import { withDatabase } from './database';
import { isProvinceCode, mulberry32 } from '../../domain/einvoice';
import { InvoiceDraft, checkDraft, draftRow, syntheticDrafts } from './issue-drafts';

export const ISSUING_MODES = ['open', 'queue', 'freeze'] as const;
export type IssuingMode = (typeof ISSUING_MODES)[number];

export interface IssuingState {
  /** The company-wide mode (provinces listed in `regions` differ from it). */
  mode: IssuingMode;
  since: string;
  by: string;
  reason: string | null;
  incident: string | null;
  /** Provinces whose mode differs from the company-wide one, by province code. */
  regions: Record<string, { mode: IssuingMode; since: string; by: string; reason: string | null; incident: string | null }>;
  /** Invoices held while issuing was frozen, not uploaded yet. */
  queued: number;
  /** Invoices waiting for the sync (held ones included). */
  pending: number;
  failed: number;
}

async function inTransaction<T>(db: Client, fn: () => Promise<T>): Promise<T> {
  await db.query('BEGIN');
  try {
    const out = await fn();
    await db.query('COMMIT');
    return out;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function readState(db: Client): Promise<IssuingState> {
  const rows = (await db.query(`SELECT region, mode, since, by, reason, incident FROM issuing_state ORDER BY region`)).rows.map((r) => ({
    region: r.region as string,
    mode: r.mode as IssuingMode,
    since: (r.since as Date).toISOString(),
    by: r.by as string,
    reason: r.reason as string | null,
    incident: r.incident as string | null,
  }));
  const n = (
    await db.query(
      `SELECT count(*) FILTER (WHERE held)::int AS queued, count(*) FILTER (WHERE sync_status = 'pending')::int AS pending,
              count(*) FILTER (WHERE sync_status = 'failed')::int AS failed
         FROM invoices WHERE sync_status <> 'synced'`,
    )
  ).rows[0];
  const { region: _all, ...all } = rows.find((r) => r.region === 'all')!;
  const regions = Object.fromEntries(rows.filter((r) => r.region !== 'all').map(({ region, ...rest }) => [region, rest]));
  return { ...all, regions, queued: n.queued, pending: n.pending, failed: n.failed };
}

/** Province codes as given to an action or the CLI; none means the whole company. */
function checkRegions(regions: readonly string[] | undefined): string[] {
  const list = [...new Set(regions ?? [])];
  const bad = list.filter((r) => !isProvinceCode(r));
  if (bad.length) throw new Error(`regions must be province codes such as "11" (Beijing), got ${bad.map((r) => JSON.stringify(r)).join(', ')}`);
  return list.sort();
}

/**
 * Sets the mode of the provinces given, or of the whole company (which also ends every province's
 * own mode). Returns the modes found before, by region.
 */
async function setMode(db: Client, mode: IssuingMode, regions: string[], who: { by: string; reason?: string; incident?: string }): Promise<Record<string, IssuingMode>> {
  const rows = (await db.query(`SELECT region, mode FROM issuing_state FOR UPDATE`)).rows as { region: string; mode: IssuingMode }[];
  const all = rows.find((r) => r.region === 'all')!.mode;
  const before = Object.fromEntries((regions.length ? regions : ['all']).map((r) => [r, rows.find((x) => x.region === r)?.mode ?? all]));
  const values = [who.by, who.reason ?? null, who.incident ?? null];
  if (!regions.length) {
    await db.query(`DELETE FROM issuing_state WHERE region <> 'all'`);
    if (all !== mode) await db.query(`UPDATE issuing_state SET mode = $4, since = clock_timestamp(), by = $1, reason = $2, incident = $3 WHERE region = 'all'`, [...values, mode]);
    return before;
  }
  for (const region of regions) {
    if (before[region] === mode) continue;
    if (mode === all) await db.query(`DELETE FROM issuing_state WHERE region = $1`, [region]);
    else {
      await db.query(
        `INSERT INTO issuing_state (region, mode, since, by, reason, incident) VALUES ($5, $4, clock_timestamp(), $1, $2, $3)
         ON CONFLICT (region) DO UPDATE SET mode = EXCLUDED.mode, since = EXCLUDED.since, by = EXCLUDED.by, reason = EXCLUDED.reason, incident = EXCLUDED.incident`,
        [...values, mode, region],
      );
    }
  }
  return before;
}

export function issuingState(url: string): Promise<IssuingState> {
  return withDatabase(url, readState);
}

export interface FreezeRequest {
  mode: 'queue' | 'freeze';
  by: string;
  reason?: string;
  incident?: string;
  /** Province codes; none: the whole company. */
  regions?: string[];
}

/** Freezes issuing (idempotent: the same mode again changes nothing and keeps its `since`). */
export async function freezeIssuing(url: string, req: FreezeRequest): Promise<{ changed: boolean; previous: Record<string, IssuingMode>; state: IssuingState }> {
  if (req.mode !== 'queue' && req.mode !== 'freeze') throw new Error(`mode must be queue or freeze, got ${JSON.stringify(req.mode)}`);
  if (!req.by) throw new Error('by (who freezes issuing) is required');
  const regions = checkRegions(req.regions);
  return withDatabase(url, async (db) => {
    const previous = await inTransaction(db, () => setMode(db, req.mode, regions, req));
    return { changed: Object.values(previous).some((m) => m !== req.mode), previous, state: await readState(db) };
  });
}

export interface ResumeRequest {
  by: string;
  /** Held invoices become ordinary pending ones, for the next sync to upload (default true). */
  drainQueue?: boolean;
  reason?: string;
  incident?: string;
  /** Province codes; none: the whole company (every province's own mode ends too). */
  regions?: string[];
}

/** Reopens issuing and (by default) releases the queue of the provinces reopened; idempotent. */
export async function resumeIssuing(url: string, req: ResumeRequest): Promise<{ changed: boolean; previous: Record<string, IssuingMode>; released: number; state: IssuingState }> {
  if (!req.by) throw new Error('by (who resumes issuing) is required');
  const regions = checkRegions(req.regions);
  return withDatabase(url, async (db) => {
    const { previous, released } = await inTransaction(db, async () => {
      const was = await setMode(db, 'open', regions, req);
      if (req.drainQueue === false) return { previous: was, released: 0 };
      // Only invoices of provinces that are open now: a province still frozen keeps its queue.
      const r = await db.query(
        `UPDATE invoices i SET held = false WHERE held AND ($1::text[] = '{}' OR region = ANY($1))
            AND COALESCE((SELECT mode FROM issuing_state s WHERE s.region = i.region), (SELECT mode FROM issuing_state WHERE region = 'all')) = 'open'`,
        [regions],
      );
      return { previous: was, released: r.rowCount ?? 0 };
    });
    return { changed: Object.values(previous).some((m) => m !== 'open'), previous, released, state: await readState(db) };
  });
}

export interface IssueRequest {
  /** Invoices to issue as given; or `count` made-up ones. */
  drafts?: InvoiceDraft[];
  count?: number;
  /** For made-up invoices: every one from this seller / to this buyer / of this amount (fen). */
  seller?: string;
  buyer?: string;
  amountFen?: number;
  /** ISO 8601 issue instant (default now). */
  at?: string;
  seed?: number;
  now?: Date;
}

export interface IssueResult {
  issued: number;
  /** Invoices issued while their province's issuing was frozen: queued, not uploaded until resumed or resynced. */
  held: number;
  /** The modes met, by province of the invoices issued. */
  modes: Record<string, IssuingMode>;
  first?: string;
  last?: string;
  total: { amountFen: number; taxFen: number };
}

/**
 * Issues invoices as `pending` (held while issuing is frozen). Every draft is checked before
 * anything is written; numbers continue after the largest in use, taken under a table lock that
 * also orders us with the bulk generator, so two issuers never share a number.
 */
export async function issueInvoices(url: string, req: IssueRequest): Promise<IssueResult> {
  return withDatabase(url, (db) => inTransaction(db, () => issueInvoicesIn(db, req)));
}

/** issueInvoices inside the caller's open transaction (e.g. with a marker that must commit with them). */
export async function issueInvoicesIn(db: Client, req: IssueRequest): Promise<IssueResult> {
  const now = req.now ?? new Date();
  if (req.count !== undefined && (!Number.isSafeInteger(req.count) || req.count < 1 || req.count > 1_000_000)) {
    throw new Error(`count must be a whole number from 1 to 1,000,000, got ${JSON.stringify(req.count)}`);
  }
  const drafts = req.drafts ?? syntheticDrafts(mulberry32(req.seed ?? randomInt(0, 2 ** 31)), req.count ?? 1, { seller: req.seller, buyer: req.buyer, amountFen: req.amountFen, issuedAt: req.at });
  const checked = drafts.map((d, i) => checkDraft(d, now, req.drafts ? `drafts[${i}]` : 'invoice'));
  const modes = new Map((await db.query(`SELECT region, mode FROM issuing_state FOR SHARE`)).rows.map((r) => [r.region as string, r.mode as IssuingMode]));
  const modeOf = (region: string) => modes.get(region) ?? modes.get('all')!;
  await db.query('LOCK TABLE invoices IN SHARE ROW EXCLUSIVE MODE');
  const max = Number((await db.query(`SELECT COALESCE(MAX(substr(invoice_no, 6)::bigint), 0)::text AS m FROM invoices`)).rows[0].m);
  const rows = checked.map((d, i) => draftRow(d, max + 1 + i, modeOf(d.region) !== 'open'));
  const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
  await db.query(
    `INSERT INTO invoices (invoice_no, issued_at, kind, seller_tax_id, buyer_tax_id, seller_name, buyer_name, amount, tax_rate, tax, total,
                           status, region, folder, sync_status, held)
     SELECT no, at, kind, seller, buyer, sname, bname, amount, rate, tax, total, 'issued', region, folder, 'pending', held
       FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::smallint[],
                   $10::bigint[], $11::bigint[], $12::text[], $13::text[], $14::boolean[])
         AS u(no, at, kind, seller, buyer, sname, bname, amount, rate, tax, total, region, folder, held)`,
    [
      col('invoice_no'), col('issued_at'), col('kind'), col('seller_tax_id'), col('buyer_tax_id'), col('seller_name'), col('buyer_name'),
      col('amount').map(String), col('tax_rate'), col('tax').map(String), col('total').map(String), col('region'), col('folder'), col('held'),
    ],
  );
  return {
    issued: rows.length,
    held: rows.filter((r) => r.held).length,
    modes: Object.fromEntries(rows.map((r) => [r.region, modeOf(r.region)])),
    first: rows[0]?.invoice_no,
    last: rows.at(-1)?.invoice_no,
    total: { amountFen: rows.reduce((s, r) => s + r.amount, 0), taxFen: rows.reduce((s, r) => s + r.tax, 0) },
  };
}
