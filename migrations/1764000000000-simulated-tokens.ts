import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A simulated responder is a property of their token (issued by the stack's simulation for demos
 * and rehearsals), no longer a flag any caller could set in a request body.
 */
export class SimulatedTokens1764000000000 implements MigrationInterface {
  name = 'SimulatedTokens1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens ADD COLUMN simulated boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens DROP COLUMN simulated`);
  }
}
