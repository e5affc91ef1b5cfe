import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per notice, recipient and channel: what happened to each person's copy. A row is written
 * as soon as its copy is sent, so a retried notice (a worker that died mid-send) skips the people
 * who already have theirs. `recipient` is the person, or `role:<role>:<address>` for a plan's role
 * address. The notice's own row in `notifications` stays the summary.
 */
export class Deliveries1764220000000 implements MigrationInterface {
  name = 'Deliveries1764220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deliveries (
        notification_id text        NOT NULL REFERENCES notifications (id),
        recipient       text        NOT NULL,
        person          text,
        channel         text        NOT NULL,
        address         text,
        status          text        NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'unavailable')),
        attempts        integer     NOT NULL DEFAULT 0,
        detail          text,
        ack_link_id     text,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        sent_at         timestamptz,
        PRIMARY KEY (notification_id, recipient)
      )`);
    await q.query(`ALTER TABLE notifications ADD COLUMN task_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications DROP COLUMN task_id`);
    await q.query(`DROP TABLE deliveries`);
  }
}
