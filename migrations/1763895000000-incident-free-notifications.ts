import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications that belong to no incident (deployment alerts such as a failed recovery test): the
 * incident becomes optional and `subject` says what such a notification is about
 * (e.g. `recovery-test:<id>`). Every row names one or the other.
 */
export class IncidentFreeNotifications1763895000000 implements MigrationInterface {
  name = 'IncidentFreeNotifications1763895000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications ALTER COLUMN incident_id DROP NOT NULL, ADD COLUMN subject text`);
    await q.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_about_check CHECK (incident_id IS NOT NULL OR subject IS NOT NULL)`);
    await q.query(`CREATE INDEX notifications_subject_idx ON notifications (subject, created_at) WHERE subject IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Rows without an incident cannot exist in the older schema.
    await q.query(`DELETE FROM notifications WHERE incident_id IS NULL`);
    await q.query(`DROP INDEX notifications_subject_idx`);
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_about_check`);
    await q.query(`ALTER TABLE notifications DROP COLUMN subject, ALTER COLUMN incident_id SET NOT NULL`);
  }
}
