import { MigrationInterface, QueryRunner } from 'typeorm';

/** Each restored chunk's row digest, so verifyRestore can check the target against what was written. */
export class RestoreDigest1795600000000 implements MigrationInterface {
  name = 'RestoreDigest1795600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE restore_progress ADD COLUMN digest char(16) NOT NULL DEFAULT '0000000000000000'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE restore_progress DROP COLUMN digest`);
  }
}
