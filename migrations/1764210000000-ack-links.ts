import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Acknowledgement from the message. `ack_link_uses`: one row per link that acknowledged its task
 * (the primary key makes a link single-use, by web page or SMS reply alike). `ack_codes`: the
 * six-digit code sent by SMS to a number, so a reply from that number finds its link and task.
 */
export class AckLinks1764210000000 implements MigrationInterface {
  name = 'AckLinks1764210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ack_link_uses (
        link_id text PRIMARY KEY,
        incident_id text NOT NULL,
        task_id text NOT NULL,
        person text NOT NULL,
        via text NOT NULL CHECK (via IN ('link', 'sms')),
        ip text,
        used_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE ack_codes (
        link_id text PRIMARY KEY,
        code text NOT NULL,
        phone text NOT NULL,
        incident_id text NOT NULL,
        task_id text NOT NULL,
        person text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ack_codes_phone_code ON ack_codes (phone, code)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ack_codes`);
    await q.query(`DROP TABLE ack_link_uses`);
  }
}
