import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an automated step found, attached to the task it hands a team (e.g. the evidence for one
 * truly missing invoice). Separate from `evidence`, which holds the links the completer adds.
 */
export class TaskAttachments1764100000000 implements MigrationInterface {
  name = 'TaskAttachments1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks ADD COLUMN attached jsonb NOT NULL DEFAULT '[]'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks DROP COLUMN attached`);
  }
}
