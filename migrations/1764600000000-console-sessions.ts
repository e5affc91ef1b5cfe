import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The console's sessions: a browser holds a random secret in an HttpOnly cookie instead of a token
 * in JavaScript. Only the secret's SHA-256 is stored (the row's id); the CSRF value is stored as it
 * is, because it is compared with what the page sends and is worthless without the cookie.
 */
export class ConsoleSessions1764600000000 implements MigrationInterface {
  name = 'ConsoleSessions1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE console_sessions (
        id text PRIMARY KEY,
        token_id text NOT NULL REFERENCES api_tokens(id),
        csrf text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ended_at timestamptz,
        ip text,
        user_agent text
      )`);
    await q.query(`CREATE INDEX console_sessions_token ON console_sessions (token_id) WHERE ended_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE console_sessions`);
  }
}
