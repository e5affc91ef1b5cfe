import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issuing can be frozen for some provinces only (the plan actions' `regions`): issuing_state gets a
 * row per province that differs from the company-wide row (`all`). An invoice's region is its
 * seller's province, so its mode is its province's row, else the `all` row.
 */
export class IssuingRegions1795800000000 implements MigrationInterface {
  name = 'IssuingRegions1795800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE issuing_state ADD COLUMN region text NOT NULL DEFAULT 'all' CHECK (region = 'all' OR region ~ '^[0-9]{2}$')`);
    await q.query(`ALTER TABLE issuing_state DROP CONSTRAINT issuing_state_pkey, DROP COLUMN id`);
    await q.query(`ALTER TABLE issuing_state ADD PRIMARY KEY (region)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM issuing_state WHERE region <> 'all'`);
    await q.query(`ALTER TABLE issuing_state DROP CONSTRAINT issuing_state_pkey, DROP COLUMN region`);
    await q.query(`ALTER TABLE issuing_state ADD COLUMN id boolean PRIMARY KEY DEFAULT true CHECK (id)`);
  }
}
