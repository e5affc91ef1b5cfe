import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drills (drills-and-scoring.md): one row per drill incident (same id), with its sandbox, the faults
 * injected, the recorded facts and the score computed from them. Review findings gain the drill
 * finding and step they improve on, so `plan draft-next` can put them at the right step.
 */
export class Drills1763900000000 implements MigrationInterface {
  name = 'Drills1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE drills (
        id             text        PRIMARY KEY REFERENCES incidents (id),
        plan_id        text        NOT NULL,
        plan_version   integer     NOT NULL,
        mode           text        NOT NULL CHECK (mode IN ('tabletop', 'live-drill')),
        unannounced    boolean     NOT NULL DEFAULT false,
        sandbox        text,
        keep_sandbox   boolean     NOT NULL DEFAULT false,
        sandbox_state  text,
        faults         jsonb       NOT NULL DEFAULT '[]',
        fault_at       timestamptz,
        loss           jsonb,
        facts          jsonb,
        score          jsonb,
        findings       jsonb       NOT NULL DEFAULT '[]',
        state          text        NOT NULL,
        started_at     timestamptz NOT NULL,
        scored_at      timestamptz,
        finished_at    timestamptz,
        created_by     text        NOT NULL
      )`);
    await q.query(`CREATE INDEX drills_plan_idx ON drills (plan_id, started_at)`);
    await q.query(`ALTER TABLE review_findings ADD COLUMN finding_id text, ADD COLUMN step_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE review_findings DROP COLUMN finding_id, DROP COLUMN step_id`);
    await q.query(`DROP TABLE drills`);
  }
}
