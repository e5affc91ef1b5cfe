import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alert intake. `alert_occurrences`: every alert received, once per occurrence (Alertmanager's
 * `(fingerprint, startsAt)`, an Events v2 `dedup_key` from trigger to resolve); a repeat only
 * counts as seen again. `alert_groups`: one live row per alert group (Alertmanager `groupKey`,
 * Events `dedup_key`) elects the one incident or proposal the group's alerts join; it stays live
 * through a flap window after its alerts resolve, so a flapping alert does not launch twice.
 */
export class Alerts1764300000000 implements MigrationInterface {
  name = 'Alerts1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_groups (
        id            bigserial   PRIMARY KEY,
        source        text        NOT NULL CHECK (source IN ('alertmanager', 'events')),
        group_key     text        NOT NULL,
        live          boolean     NOT NULL DEFAULT true,
        state         text        NOT NULL DEFAULT 'firing' CHECK (state IN ('firing', 'resolved')),
        plan_id       text        NOT NULL,
        plan_version  integer     NOT NULL,
        launch        text        NOT NULL CHECK (launch IN ('auto', 'propose')),
        incident_id   text,
        proposal_id   text,
        opened_at     timestamptz NOT NULL DEFAULT now(),
        resolved_at   timestamptz,
        retired_at    timestamptz
      )`);
    // The election: one live group per key, whoever inserts it launches.
    await q.query(`CREATE UNIQUE INDEX alert_groups_one_live ON alert_groups (source, group_key) WHERE live`);
    await q.query(`CREATE INDEX alert_groups_incident ON alert_groups (incident_id)`);
    await q.query(`
      CREATE TABLE alert_occurrences (
        id              bigserial   PRIMARY KEY,
        source          text        NOT NULL CHECK (source IN ('alertmanager', 'events')),
        group_key       text        NOT NULL,
        fingerprint     text        NOT NULL,
        starts_at       timestamptz NOT NULL,
        status          text        NOT NULL CHECK (status IN ('firing', 'resolved')),
        ends_at         timestamptz,
        acknowledged_at timestamptz,
        summary         text        NOT NULL,
        labels          jsonb       NOT NULL DEFAULT '{}',
        annotations     jsonb       NOT NULL DEFAULT '{}',
        payload         jsonb       NOT NULL DEFAULT '{}',
        match_state     text        NOT NULL DEFAULT 'pending' CHECK (match_state IN ('pending', 'matched', 'unmatched')),
        match_reason    text,
        group_id        bigint      REFERENCES alert_groups (id),
        recorded_status text,
        seen            integer     NOT NULL DEFAULT 1,
        first_seen_at   timestamptz NOT NULL DEFAULT now(),
        last_seen_at    timestamptz NOT NULL DEFAULT now(),
        received_by     text        NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX alert_occurrences_once ON alert_occurrences (source, fingerprint, starts_at)`);
    // An Events v2 key has at most one open alert: a trigger with its key joins it.
    await q.query(`CREATE UNIQUE INDEX alert_occurrences_open_event ON alert_occurrences (fingerprint) WHERE source = 'events' AND status = 'firing'`);
    await q.query(`CREATE INDEX alert_occurrences_group ON alert_occurrences (group_id)`);
    await q.query(`CREATE INDEX alert_occurrences_match ON alert_occurrences (match_state, last_seen_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE alert_occurrences`);
    await q.query(`DROP TABLE alert_groups`);
  }
}
