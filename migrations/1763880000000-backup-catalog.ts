import { MigrationInterface, QueryRunner } from 'typeorm';

/** The backup catalog (what exists, its chain and state) and the recovery tests run against it. */
export class BackupCatalog1763880000000 implements MigrationInterface {
  name = 'BackupCatalog1763880000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE backup_catalog (
        id              text        PRIMARY KEY,
        kind            text        NOT NULL CHECK (kind IN ('full', 'incremental', 'differential')),
        parent_id       text        REFERENCES backup_catalog (id),
        base_full_id    text,
        taken_at        timestamptz NOT NULL,
        point_in_time   timestamptz NOT NULL,
        from_change     text,
        to_change       text,
        status          text        NOT NULL,
        row_counts      jsonb       NOT NULL DEFAULT '{}',
        chunks          integer     NOT NULL DEFAULT 0,
        bytes           bigint      NOT NULL DEFAULT 0,
        key_id          text,
        location        text        NOT NULL,
        manifest_sha256 char(64),
        error           text,
        verified_at     timestamptz,
        created_by      text        NOT NULL
      )`);
    await q.query(`CREATE INDEX backup_catalog_time_idx ON backup_catalog (point_in_time DESC)`);
    await q.query(`
      CREATE TABLE recovery_tests (
        id           text        PRIMARY KEY,
        started_at   timestamptz NOT NULL,
        finished_at  timestamptz,
        chain        jsonb       NOT NULL DEFAULT '[]',
        ok           boolean,
        detail       jsonb       NOT NULL DEFAULT '{}',
        error        text
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE recovery_tests`);
    await q.query(`DROP TABLE backup_catalog`);
  }
}
