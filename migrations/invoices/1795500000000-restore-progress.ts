import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Restore progress, kept in the database being restored: each chunk's rows and its progress row
 * commit together, so a restore that dies resumes after the last committed chunk and never
 * copies a chunk twice.
 */
export class RestoreProgress1795500000000 implements MigrationInterface {
  name = 'RestoreProgress1795500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE restore_progress (
        restore_id  text        NOT NULL,
        backup_id   text        NOT NULL,
        seq         integer     NOT NULL,
        cls         text        NOT NULL,
        rows        integer     NOT NULL,
        done_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (restore_id, backup_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE restore_progress`);
  }
}
