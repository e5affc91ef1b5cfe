import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Routine tasks (例行任务): work for a team outside any incident, such as the scheduled access
 * review for security or a failing compliance check for its owner. A key names what the task is
 * about, and a key has at most one open task, so a retried or repeated opener finds the one it made.
 * Access review decisions: what security decided for each finding of a review (keep or revoke).
 */
export class RoutineTasks1764520000000 implements MigrationInterface {
  name = 'RoutineTasks1764520000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE routine_tasks (
        id text PRIMARY KEY,
        key text NOT NULL,
        kind text NOT NULL,
        team text NOT NULL,
        title text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}',
        state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
        opened_at timestamptz NOT NULL DEFAULT now(),
        due_at timestamptz,
        closed_at timestamptz,
        closed_by text,
        outcome text
      )`);
    await q.query(`CREATE UNIQUE INDEX routine_tasks_open_key ON routine_tasks (key) WHERE state = 'open'`);
    await q.query(`CREATE INDEX routine_tasks_team_state ON routine_tasks (team, state, opened_at DESC)`);
    await q.query(`
      CREATE TABLE access_review_decisions (
        id bigserial PRIMARY KEY,
        task_id text NOT NULL REFERENCES routine_tasks (id),
        token_id text NOT NULL,
        kinds text[] NOT NULL,
        decision text NOT NULL CHECK (decision IN ('keep', 'revoke')),
        reason text NOT NULL,
        decided_by text NOT NULL,
        decided_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (task_id, token_id)
      )`);
    await q.query(`CREATE INDEX access_review_decisions_token ON access_review_decisions (token_id, decided_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE access_review_decisions`);
    await q.query(`DROP TABLE routine_tasks`);
  }
}
