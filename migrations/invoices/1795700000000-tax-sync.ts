import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sync with the tax platform (tax-platform.md "Sync") and the issuing freeze.
 *
 * - invoices.sync_code / sync_message: the platform's code and message when an upload failed.
 * - invoices.held: issued while issuing was frozen (queued): not uploaded until issuing resumes
 *   with its queue drained, or a resync takes the queue.
 * - sync_batches: each upload batch, persisted with its request serial (fpqqlsh) BEFORE it is sent,
 *   so a resend after a crash reuses the serial and the platform refuses it as a duplicate (6655)
 *   instead of storing the invoices twice; sllsh is the acceptance serial to ask the result by.
 * - sync_batch_invoices: which invoices a batch carries; `outcome` is null while the batch is open
 *   for that invoice, and the partial unique index keeps an invoice in at most one open batch.
 * - issuing_state: one row, open | queue | freeze, who changed it and why.
 *
 * Backups copy INVOICE_COLUMNS only (activities/invoices/generate.ts), on purpose not these: a
 * restored invoice comes back with held = false and no sync code, and batches are not restored
 * (a restored pending invoice is simply uploaded again; the platform answers 6783 if it has it).
 */
export class TaxSync1795700000000 implements MigrationInterface {
  name = 'TaxSync1795700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE invoices
        ADD COLUMN sync_code    text,
        ADD COLUMN sync_message text,
        ADD COLUMN held         boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT invoices_held_check CHECK (NOT held OR sync_status = 'pending')`);
    await q.query(`CREATE INDEX invoices_seller_issued_idx ON invoices (seller_tax_id, issued_at)`);
    await q.query(`CREATE INDEX invoices_buyer_issued_idx ON invoices (buyer_tax_id, issued_at) WHERE buyer_tax_id IS NOT NULL`);
    await q.query(`CREATE INDEX invoices_unsynced_idx ON invoices (issued_at) WHERE sync_status <> 'synced'`);

    await q.query(`
      CREATE TABLE sync_batches (
        fpqqlsh       text        PRIMARY KEY,
        seller_tax_id char(18)    NOT NULL,
        rows          integer     NOT NULL CHECK (rows > 0),
        state         text        NOT NULL CHECK (state IN ('formed', 'accepted', 'done', 'refused')),
        sllsh         text,
        attempts      integer     NOT NULL DEFAULT 0,
        last_error    text,
        formed_by     text        NOT NULL,
        formed_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        accepted_at   timestamptz,
        done_at       timestamptz,
        CONSTRAINT sync_batches_accepted_check CHECK (state NOT IN ('accepted', 'done') OR sllsh IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX sync_batches_open_idx ON sync_batches (formed_at) WHERE state IN ('formed', 'accepted')`);
    await q.query(`
      CREATE TABLE sync_batch_invoices (
        fpqqlsh    text     NOT NULL REFERENCES sync_batches (fpqqlsh) ON DELETE CASCADE,
        invoice_no char(20) NOT NULL,
        seq        integer  NOT NULL,
        outcome    text,
        PRIMARY KEY (fpqqlsh, invoice_no)
      )`);
    await q.query(`CREATE UNIQUE INDEX sync_batch_invoices_open_idx ON sync_batch_invoices (invoice_no) WHERE outcome IS NULL`);

    await q.query(`
      CREATE TABLE issuing_state (
        id       boolean     PRIMARY KEY DEFAULT true CHECK (id),
        mode     text        NOT NULL CHECK (mode IN ('open', 'queue', 'freeze')),
        since    timestamptz NOT NULL DEFAULT clock_timestamp(),
        by       text        NOT NULL,
        reason   text,
        incident text
      )`);
    await q.query(`INSERT INTO issuing_state (mode, by, reason) VALUES ('open', 'yingji', 'issuing starts open')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE issuing_state`);
    await q.query(`DROP TABLE sync_batch_invoices`);
    await q.query(`DROP TABLE sync_batches`);
    await q.query(`DROP INDEX invoices_unsynced_idx`);
    await q.query(`DROP INDEX invoices_buyer_issued_idx`);
    await q.query(`DROP INDEX invoices_seller_issued_idx`);
    await q.query(`ALTER TABLE invoices DROP CONSTRAINT invoices_held_check, DROP COLUMN held, DROP COLUMN sync_message, DROP COLUMN sync_code`);
  }
}
