import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Running any plan: task details (acknowledgement, checklist, evidence, decisions, escalations),
 * notification deliveries, review findings, and API tokens for identity and roles.
 */
export class RunAnyPlan1763870000000 implements MigrationInterface {
  name = 'RunAnyPlan1763870000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tasks
        ADD COLUMN kind            text        NOT NULL DEFAULT 'manual',
        ADD COLUMN acknowledged_at timestamptz,
        ADD COLUMN acknowledged_by text,
        ADD COLUMN checklist_done  jsonb       NOT NULL DEFAULT '[]',
        ADD COLUMN evidence        jsonb       NOT NULL DEFAULT '[]',
        ADD COLUMN options         jsonb,
        ADD COLUMN decision        text,
        ADD COLUMN failure         text,
        ADD COLUMN escalations     integer     NOT NULL DEFAULT 0,
        ADD COLUMN people          jsonb       NOT NULL DEFAULT '[]'`);
    await q.query(`ALTER TABLE incidents ADD COLUMN time_scale integer NOT NULL DEFAULT 1`);
    await q.query(`
      CREATE TABLE steps (
        incident_id  text        NOT NULL REFERENCES incidents (id),
        step_id      text        NOT NULL,
        step_type    text        NOT NULL,
        title        text        NOT NULL,
        owner_role   text,
        team         text,
        state        text        NOT NULL,
        started_at   timestamptz,
        deadline_at  timestamptz,
        finished_at  timestamptz,
        finished_by  text,
        outcome      text,
        updated_at   timestamptz NOT NULL,
        PRIMARY KEY (incident_id, step_id)
      )`);
    await q.query(`
      CREATE TABLE notifications (
        id           text        PRIMARY KEY,
        incident_id  text        NOT NULL REFERENCES incidents (id),
        step_id      text,
        reason       text        NOT NULL,
        channel      text        NOT NULL,
        audience     jsonb       NOT NULL,
        recipients   jsonb       NOT NULL,
        message      text        NOT NULL,
        drill        boolean     NOT NULL DEFAULT false,
        status       text        NOT NULL,
        attempts     integer     NOT NULL DEFAULT 0,
        detail       text,
        created_at   timestamptz NOT NULL,
        delivered_at timestamptz
      )`);
    await q.query(`CREATE INDEX notifications_incident_idx ON notifications (incident_id, created_at)`);
    await q.query(`
      CREATE TABLE review_findings (
        id           text        PRIMARY KEY,
        incident_id  text        NOT NULL REFERENCES incidents (id),
        text         text        NOT NULL,
        owner        text        NOT NULL,
        due_date     date        NOT NULL,
        created_by   text        NOT NULL,
        created_at   timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE api_tokens (
        id           text        PRIMARY KEY,
        person       text        NOT NULL,
        teams        text[]      NOT NULL DEFAULT '{}',
        roles        text[]      NOT NULL,
        secret_hash  char(64)    NOT NULL,
        created_by   text        NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        expires_at   timestamptz NOT NULL,
        revoked_at   timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_tokens`);
    await q.query(`DROP TABLE review_findings`);
    await q.query(`DROP TABLE notifications`);
    await q.query(`DROP TABLE steps`);
    await q.query(`ALTER TABLE incidents DROP COLUMN time_scale`);
    await q.query(`
      ALTER TABLE tasks DROP COLUMN kind, DROP COLUMN acknowledged_at, DROP COLUMN acknowledged_by,
        DROP COLUMN checklist_done, DROP COLUMN evidence, DROP COLUMN options, DROP COLUMN decision,
        DROP COLUMN failure, DROP COLUMN escalations, DROP COLUMN people`);
  }
}
