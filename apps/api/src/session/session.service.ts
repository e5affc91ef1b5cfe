import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { YingjiConfig } from '../../../shared/config';
import { AuditTrail } from '../auth/audit-trail';
import type { Caller, Role } from '../auth/caller';
import { YINGJI_CONFIG } from '../config.token';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A console session as the guard hands it to the routes (never its secret). */
export interface ConsoleSession {
  id: string;
  csrf: string;
  expiresAt: Date;
}

/** Why a session cookie is not accepted; the message is the 401's. */
export class SessionError extends Error {}

/** YINGJI_SESSION_HOURS: how long a console session lives at most (default 12 h). */
export function sessionHoursFrom(env: NodeJS.ProcessEnv): number {
  const raw = (env.YINGJI_SESSION_HOURS ?? '').trim();
  if (raw === '') return 12;
  const hours = Number(raw);
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) throw new Error(`YINGJI_SESSION_HOURS must be a number of hours above 0 and at most 720, got "${raw}"`);
  return hours;
}

/**
 * Console sessions: a token exchanged once for a random secret the browser keeps in an HttpOnly
 * cookie. The session is only a handle on its token: the caller is the token's, and a token
 * revoked or run out ends its sessions the next time they are used.
 */
@Injectable()
export class SessionService {
  private readonly hours: number;

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditTrail,
    @Inject(YINGJI_CONFIG) config: YingjiConfig,
  ) {
    // Read here until the config has a field for it (a test may pass sessionHours in its config).
    this.hours = (config as YingjiConfig & { sessionHours?: number }).sessionHours ?? sessionHoursFrom(process.env);
  }

  /** A new session for a caller whose token was just verified: until the earlier of the session length and the token's expiry. */
  async open(caller: Caller, userAgent: string | undefined): Promise<{ secret: string; csrf: string; expiresAt: Date }> {
    const secret = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    const id = sha256(secret);
    const [token] = await this.db.query(`SELECT expires_at FROM api_tokens WHERE id = $1`, [caller.tokenId]);
    const expiresAt = new Date(Math.min(Date.now() + this.hours * 3_600_000, (token.expires_at as Date).getTime()));
    await this.db.query(`INSERT INTO console_sessions (id, token_id, csrf, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6)`, [
      id,
      caller.tokenId,
      csrf,
      expiresAt,
      caller.ip ?? null,
      userAgent?.slice(0, 500) ?? null,
    ]);
    await this.audit.ok(caller, 'session.open', { type: 'session', id: handle(id) }, { expiresAt: expiresAt.toISOString(), ...(userAgent ? { userAgent: userAgent.slice(0, 200) } : {}) });
    return { secret, csrf, expiresAt };
  }

  /**
   * The caller and session a cookie's secret names, or a SessionError saying why not: unknown,
   * signed out, expired, or its token revoked or expired (which ends every session of the token).
   */
  async authenticate(secret: string): Promise<{ caller: Omit<Caller, 'ip'>; session: ConsoleSession }> {
    const id = sha256(secret);
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT s.token_id, s.csrf, s.expires_at, s.ended_at, t.person, t.teams, t.roles, t.simulated, t.revoked_at, t.expires_at AS token_expires_at, t.last_used_at
         FROM console_sessions s JOIN api_tokens t ON t.id = s.token_id WHERE s.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) throw new SessionError('the console session is not known: sign in again');
    const tokenId = row.token_id as string;
    const tokenRefusal = row.revoked_at
      ? `token ${tokenId} was revoked`
      : (row.token_expires_at as Date).getTime() <= Date.now()
        ? `token ${tokenId} expired at ${(row.token_expires_at as Date).toISOString()}`
        : undefined;
    if (tokenRefusal) {
      await this.db.query(`UPDATE console_sessions SET ended_at = now() WHERE token_id = $1 AND ended_at IS NULL`, [tokenId]);
      throw new SessionError(`${tokenRefusal}: its console sessions have ended`);
    }
    if (row.ended_at) throw new SessionError(`the console session ended at ${(row.ended_at as Date).toISOString()} (signed out): sign in again`);
    if ((row.expires_at as Date).getTime() <= Date.now()) throw new SessionError(`the console session expired at ${(row.expires_at as Date).toISOString()}: sign in again`);
    await this.markTokenUsed(tokenId, row.last_used_at as Date | null);
    return {
      caller: { person: row.person as string, teams: row.teams as string[], roles: row.roles as Role[], tokenId, simulated: row.simulated === true },
      session: { id, csrf: row.csrf as string, expiresAt: row.expires_at as Date },
    };
  }

  /** Whether the X-CSRF-Token header a request sent is the session's. */
  csrfMatches(session: ConsoleSession, sent: string | string[] | undefined): boolean {
    if (typeof sent !== 'string') return false;
    const a = Buffer.from(sent);
    const b = Buffer.from(session.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Signs out: the session ends now, audited. */
  async close(caller: Caller, session: ConsoleSession): Promise<void> {
    await this.db.query(`UPDATE console_sessions SET ended_at = now() WHERE id = $1 AND ended_at IS NULL`, [session.id]);
    await this.audit.ok(caller, 'session.close', { type: 'session', id: handle(session.id) });
  }

  /** A session's use is its token's use, for the access review (at most one write a minute, as for a bearer call). */
  private async markTokenUsed(tokenId: string, lastUsedAt: Date | null): Promise<void> {
    if (lastUsedAt && Date.now() - lastUsedAt.getTime() < 60_000) return;
    await this.db.query(`UPDATE api_tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [tokenId]);
  }
}

/** How the audit trail names a session: the start of its id (a hash of the secret, never the secret). */
const handle = (id: string) => id.slice(0, 16);
