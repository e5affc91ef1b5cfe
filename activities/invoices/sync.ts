// One sync pass of the invoice database with the tax platform (tax-platform.md "Sync"): open
// batches left by an earlier pass first, then new batches of waiting invoices per seller (upload is
// per taxpayer), the ones that block the next declaration first.
//
// Why nothing is lost or uploaded twice, even when a worker dies anywhere:
// - a batch is written (serial fpqqlsh, its invoices) BEFORE it is sent; a resend after a crash
//   reuses the serial, and the platform answers a repeat with 6655 and the first acceptance's sllsh,
//   which we then poll like our own; an invoice is in at most one open batch (a unique index);
// - the result of each batch is recorded in one transaction (invoices and batch together);
// - an outage, a 2116 or a timeout, after the client's bounded retries, stops the pass and leaves
//   its batches as they are for the next pass; only invoices the platform says it lost (or that a
//   finished result does not mention) go into a NEW batch;
// - one pass at a time per invoice database (an advisory lock held on a connection of the pass,
//   released by PostgreSQL when that connection dies with its process).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { resilientPool } from '../../apps/shared/pg-pool';
import type { Pool, PoolClient } from 'pg';
import { addMonths, periodStart, taxPeriodOf } from '../../domain/einvoice';
import type { TaxPeriod } from '../../domain/einvoice';
import { inPoolTransaction } from './database';
import { periodBeingDeclared } from '../../domain/einvoice/declaration-calendar';
import { InvoiceRowError, TaxPlatformError, toUploadRow } from '../tax-platform';
import type { InvoiceRow, TaxPlatformClient, UploadRow } from '../tax-platform';

/** The real QDFPSC takes at most 5,000 rows a batch. */
export const MAX_BATCH_SIZE = 5000;
export const DEFAULT_BATCH_SIZE = 200;
/** Codes that mean "the platform has this invoice". */
const ON_PLATFORM = new Set(['00', '6783']);
/** A per-invoice 2116 in a result: accepted, then lost (the simulator's drop); upload it again. */
const LOST = '2116';
/** pg_advisory_lock key of "a sync pass runs on this invoice database". */
const PASS_LOCK = 7_305_512_001;

export type SyncStatusFilter = 'pending' | 'failed';

export interface SyncProgress {
  done: number;
  total: number;
  synced: number;
  failed: number;
}

export interface SyncPassOptions {
  /** The platform client that uploads for a seller (its taxpayer). */
  clientFor: (seller: string) => TaxPlatformClient;
  /** Who forms the batches (kept on each batch): `schedule`, `incident inc-…`, `cli`. */
  by: string;
  /** Which invoices to upload besides open batches; default pending only. */
  statuses?: readonly SyncStatusFilter[];
  /** Take the queue (invoices held while issuing was frozen) too; default false. */
  includeHeld?: boolean;
  /** Only invoices issued in this tax period (yyyy-MM). */
  period?: TaxPeriod;
  /** Only invoices issued from this instant. */
  since?: Date;
  batchSize?: number;
  /** Batches in flight at once (default 4). */
  concurrency?: number;
  /** Another pass running: wait for it (a resync) or give this one up (the schedule, default). */
  whenBusy?: 'skip' | 'wait';
  /** How long a batch's result may stay `processing` before the pass leaves it for the next (default 60 s). */
  maxPollMs?: number;
  /** First wait between result polls (default 300 ms, growing to 3 s). */
  pollIntervalMs?: number;
  /** Times an invoice the platform lost is sent again within one pass (default 3). */
  maxResends?: number;
  now?: () => Date;
  onProgress?: (p: SyncProgress) => void;
}

export interface SyncOutcome {
  /** Another pass held the database: this one did nothing. */
  skipped?: string;
  batches: number;
  /** Invoices in batches the platform accepted during this pass. */
  uploaded: number;
  synced: number;
  /** Of synced: the platform already had them (6783). */
  alreadyOnPlatform: number;
  /** Failed invoices by the platform's code. */
  failed: Record<string, number>;
  /** Invoices the platform lost and that were sent again in a new batch. */
  resent: number;
  /** After the pass (within the period, when one is given). */
  stillPending: number;
  queued: number;
  /** Why the pass stopped early: the platform stayed unreachable past the client's retries. */
  unreachable?: { code: string; message: string; attempts: number };
  /** Results still `processing` (a delayed platform): their batches wait for the next pass. */
  awaitingResults: number;
}

interface Batch {
  fpqqlsh: string;
  seller: string;
  state: 'formed' | 'accepted';
  sllsh: string | null;
  size: number;
}

/** A new request serial: unique, 1-64 of [A-Za-z0-9_-] as QDFPSC wants. */
export const newRequestSerial = () => `YJ${Date.now().toString(36).toUpperCase()}${randomBytes(8).toString('hex').toUpperCase()}`;

/**
 * Invoices issued before this instant and not declared block the declaration being prepared now:
 * the end of the period being declared (the previous month until its deadline has passed).
 */
export function declarationBlockingBefore(now: Date): Date {
  let period: TaxPeriod;
  try {
    period = periodBeingDeclared(now);
  } catch {
    period = addMonths(taxPeriodOf(now), -1); // outside the shipped calendar: the usual rule
  }
  return periodStart(addMonths(period, 1));
}

export const emptyOutcome = (): SyncOutcome => ({ batches: 0, uploaded: 0, synced: 0, alreadyOnPlatform: 0, failed: {}, resent: 0, stillPending: 0, queued: 0, awaitingResults: 0 });

/** One sync pass; see the top of this file. */
export async function syncPass(url: string, opts: SyncPassOptions): Promise<SyncOutcome> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) throw new Error(`batchSize must be a whole number from 1 to ${MAX_BATCH_SIZE}, got ${JSON.stringify(opts.batchSize)}`);
  const statuses = opts.statuses ?? ['pending'];
  if (!statuses.length || statuses.some((s) => s !== 'pending' && s !== 'failed')) throw new Error(`statuses must be pending and/or failed, got ${JSON.stringify(statuses)}`);
  const concurrency = opts.concurrency ?? 4;
  const now = opts.now ?? (() => new Date());

  const lock = new Client({ connectionString: url });
  await lock.connect();
  try {
    for (;;) {
      if ((await lock.query('SELECT pg_try_advisory_lock($1) AS ok', [PASS_LOCK])).rows[0].ok) break;
      if (opts.whenBusy !== 'wait') return { ...emptyOutcome(), skipped: 'another sync pass is running on this invoice database' };
      opts.onProgress?.({ done: 0, total: 0, synced: 0, failed: 0 });
      await sleep(1000);
    }
    const db = resilientPool({ connectionString: url, max: concurrency + 1 }, 'the invoice database');
    try {
      return await new Pass(db, opts, { batchSize, statuses, concurrency, now }).run();
    } finally {
      await db.end();
    }
  } finally {
    await lock.end().catch(() => undefined); // ends the session: the advisory lock goes with it
  }
}

class Pass {
  private readonly out = emptyOutcome();
  private total = 0;
  private done = 0;
  /** Waiting invoices in order (declaration-blocking first), and per seller. */
  private work: { no: string; seller: string }[] = [];
  private bySeller = new Map<string, { nos: string[]; next: number }>();
  private taken = new Set<string>();
  private cursor = 0;
  /** Invoices the platform lost, to send again (per seller), with how often each was lost. */
  private lost = new Map<string, string[]>();
  private lostTimes = new Map<string, number>();
  private open: Batch[] = [];
  private stopped = false;
  private forming: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Pool,
    private readonly opts: SyncPassOptions,
    private readonly cfg: { batchSize: number; statuses: readonly string[]; concurrency: number; now: () => Date },
  ) {}

  async run(): Promise<SyncOutcome> {
    const range = this.opts.period ? { from: periodStart(this.opts.period), to: periodStart(addMonths(this.opts.period, 1)) } : undefined;
    this.open = (
      await this.db.query(
        `SELECT b.fpqqlsh, b.seller_tax_id AS seller, b.state, b.sllsh, count(*)::int AS size
           FROM sync_batches b JOIN sync_batch_invoices m ON m.fpqqlsh = b.fpqqlsh AND m.outcome IS NULL
          WHERE b.state IN ('formed', 'accepted') GROUP BY b.fpqqlsh ORDER BY b.formed_at, b.fpqqlsh`,
      )
    ).rows.map((r) => ({ fpqqlsh: r.fpqqlsh, seller: r.seller.trim(), state: r.state, sllsh: r.sllsh, size: r.size }));
    this.work = (
      await this.db.query(
        `SELECT invoice_no, seller_tax_id FROM invoices i
          WHERE sync_status = ANY($1) AND ($2 OR NOT held)
            AND ($3::timestamptz IS NULL OR (issued_at >= $3 AND issued_at < $4))
            AND ($6::timestamptz IS NULL OR issued_at >= $6)
            AND NOT EXISTS (SELECT 1 FROM sync_batch_invoices m WHERE m.invoice_no = i.invoice_no AND m.outcome IS NULL)
          ORDER BY (declared_period IS NULL AND issued_at < $5) DESC, issued_at, invoice_no`,
        [this.cfg.statuses, this.opts.includeHeld ?? false, range?.from ?? null, range?.to ?? null, declarationBlockingBefore(this.cfg.now()), this.opts.since ?? null],
      )
    ).rows.map((r) => ({ no: r.invoice_no, seller: r.seller_tax_id.trim() }));
    for (const w of this.work) {
      const s = this.bySeller.get(w.seller) ?? { nos: [], next: 0 };
      s.nos.push(w.no);
      this.bySeller.set(w.seller, s);
    }
    this.total = this.open.reduce((n, b) => n + b.size, 0) + this.work.length;
    this.progress();

    // A failure that is not the platform's (the database went away) stops every worker before the pass fails with it.
    let failure: unknown;
    await Promise.all(
      Array.from({ length: this.cfg.concurrency }, () =>
        this.worker().catch((err) => {
          failure ??= err;
          this.stopped = true;
        }),
      ),
    );
    if (failure) throw failure;

    const left = (
      await this.db.query(
        `SELECT count(*) FILTER (WHERE sync_status = 'pending')::int AS pending, count(*) FILTER (WHERE held)::int AS queued
           FROM invoices WHERE sync_status <> 'synced' AND ($1::timestamptz IS NULL OR (issued_at >= $1 AND issued_at < $2))
            AND ($3::timestamptz IS NULL OR issued_at >= $3)`,
        [range?.from ?? null, range?.to ?? null, this.opts.since ?? null],
      )
    ).rows[0];
    this.out.stillPending = left.pending;
    this.out.queued = left.queued;
    return this.out;
  }

  private progress(): void {
    const failed = Object.values(this.out.failed).reduce((a, b) => a + b, 0);
    this.opts.onProgress?.({ done: this.done, total: this.total, synced: this.out.synced, failed });
  }

  private async worker(): Promise<void> {
    while (!this.stopped) {
      const batch = this.open.shift() ?? (await this.formNext());
      if (!batch) return;
      await this.settle(batch);
    }
  }

  /** The next batch: invoices lost earlier first, else the most urgent waiting invoice's seller's. Serialised. */
  private formNext(): Promise<Batch | undefined> {
    const next = this.forming.then(async (): Promise<Batch | undefined> => {
      for (;;) {
        if (this.stopped) return undefined;
        const pick = this.pickNext();
        if (!pick) return undefined;
        const batch = await this.persist(pick.seller, pick.nos);
        if (batch) return batch;
        this.done += pick.nos.length; // synced or changed meanwhile: nothing to send
      }
    });
    this.forming = next.catch(() => undefined);
    return next;
  }

  private pickNext(): { seller: string; nos: string[] } | undefined {
    for (const [seller, nos] of this.lost) {
      if (nos.length > this.cfg.batchSize) this.lost.set(seller, nos.slice(this.cfg.batchSize));
      else this.lost.delete(seller);
      return { seller, nos: nos.slice(0, this.cfg.batchSize) };
    }
    while (this.cursor < this.work.length && this.taken.has(this.work[this.cursor].no)) this.cursor++;
    if (this.cursor >= this.work.length) return undefined;
    const seller = this.work[this.cursor].seller;
    const queue = this.bySeller.get(seller)!;
    const nos: string[] = [];
    while (queue.next < queue.nos.length && nos.length < this.cfg.batchSize) {
      const no = queue.nos[queue.next++];
      if (!this.taken.has(no)) {
        this.taken.add(no);
        nos.push(no);
      }
    }
    return { seller, nos };
  }

  /** Writes the batch and its invoices before anything is sent; invoices no longer waiting are left out. */
  private async persist(seller: string, nos: string[]): Promise<Batch | undefined> {
    const fpqqlsh = newRequestSerial();
    return this.tx(async (c) => {
      await c.query(`INSERT INTO sync_batches (fpqqlsh, seller_tax_id, rows, state, formed_by) VALUES ($1, $2, $3, 'formed', $4)`, [fpqqlsh, seller, nos.length, this.opts.by]);
      const kept = await c.query(
        `INSERT INTO sync_batch_invoices (fpqqlsh, invoice_no, seq)
         SELECT $1, u.no, u.ord FROM unnest($2::text[]) WITH ORDINALITY AS u(no, ord)
           JOIN invoices i ON i.invoice_no = u.no AND i.sync_status <> 'synced' AND i.seller_tax_id = $3
         ON CONFLICT (invoice_no) WHERE outcome IS NULL DO NOTHING RETURNING invoice_no`,
        [fpqqlsh, nos, seller],
      );
      if (!kept.rowCount) throw new NothingToSend();
      await c.query(`UPDATE sync_batches SET rows = $2 WHERE fpqqlsh = $1`, [fpqqlsh, kept.rowCount]);
      // On its way to the platform: no longer part of the queue.
      await c.query(`UPDATE invoices SET held = false WHERE held AND invoice_no = ANY($1)`, [kept.rows.map((r) => r.invoice_no)]);
      this.done += nos.length - kept.rowCount;
      return { fpqqlsh, seller, state: 'formed' as const, sllsh: null, size: kept.rowCount };
    }).catch((err) => {
      if (err instanceof NothingToSend) return undefined;
      throw err;
    });
  }

  private tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return inPoolTransaction(this.db, fn);
  }

  private stop(err: TaxPlatformError): void {
    if (!this.out.unreachable) this.out.unreachable = { code: err.code, message: err.message, attempts: err.attempts };
    this.stopped = true;
  }

  private async note(batch: Batch, err: Error): Promise<void> {
    await this.db.query(`UPDATE sync_batches SET last_error = $2 WHERE fpqqlsh = $1`, [batch.fpqqlsh, err.message.slice(0, 1000)]);
  }

  /** Uploads (or re-sends under the same serial), polls, and records the batch's result. */
  private async settle(batch: Batch): Promise<void> {
    const client = this.opts.clientFor(batch.seller);
    if (batch.state === 'formed') {
      const rows = (
        await this.db.query<InvoiceRow>(
          `SELECT i.invoice_no, i.issued_at, i.seller_tax_id, i.buyer_tax_id, i.amount, i.tax, i.total, i.original_invoice_no
             FROM sync_batch_invoices m JOIN invoices i USING (invoice_no) WHERE m.fpqqlsh = $1 AND m.outcome IS NULL ORDER BY m.seq`,
          [batch.fpqqlsh],
        )
      ).rows;
      const upload: UploadRow[] = [];
      const invalid: { no: string; message: string }[] = [];
      for (const r of rows) {
        try {
          upload.push(toUploadRow(r));
        } catch (err) {
          if (!(err instanceof InvoiceRowError)) throw err;
          invalid.push({ no: r.invoice_no, message: err.message });
        }
      }
      if (!upload.length) {
        await this.record(batch, new Map(invalid.map((x) => [x.no, { status: 'invalid-row', message: x.message }])), 'refused');
        return;
      }
      await this.db.query(`UPDATE sync_batches SET attempts = attempts + 1 WHERE fpqqlsh = $1`, [batch.fpqqlsh]);
      try {
        batch.sllsh = (await client.upload(upload, batch.fpqqlsh)).sllsh;
      } catch (err) {
        if (!(err instanceof TaxPlatformError)) throw err;
        if (err.code === '6655' && err.sllsh) {
          batch.sllsh = err.sllsh; // sent before (its answer lost with a crash): the first acceptance stands
        } else if (err.retryable) {
          await this.note(batch, err);
          this.stop(err);
          return;
        } else {
          // Refused as a whole (bad data, an error answer): every invoice of it fails with that code.
          const refused = new Map(upload.map((u) => [u.fphm, { status: err.code, message: err.message }]));
          for (const x of invalid) refused.set(x.no, { status: 'invalid-row', message: x.message });
          await this.note(batch, err);
          await this.record(batch, refused, 'refused');
          return;
        }
      }
      await this.db.query(`UPDATE sync_batches SET state = 'accepted', sllsh = $2, accepted_at = clock_timestamp() WHERE fpqqlsh = $1`, [batch.fpqqlsh, batch.sllsh]);
      batch.state = 'accepted';
      this.out.uploaded += upload.length;
      if (invalid.length) await this.record(batch, new Map(invalid.map((x) => [x.no, { status: 'invalid-row', message: x.message }])), undefined);
    }

    const deadline = Date.now() + (this.opts.maxPollMs ?? 60_000);
    let wait = this.opts.pollIntervalMs ?? 300;
    for (;;) {
      let result;
      try {
        result = await client.uploadResult(batch.sllsh!);
      } catch (err) {
        if (!(err instanceof TaxPlatformError)) throw err;
        await this.note(batch, err);
        if (err.retryable) this.stop(err);
        else if (err.code === 'not-found') await this.record(batch, new Map(), 'done'); // the platform lost the whole batch: send again
        // Any other answer to a poll says nothing about the invoices: the batch waits for the next pass.
        return;
      }
      if (result.state === 'done') {
        await this.record(batch, new Map(result.results.map((r) => [r.fphm, { status: r.status, message: r.message }])), 'done');
        return;
      }
      if (Date.now() >= deadline || this.stopped) {
        this.out.awaitingResults += batch.size;
        return;
      }
      await sleep(wait);
      wait = Math.min(wait * 1.5, 3000);
    }
  }

  /**
   * Records the outcome of every invoice still open in the batch, in one transaction: 00 and 6783
   * synced; 2116 or no word at all (when `close` is given) lost, to be sent again in a new batch;
   * any other code failed with that code and message. `close` also closes the batch.
   */
  private async record(batch: Batch, results: Map<string, { status: string; message: string }>, close: 'done' | 'refused' | undefined): Promise<void> {
    const open = (await this.db.query<{ invoice_no: string }>(`SELECT invoice_no FROM sync_batch_invoices WHERE fpqqlsh = $1 AND outcome IS NULL`, [batch.fpqqlsh])).rows.map((r) => r.invoice_no);
    const synced: string[] = [];
    const failed: { no: string; code: string; message: string }[] = [];
    const lost: string[] = [];
    let already = 0;
    for (const no of open) {
      const r = results.get(no);
      if (!r) {
        if (close) lost.push(no);
      } else if (ON_PLATFORM.has(r.status)) {
        synced.push(no);
        if (r.status !== '00') already++;
      } else if (r.status === LOST) lost.push(no);
      else failed.push({ no, code: r.status, message: r.message });
    }
    const outcomes = [...synced.map((no) => [no, 'synced']), ...failed.map((f) => [f.no, f.code]), ...lost.map((no) => [no, 'lost'])];
    await this.tx(async (c) => {
      if (synced.length) {
        await c.query(
          `UPDATE invoices SET sync_status = 'synced', synced_at = clock_timestamp(), sync_code = NULL, sync_message = NULL, held = false
            WHERE invoice_no = ANY($1) AND sync_status <> 'synced'`,
          [synced],
        );
      }
      if (failed.length) {
        await c.query(
          `UPDATE invoices i SET sync_status = 'failed', synced_at = NULL, sync_code = u.code, sync_message = left(u.message, 1000), held = false
             FROM unnest($1::text[], $2::text[], $3::text[]) AS u(no, code, message) WHERE i.invoice_no = u.no AND i.sync_status <> 'synced'`,
          [failed.map((f) => f.no), failed.map((f) => f.code), failed.map((f) => f.message)],
        );
      }
      if (outcomes.length) {
        await c.query(`UPDATE sync_batch_invoices m SET outcome = u.outcome FROM unnest($2::text[], $3::text[]) AS u(no, outcome) WHERE m.fpqqlsh = $1 AND m.invoice_no = u.no`, [
          batch.fpqqlsh,
          outcomes.map((o) => o[0]),
          outcomes.map((o) => o[1]),
        ]);
      }
      if (close) await c.query(`UPDATE sync_batches SET state = $2, done_at = clock_timestamp() WHERE fpqqlsh = $1`, [batch.fpqqlsh, close]);
    });
    this.out.synced += synced.length;
    this.out.alreadyOnPlatform += already;
    for (const f of failed) this.out.failed[f.code] = (this.out.failed[f.code] ?? 0) + 1;
    if (close) this.out.batches++;
    const resend = lost.filter((no) => (this.lostTimes.get(no) ?? 0) < (this.opts.maxResends ?? 3));
    for (const no of resend) this.lostTimes.set(no, (this.lostTimes.get(no) ?? 0) + 1);
    if (resend.length) this.lost.set(batch.seller, [...(this.lost.get(batch.seller) ?? []), ...resend]);
    this.out.resent += resend.length;
    this.done += synced.length + failed.length + (lost.length - resend.length);
    this.progress();
  }
}

class NothingToSend extends Error {}
