import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When each API token was last used, for the access review: a grant nobody used for months is a
 * grant to take away. Written at most once a minute per token (see verifyToken).
 */
export class TokenLastUsed1764400000000 implements MigrationInterface {
  name = 'TokenLastUsed1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens ADD COLUMN last_used_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens DROP COLUMN last_used_at`);
  }
}
