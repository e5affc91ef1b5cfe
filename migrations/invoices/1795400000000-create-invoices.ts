import { MigrationInterface, QueryRunner } from 'typeorm';

// The province codes as this migration was written (a landed migration never changes, so they are
// copied here rather than imported from the domain).
const PROVINCE_CODES = ['11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65'];

/**
 * The invoice database (einvoice-domain.md): `invoices`, and `invoice_changes`, the change log an
 * incremental or differential backup replays, deletes included. Amounts are bigint fen.
 *
 * Change tracking:
 * - `invoices_change_log` (AFTER INSERT/UPDATE/DELETE, per row) appends I, U or D to
 *   invoice_changes; an update that changes invoice_no is logged as D of the old number and I of
 *   the new one, so a replay never needs the old key of a U.
 * - `invoices_change_log_truncate` (AFTER TRUNCATE) appends one T row (invoice_no null): "every
 *   row before this change is gone". Row triggers do not see TRUNCATE.
 * - `invoices_touch` (BEFORE UPDATE) sets row_version = old + 1 and updated_at = clock_timestamp().
 * - changed_at is clock_timestamp() (when the change was made, not when its transaction began);
 *   xact_id is the writing transaction, so a backup can take "changes not visible to the previous
 *   backup's snapshot" (pg_visible_in_snapshot) instead of trusting timestamps or change_id order,
 *   which can commit out of order.
 * Bulk baselines (the generator) disable invoices_change_log inside their own transaction; see
 * activities/invoices/generate.ts.
 *
 * Checks are the invariants that are cheap per row on a million-row COPY: total = amount + tax,
 * vocabularies, red-letter sign, number formats. Credit codes get no format check here (a regex
 * cannot verify their check characters, and two regexes cost ~2 s per million rows): they are
 * validated with isValidCreditCode (domain/einvoice) where they are written. Tax is not checked
 * against amount x rate either: a real multi-line invoice's tax is a sum of rounded line taxes.
 *
 * No foreign key from original_invoice_no: restores load one priority class at a time, and a
 * red-letter invoice may be in an earlier class than its original.
 */
export class CreateInvoices1795400000000 implements MigrationInterface {
  name = 'CreateInvoices1795400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE invoices (
        invoice_no          char(20)    PRIMARY KEY CHECK (invoice_no ~ '^[0-9]{20}$'),
        issued_at           timestamptz NOT NULL,
        kind                text        NOT NULL CHECK (kind IN ('special', 'ordinary')),
        seller_tax_id       char(18)    NOT NULL,
        buyer_tax_id        char(18),
        seller_name         text        NOT NULL,
        buyer_name          text        NOT NULL,
        amount              bigint      NOT NULL,
        tax_rate            smallint    NOT NULL CHECK (tax_rate IN (13, 9, 6, 5, 3, 1, 0)),
        tax                 bigint      NOT NULL,
        total               bigint      NOT NULL,
        status              text        NOT NULL CHECK (status IN ('issued', 'red-flushed', 'partially-red-flushed')),
        original_invoice_no char(20)             CHECK (original_invoice_no ~ '^[0-9]{20}$'),
        region              char(2)     NOT NULL CHECK (region IN (${PROVINCE_CODES.map((c) => `'${c}'`).join(', ')})),
        folder              text        NOT NULL,
        sync_status         text        NOT NULL CHECK (sync_status IN ('pending', 'synced', 'failed')),
        synced_at           timestamptz,
        declared_period     char(7)              CHECK (declared_period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
        updated_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
        row_version         bigint      NOT NULL DEFAULT 1 CHECK (row_version >= 1),
        CONSTRAINT invoices_total_check CHECK (total = amount + tax),
        CONSTRAINT invoices_person_buyer_check CHECK (buyer_tax_id IS NOT NULL OR kind = 'ordinary'),
        CONSTRAINT invoices_red_letter_check CHECK ((original_invoice_no IS NULL) = (amount > 0)),
        CONSTRAINT invoices_red_letter_status_check CHECK (original_invoice_no IS NULL OR status = 'issued'),
        CONSTRAINT invoices_not_own_original_check CHECK (original_invoice_no <> invoice_no),
        CONSTRAINT invoices_synced_at_check CHECK (sync_status <> 'synced' OR synced_at IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX invoices_issued_at_idx ON invoices (issued_at)`);
    await q.query(`CREATE INDEX invoices_original_idx ON invoices (original_invoice_no) WHERE original_invoice_no IS NOT NULL`);

    await q.query(`
      CREATE TABLE invoice_changes (
        change_id  bigserial   PRIMARY KEY,
        invoice_no char(20),
        op         char(1)     NOT NULL CHECK (op IN ('I', 'U', 'D', 'T')),
        changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        xact_id    xid8        NOT NULL DEFAULT pg_current_xact_id(),
        CONSTRAINT invoice_changes_key_check CHECK ((op = 'T') = (invoice_no IS NULL))
      )`);
    await q.query(`CREATE INDEX invoice_changes_changed_at_idx ON invoice_changes (changed_at)`);

    await q.query(`
      CREATE FUNCTION invoices_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO invoice_changes (invoice_no, op) VALUES (NEW.invoice_no, 'I');
        ELSIF TG_OP = 'UPDATE' THEN
          IF NEW.invoice_no IS DISTINCT FROM OLD.invoice_no THEN
            INSERT INTO invoice_changes (invoice_no, op) VALUES (OLD.invoice_no, 'D'), (NEW.invoice_no, 'I');
          ELSE
            INSERT INTO invoice_changes (invoice_no, op) VALUES (NEW.invoice_no, 'U');
          END IF;
        ELSE
          INSERT INTO invoice_changes (invoice_no, op) VALUES (OLD.invoice_no, 'D');
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION invoices_log_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO invoice_changes (invoice_no, op) VALUES (NULL, 'T');
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION invoices_touch() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.row_version := OLD.row_version + 1;
        NEW.updated_at := clock_timestamp();
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER invoices_touch BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION invoices_touch()`);
    await q.query(`CREATE TRIGGER invoices_change_log AFTER INSERT OR UPDATE OR DELETE ON invoices FOR EACH ROW EXECUTE FUNCTION invoices_log_change()`);
    await q.query(`CREATE TRIGGER invoices_change_log_truncate AFTER TRUNCATE ON invoices FOR EACH STATEMENT EXECUTE FUNCTION invoices_log_truncate()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE invoice_changes`);
    await q.query(`DROP TABLE invoices`);
    await q.query(`DROP FUNCTION invoices_log_change()`);
    await q.query(`DROP FUNCTION invoices_log_truncate()`);
    await q.query(`DROP FUNCTION invoices_touch()`);
  }
}
