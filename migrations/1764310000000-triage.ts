import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Triage: incidents that an alert proposed (a plan trigger with `launch: propose`) and that wait
 * for a commander to confirm (launch) or dismiss (with a reason). One alert group has at most one
 * proposal waiting, so a repeated or flapping alert does not queue a second one.
 */
export class Triage1764310000000 implements MigrationInterface {
  name = 'Triage1764310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE triage_proposals (
        id text PRIMARY KEY,
        plan_id text NOT NULL,
        plan_version integer NOT NULL,
        trigger_index integer NOT NULL,
        facts jsonb NOT NULL DEFAULT '{}',
        level text CHECK (level IN ('I', 'II', 'III', 'IV')),
        match_reason text NOT NULL,
        alert_group text NOT NULL,
        summary text NOT NULL,
        alerts integer NOT NULL DEFAULT 1,
        state text NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'confirmed', 'dismissed')),
        decided_by text,
        decision_reason text,
        incident_id text,
        proposed_at timestamptz NOT NULL DEFAULT now(),
        decided_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX triage_proposals_waiting_group ON triage_proposals (alert_group) WHERE state = 'proposed'`);
    await q.query(`CREATE INDEX triage_proposals_state_time ON triage_proposals (state, proposed_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE triage_proposals`);
  }
}
