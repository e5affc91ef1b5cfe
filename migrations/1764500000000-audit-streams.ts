import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail as a chain per stream (an incident, or `token`, `plan`, `backup`...), so writers of
 * different incidents no longer wait for each other; signed digests over every stream's head; and a
 * trigger that keeps entries from being changed, or deleted before the retention period is over.
 *
 * Entries written before this migration keep their hashes: they become the `legacy` stream, seq in
 * id order, and still verify with the hash they were written with.
 */
export class AuditStreams1764500000000 implements MigrationInterface {
  name = 'AuditStreams1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_entries ADD COLUMN stream text, ADD COLUMN seq bigint`);
    await q.query(`
      UPDATE audit_entries e SET stream = 'legacy', seq = o.n
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM audit_entries) o
       WHERE o.id = e.id`);
    await q.query(`ALTER TABLE audit_entries ALTER COLUMN stream SET NOT NULL, ALTER COLUMN seq SET NOT NULL`);
    // Deferrable so a whole statement is checked at its end, not row by row (renumbering in place).
    await q.query(`ALTER TABLE audit_entries ADD CONSTRAINT audit_stream_seq UNIQUE (stream, seq) DEFERRABLE INITIALLY IMMEDIATE`);

    // Each digest is kept exactly as it was signed (body), so a verifier checks the very bytes.
    await q.query(`
      CREATE TABLE audit_digests (
        id         bigserial   PRIMARY KEY,
        at         timestamptz NOT NULL,
        key_id     text        NOT NULL,
        body       text        NOT NULL,
        hash       char(64)    NOT NULL UNIQUE,
        signature  text        NOT NULL
      )`);

    const days = Number(process.env.YINGJI_AUDIT_RETENTION_DAYS || 180);
    if (!Number.isSafeInteger(days) || days < 1) throw new Error(`YINGJI_AUDIT_RETENTION_DAYS must be a whole number of days (at least 1), got ${JSON.stringify(process.env.YINGJI_AUDIT_RETENTION_DAYS)}`);
    await q.query(`
      CREATE TABLE audit_retention (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        days     integer NOT NULL CHECK (days >= 1)
      )`);
    await q.query(`INSERT INTO audit_retention (days) VALUES ($1)`, [days]);
    await q.query(`
      CREATE FUNCTION audit_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE keep integer;
      BEGIN
        IF TG_OP = 'TRUNCATE' THEN
          RAISE EXCEPTION 'audit_entries cannot be truncated: entries are kept for the retention period' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'UPDATE' THEN
          RAISE EXCEPTION 'audit entry % (stream %, seq %) cannot be changed: the audit trail is append-only', OLD.id, OLD.stream, OLD.seq USING ERRCODE = 'insufficient_privilege';
        END IF;
        SELECT days INTO keep FROM audit_retention;
        keep := coalesce(keep, 180);
        IF OLD.at > now() - make_interval(days => keep) THEN
          RAISE EXCEPTION 'audit entry % (stream %, seq %) of % cannot be deleted: it is younger than the retention of % days', OLD.id, OLD.stream, OLD.seq, OLD.at, keep USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
      END $$`);
    await q.query(`CREATE TRIGGER audit_entries_retention BEFORE UPDATE OR DELETE ON audit_entries FOR EACH ROW EXECUTE FUNCTION audit_entries_guard()`);
    await q.query(`CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_guard()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER audit_entries_no_truncate ON audit_entries`);
    await q.query(`DROP TRIGGER audit_entries_retention ON audit_entries`);
    await q.query(`DROP FUNCTION audit_entries_guard()`);
    await q.query(`DROP TABLE audit_retention`);
    await q.query(`DROP TABLE audit_digests`);
    await q.query(`ALTER TABLE audit_entries DROP CONSTRAINT audit_stream_seq`);
    await q.query(`ALTER TABLE audit_entries DROP COLUMN seq, DROP COLUMN stream`);
  }
}
