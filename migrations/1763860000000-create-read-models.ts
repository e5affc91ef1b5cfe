import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read models written by activities (the running state lives in Temporal): published plan
 * versions, incidents, tasks, the timeline and the audit trail.
 */
export class CreateReadModels1763860000000 implements MigrationInterface {
  name = 'CreateReadModels1763860000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE plan_versions (
        plan_id      text        NOT NULL,
        version      integer     NOT NULL CHECK (version > 0),
        title        text        NOT NULL,
        source_text  text        NOT NULL,
        sha256       char(64)    NOT NULL,
        parsed       jsonb       NOT NULL,
        published_by text        NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (plan_id, version)
      )`);
    await q.query(`
      CREATE TABLE incidents (
        id           text        PRIMARY KEY,
        plan_id      text        NOT NULL,
        plan_version integer     NOT NULL,
        title        text        NOT NULL,
        mode         text        NOT NULL CHECK (mode IN ('live', 'tabletop', 'live-drill')),
        state        text        NOT NULL,
        stage        text        NOT NULL,
        level        text,
        level_reason text,
        facts        jsonb       NOT NULL DEFAULT '{}',
        launched_by  text        NOT NULL,
        opened_at    timestamptz NOT NULL,
        closed_at    timestamptz,
        updated_at   timestamptz NOT NULL,
        FOREIGN KEY (plan_id, plan_version) REFERENCES plan_versions (plan_id, version)
      )`);
    await q.query(`CREATE INDEX incidents_state_idx ON incidents (state, opened_at DESC)`);
    await q.query(`
      CREATE TABLE tasks (
        id            text        PRIMARY KEY,
        incident_id   text        NOT NULL REFERENCES incidents (id),
        step_id       text        NOT NULL,
        title         text        NOT NULL,
        step_type     text        NOT NULL,
        owner_role    text        NOT NULL,
        team          text        NOT NULL,
        state         text        NOT NULL,
        checklist     jsonb       NOT NULL DEFAULT '[]',
        deadline_at   timestamptz,
        created_at    timestamptz NOT NULL,
        completed_at  timestamptz,
        completed_by  text,
        simulated     boolean     NOT NULL DEFAULT false,
        outcome       text,
        note          text,
        UNIQUE (incident_id, step_id)
      )`);
    await q.query(`CREATE INDEX tasks_team_state_idx ON tasks (team, state)`);
    await q.query(`
      CREATE TABLE timeline_entries (
        id           bigserial   PRIMARY KEY,
        event_key    text        NOT NULL UNIQUE,
        incident_id  text        NOT NULL REFERENCES incidents (id),
        at           timestamptz NOT NULL,
        kind         text        NOT NULL,
        actor        text        NOT NULL,
        simulated    boolean     NOT NULL DEFAULT false,
        task_id      text,
        message      text        NOT NULL,
        data         jsonb       NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX timeline_incident_idx ON timeline_entries (incident_id, at, id)`);
    // Each entry carries the hash of the one before it, so an auditor can detect edits or gaps.
    await q.query(`
      CREATE TABLE audit_entries (
        id           bigserial   PRIMARY KEY,
        event_key    text        UNIQUE,
        at           timestamptz NOT NULL,
        actor        text        NOT NULL,
        action       text        NOT NULL,
        subject_type text        NOT NULL,
        subject_id   text        NOT NULL,
        outcome      text        NOT NULL,
        detail       jsonb       NOT NULL DEFAULT '{}',
        prev_hash    char(64)    NOT NULL,
        hash         char(64)    NOT NULL UNIQUE
      )`);
    await q.query(`CREATE INDEX audit_subject_idx ON audit_entries (subject_type, subject_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_entries`);
    await q.query(`DROP TABLE timeline_entries`);
    await q.query(`DROP TABLE tasks`);
    await q.query(`DROP TABLE incidents`);
    await q.query(`DROP TABLE plan_versions`);
  }
}
