import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { formatDuration, parseDuration } from '../../../../domain/plan/duration';
import { listWords, suggestion } from '../../../../domain/text/did-you-mean';
import { appendAudit } from '../../../../activities/records/audit-log';
import { Caller, Role, ROLES } from './caller';
import type { ReviewedToken } from '../../../../domain/access/review';

// A token is `yj_<id>.<secret>`: the id finds the row, only the secret's SHA-256 is stored.
const TOKEN_RE = /^yj_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface IssueToken {
  person: string;
  teams: string[];
  roles: string[];
  /** `30d`, `12h`...; default 30 days, at most MAX_TOKEN_LIFETIME. */
  expiresIn?: string;
  createdBy: string;
  /** A simulated responder's token (the stack's simulation): everything done with it is marked simulated. */
  simulated?: boolean;
  /** The teams of the team directory: when given, every team must be one of them (`yingji token create` gives them). */
  knownTeams?: readonly string[];
}

/** A token lives at most a year: a forgotten one must still run out. */
export const MAX_TOKEN_LIFETIME = '365d';

/** A token as the store describes it (never its secret); `lastUsedAt` is to the minute, null if never used. */
export type TokenInfo = ReviewedToken;

export class TokenError extends Error {}

/** Issues a token; the secret is returned once and never stored. */
export async function issueToken(ds: DataSource, t: IssueToken): Promise<{ token: string; info: TokenInfo }> {
  if (!t.person || !/^[\w.@-]+$/.test(t.person)) throw new TokenError(`--person "${t.person}" must be a person id (letters, digits, . _ @ -)`);
  if (t.roles.length === 0) throw new TokenError('at least one --role is needed');
  const bad = t.roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (bad.length) throw new TokenError(`unknown role ${bad.map((r) => `"${r}"`).join(', ')}: roles are ${ROLES.join(', ')}`);
  if (t.roles.includes('responder') && t.teams.length === 0) throw new TokenError('a responder needs at least one --team');
  if (t.knownTeams) checkTeamsKnown(t.teams, t.knownTeams);
  const ms = tokenLifetime(t.expiresIn ?? '30d');
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + ms);
  await ds.transaction(async (em) => {
    await em.query(
      `INSERT INTO api_tokens (id, person, teams, roles, secret_hash, created_by, expires_at, simulated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, t.person, t.teams, t.roles, sha256(secret), t.createdBy, expiresAt, t.simulated ?? false],
    );
    await appendAudit(em, {
      at: new Date(), actor: t.createdBy, action: 'token.create', subjectType: 'token', subjectId: id, outcome: 'ok',
      detail: { person: t.person, teams: t.teams, roles: t.roles, expiresAt: expiresAt.toISOString(), ...(t.simulated ? { simulated: true } : {}) },
    });
  });
  const info = (await listTokens(ds)).find((x) => x.id === id)!;
  return { token: `yj_${id}.${secret}`, info };
}

/** Every team a token names must be a team of the directory, or its holder would see nothing (or a team created later). */
function checkTeamsKnown(teams: readonly string[], known: readonly string[]): void {
  const unknown = teams.filter((team) => !known.includes(team));
  if (unknown.length === 0) return;
  const first = unknown[0];
  throw new TokenError(
    `unknown team ${unknown.map((team) => `"${team}"`).join(', ')}${suggestion(first, known)}: --team must be a team of the team directory (${listWords(known, 'and')})`,
  );
}

/** Milliseconds of a token's lifetime: a duration above zero and at most MAX_TOKEN_LIFETIME. */
function tokenLifetime(expiresIn: string): number {
  const max = parseDuration(MAX_TOKEN_LIFETIME)!;
  const ms = /^-\d/.test(expiresIn) ? -1 : parseDuration(expiresIn);
  if (ms === undefined) throw new TokenError(`--expires "${expiresIn}" is not a duration like 12h or 30d`);
  if (ms <= 0) throw new TokenError(`--expires "${expiresIn}" must be longer than zero, e.g. 12h or 30d`);
  if (ms > max) throw new TokenError(`--expires "${expiresIn}" is longer than the maximum of ${formatDuration(max)}; issue a new token when this one runs out`);
  return ms;
}

export async function revokeToken(ds: DataSource, id: string, by: string): Promise<void> {
  await ds.transaction(async (em) => {
    if (await revokeTokenIn(em, id, { actor: by })) return;
    const exists = await em.query(`SELECT 1 FROM api_tokens WHERE id = $1`, [id]);
    throw new TokenError(exists.length ? `token ${id} is already revoked` : `no token with id ${id}`);
  });
}

/**
 * The one way a token is revoked, inside the caller's transaction (a review decision, an incident's
 * revokeAccess, `yingji token revoke`): marked revoked and audited `token.revoke` by `actor`. False,
 * with nothing written, when it was revoked already or does not exist.
 */
export async function revokeTokenIn(em: EntityManager, id: string, by: { actor: string; key?: string; detail?: Record<string, unknown> }): Promise<boolean> {
  // Destructured: the driver answers an UPDATE ... RETURNING as [rows, count].
  const [rows] = await em.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [id]);
  if (rows.length === 0) return false;
  await appendAudit(em, { key: by.key, at: new Date(), actor: by.actor, action: 'token.revoke', subjectType: 'token', subjectId: id, outcome: 'ok', detail: by.detail });
  return true;
}

export async function listTokens(ds: DataSource | EntityManager): Promise<TokenInfo[]> {
  const rows: Array<Record<string, unknown>> = await ds.query(
    `SELECT id, person, teams, roles, created_at, expires_at, revoked_at, last_used_at FROM api_tokens ORDER BY created_at`,
  );
  return rows.map((r) => ({
    id: r.id as string,
    person: r.person as string,
    teams: r.teams as string[],
    roles: r.roles as string[],
    createdAt: r.created_at as Date,
    expiresAt: r.expires_at as Date,
    revokedAt: (r.revoked_at as Date | null) ?? null,
    lastUsedAt: (r.last_used_at as Date | null) ?? null,
  }));
}

/** The caller a bearer token names, or a TokenError saying why it is not accepted. */
export async function verifyToken(ds: DataSource, token: string): Promise<Caller> {
  const m = TOKEN_RE.exec(token);
  if (!m) throw new TokenError('the bearer token is malformed');
  const [, id, secret] = m;
  const rows: Array<Record<string, unknown>> = await ds.query(
    `SELECT person, teams, roles, secret_hash, expires_at, revoked_at, simulated, last_used_at FROM api_tokens WHERE id = $1`,
    [id],
  );
  const row = rows[0];
  const given = Buffer.from(sha256(secret));
  if (!row || !timingSafeEqual(given, Buffer.from(row.secret_hash as string))) throw new TokenError('the bearer token is not valid');
  if (row.revoked_at) throw new TokenError(`token ${id} was revoked`);
  if ((row.expires_at as Date).getTime() <= Date.now()) throw new TokenError(`token ${id} expired at ${(row.expires_at as Date).toISOString()}`);
  await markUsed(ds, id, row.last_used_at as Date | null);
  return { person: row.person as string, teams: row.teams as string[], roles: row.roles as Role[], tokenId: id, simulated: row.simulated === true };
}

/**
 * Records that a token was used, for the access review. At most once a minute per token, so a busy
 * token does not write on every call; the WHERE clause keeps concurrent calls to one write too.
 */
async function markUsed(ds: DataSource, id: string, lastUsedAt: Date | null): Promise<void> {
  if (lastUsedAt && Date.now() - lastUsedAt.getTime() < 60_000) return;
  await ds.query(`UPDATE api_tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [id]);
}
