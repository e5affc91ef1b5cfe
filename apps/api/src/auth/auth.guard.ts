import { CanActivate, ExecutionContext, HttpException, HttpStatus, Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { AuditSubject, AuditTrail } from './audit-trail';
import type { YingjiConfig } from '../../../shared/config';
import { YINGJI_CONFIG } from '../config.token';
import { AuthThrottle, ThrottledWindow } from './auth-throttle';
import type { Caller, Role } from './caller';
import { PUBLIC_KEY, ROLES_KEY, SIGN_IN_KEY } from './decorators';
import { TokenError, verifyToken } from './token-store';
import { cookiesOf, CSRF_HEADER, SESSION_COOKIE } from '../session/session-cookies';
import { ConsoleSession, SessionError, SessionService } from '../session/session.service';

/** Collection POSTs that do something more specific than "create". */
const POST_VERBS: Record<string, string> = { incidents: 'launch', drills: 'launch', plans: 'publish', backups: 'take', restores: 'start', diagnoses: 'ask', session: 'open' };

const singular = (s: string) => s.replace(/ies$/, 'y').replace(/s$/, '');

/** An id from the request, bounded for the audit trail (safeInput has already refused unstorable text). */
const printable = (s: unknown) => (typeof s === 'string' ? s.slice(0, 200) : undefined);

/**
 * What a request tried to do, named as the services name it (`incident.override`, `task.complete`)
 * and against what (the incident or task by its id; for a launch, the plan), not the route template.
 */
export function attempted(req: Pick<Request, 'method' | 'params' | 'body' | 'path'> & { route?: { path?: string } }): { action: string; subject: AuditSubject } {
  const parts = (req.route?.path ?? req.path).split('/').filter(Boolean);
  const resource = parts[0] ?? 'api';
  const type = singular(resource);
  const id = printable(req.params?.id);
  const extra = parts.slice(1).find((p) => !p.startsWith(':'));
  let verb: string;
  if (req.method === 'GET') verb = id || extra ? 'read' : 'list';
  else if (extra) verb = singular(extra); // notes -> note, complete, override, verify
  else if (req.method === 'POST') verb = POST_VERBS[resource] ?? 'create';
  else if (req.method === 'DELETE') verb = 'delete';
  else verb = 'update';
  const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
  let subject: AuditSubject;
  if (id) subject = { type, id };
  else if (printable(body.planId)) subject = { type: 'plan', id: printable(body.planId)! };
  else if (resource === 'restores' && printable(body.target)) subject = { type: 'database', id: printable(body.target)! };
  else subject = { type, id: req.method === 'GET' ? '(all)' : '(new)' };
  return { action: `${type}.${verb}`, subject };
}

/** Throttle keys: failures are counted per source address and per claimed token id. */
const SOURCE = 'source:';
const TOKEN = 'token:';

/** Methods that change nothing: a cookie-authenticated request needs no CSRF header for them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every route needs a valid bearer token, or the console's session cookie, unless marked @Public();
 * @Roles() narrows who may call it. A session is its token: the same caller, the same rules; a
 * cookie is sent by the browser on its own, so a change made with one also needs X-CSRF-Token.
 */
@Injectable()
export class AuthGuard implements CanActivate, OnModuleDestroy {
  private readonly throttle: AuthThrottle;
  private readonly logger = new Logger('AuthGuard');
  private flushTimer?: NodeJS.Timeout;

  constructor(
    private readonly reflector: Reflector,
    private readonly db: DataSource,
    private readonly audit: AuditTrail,
    private readonly sessions: SessionService,
    @Inject(YINGJI_CONFIG) config: YingjiConfig,
  ) {
    const { limit, windowS } = config.authFailures ?? { limit: 10, windowS: 60 };
    this.throttle = new AuthThrottle(limit, windowS * 1000);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { caller?: Caller; consoleSession?: ConsoleSession }>();
    const { action, subject } = attempted(req);
    const ip = req.ip ?? req.socket?.remoteAddress ?? 'unknown';
    const header = req.headers.authorization ?? '';
    if (this.reflector.getAllAndOverride<boolean>(SIGN_IN_KEY, targets)) {
      // Signing in: the token is in the body, and is verified, refused and throttled as a bearer token is.
      const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
      if (typeof body.token !== 'string' || !body.token) throw await this.refuse(ctx, ip, action, subject, 'a token is required to sign in (body: {"token": "yj_..."})');
      req.caller = await this.byToken(ctx, ip, action, subject, body.token);
    } else if (header) {
      const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      if (!token) throw await this.refuse(ctx, ip, action, subject, 'a bearer token is required (Authorization: Bearer <token>)');
      req.caller = await this.byToken(ctx, ip, action, subject, token);
    } else {
      const secret = cookiesOf(req)[SESSION_COOKIE];
      if (!secret) throw await this.refuse(ctx, ip, action, subject, 'a bearer token is required (Authorization: Bearer <token>)');
      try {
        const { caller, session } = await this.sessions.authenticate(secret);
        req.caller = { ...caller, ip };
        req.consoleSession = session;
      } catch (err) {
        if (err instanceof SessionError) throw await this.refuse(ctx, ip, action, subject, err.message);
        throw err;
      }
      // The browser sends the cookie with any request to this origin; only the console's own script can read the CSRF cookie to echo it.
      if (!SAFE_METHODS.has(req.method) && !this.sessions.csrfMatches(req.consoleSession, req.headers[CSRF_HEADER])) {
        throw await this.audit.forbid(req.caller, action, subject, 'missing or wrong CSRF token (X-CSRF-Token)');
      }
    }
    const needed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    const route = `${req.method} ${req.route?.path ?? req.path}`;
    // A monitoring system's token is leaked more easily than a person's: it opens the intake routes and nothing else.
    if (req.caller.roles.includes('intake') && !needed?.includes('intake')) {
      throw await this.audit.forbid(req.caller, action, subject, `${route} is not an alert intake route; an intake token (${req.caller.person}) may only POST /alerts/alertmanager and /alerts/events`);
    }
    if (needed && !needed.some((r) => req.caller!.roles.includes(r))) {
      throw await this.audit.forbid(req.caller, action, subject, `${route} needs role ${needed.join(' or ')}; ${req.caller.person} has ${req.caller.roles.join(', ')}`);
    }
    return true;
  }

  /** The caller a token names, or the refusal (401, or 429 once throttled) with the claimed token id. */
  private async byToken(ctx: ExecutionContext, ip: string, action: string, subject: AuditSubject, token: string): Promise<Caller> {
    try {
      return { ...(await verifyToken(this.db, token)), ip };
    } catch (err) {
      if (err instanceof TokenError) throw await this.refuse(ctx, ip, action, subject, err.message, printable(/^yj_([0-9a-f]{16})\./.exec(token)?.[1]));
      throw err;
    }
  }

  /** Windows still open when the API stops are counted as far as they got (the counts live in memory only). */
  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.flushTimer);
    await this.writeCounts(this.throttle.takeEnded(true));
  }

  /**
   * 401, audited, for the first `limit` failures of a window per source address and per claimed
   * token id (a token id tried from many addresses is throttled too); past either limit 429 with
   * Retry-After and no entry of its own: the request that starts throttling writes one
   * `auth.throttle` entry, and each throttled window one `auth.failures` entry with its count when
   * it ends. The trail is append-only, so counts are new entries, never updates. A valid token is
   * never throttled.
   */
  private async refuse(ctx: ExecutionContext, ip: string, action: string, subject: AuditSubject, reason: string, claimedTokenId?: string): Promise<HttpException> {
    const bySource = this.throttle.fail(SOURCE + ip);
    const byToken = claimedTokenId ? this.throttle.fail(TOKEN + claimedTokenId, ip) : ({ throttled: false } as const);
    const hits = [bySource, byToken].flatMap((t) => (t.throttled ? [t] : []));
    if (hits.length === 0) return this.audit.unauthorized(action, subject, reason, { ip, claimedTokenId });
    const within = this.windowWords();
    if (hits.every((t) => t.first)) {
      const until = new Date(Math.max(...hits.map((t) => t.until.getTime())));
      const [what, sub] = bySource.throttled
        ? [`from ${ip}`, { type: 'source', id: ip }]
        : [`with token id ${claimedTokenId}`, { type: 'token', id: claimedTokenId! }];
      await this.audit.anonymous('auth.throttle', sub, {
        reason: `more than ${this.throttle.limit} failed authentications ${what} within ${within}: refused with 429 until ${until.toISOString()}, counted instead of audited one by one`,
        ip,
        ...(claimedTokenId ? { claimedTokenId } : {}),
        throttled: { source: bySource.throttled, tokenId: byToken.throttled },
        until: until.toISOString(),
        lastAction: action,
        lastSubject: subject,
      });
    }
    this.scheduleCounts();
    const retryAfterS = Math.max(...hits.map((t) => t.retryAfterS));
    ctx.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfterS));
    const who = bySource.throttled ? `from ${ip}` : `with token id ${claimedTokenId}`;
    return new HttpException(`too many failed authentications ${who}: try again in ${retryAfterS} s`, HttpStatus.TOO_MANY_REQUESTS);
  }

  private windowWords(): string {
    const s = this.throttle.windowMs / 1000;
    return s === 60 ? 'a minute' : `${s} s`;
  }

  /** One timer at a time, for the earliest throttled window's end; it does not keep the process alive. */
  private scheduleCounts(): void {
    if (this.flushTimer) return;
    const next = this.throttle.nextEnd();
    if (next === undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.writeCounts(this.throttle.takeEnded()).finally(() => this.scheduleCounts());
    }, Math.max(0, next - Date.now()) + 10);
    this.flushTimer.unref();
  }

  private async writeCounts(windows: ThrottledWindow[]): Promise<void> {
    for (const w of windows) {
      const isSource = w.key.startsWith(SOURCE);
      const id = w.key.slice(isSource ? SOURCE.length : TOKEN.length);
      const what = isSource ? `from ${id}` : `with token id ${id} from ${w.notes.length}${w.notes.length >= 20 ? '+' : ''} address${w.notes.length === 1 ? '' : 'es'}`;
      const span = `${w.start.toISOString()} to ${w.end.toISOString()}${w.cutShort ? ' (the API stopped before the window ended)' : ''}`;
      try {
        await this.audit.anonymous('auth.failures', { type: isSource ? 'source' : 'token', id }, {
          reason: `${w.failures} failed authentications ${what} from ${span}; past the limit of ${this.throttle.limit} they were refused with 429 and are counted here, not audited one by one`,
          failures: w.failures,
          limit: this.throttle.limit,
          from: w.start.toISOString(),
          to: w.end.toISOString(),
          ...(isSource ? {} : { addresses: w.notes }),
          ...(w.cutShort ? { cutShort: true } : {}),
        });
      } catch (err) {
        // A count that cannot be written is said in the log; the next ones are still tried.
        this.logger.error(`could not audit ${w.failures} failed authentications ${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
