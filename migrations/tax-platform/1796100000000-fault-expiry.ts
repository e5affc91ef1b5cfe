import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A fault can end by itself (`until` on POST /_sim/faults): a drill's platform outage lifts after
 * its duration even when nobody clears it, and a restart does not change when. A fault without
 * `until` stays on until cleared, as before.
 */
export class FaultExpiry1796100000000 implements MigrationInterface {
  name = 'FaultExpiry1796100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tp_faults ADD COLUMN until timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tp_faults DROP COLUMN until`);
  }
}
