import { CanActivate, ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { AuditSubject, AuditTrail } from './audit-trail';
import { AuthThrottle } from './auth-throttle';
import type { Caller, Role } from './caller';
import { PUBLIC_KEY, ROLES_KEY } from './decorators';
import { TokenError, verifyToken } from './token-store';

/** Collection POSTs that do something more specific than "create". */
const POST_VERBS: Record<string, string> = { incidents: 'launch', drills: 'launch', plans: 'publish', backups: 'take', restores: 'start', diagnoses: 'ask' };

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

/** Every route needs a valid bearer token unless marked @Public(); @Roles() narrows who may call it. */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly throttle = new AuthThrottle();

  constructor(
    private readonly reflector: Reflector,
    private readonly db: DataSource,
    private readonly audit: AuditTrail,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const { action, subject } = attempted(req);
    const ip = req.ip ?? req.socket?.remoteAddress ?? 'unknown';
    const header = req.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token) throw await this.refuse(ctx, ip, action, subject, 'a bearer token is required (Authorization: Bearer <token>)');
    try {
      req.caller = { ...(await verifyToken(this.db, token)), ip };
    } catch (err) {
      if (err instanceof TokenError) throw await this.refuse(ctx, ip, action, subject, err.message, printable(/^yj_([0-9a-f]{16})\./.exec(token)?.[1]));
      throw err;
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

  /**
   * 401, audited; past the throttle's limit 429 with Retry-After and no entry of its own (the
   * window's one summary entry says how it started). A valid token is never throttled.
   */
  private async refuse(ctx: ExecutionContext, ip: string, action: string, subject: AuditSubject, reason: string, claimedTokenId?: string): Promise<HttpException> {
    const t = this.throttle.fail(ip);
    if (!t.throttled) return this.audit.unauthorized(action, subject, reason, { ip, claimedTokenId });
    if (t.first) {
      await this.audit.anonymous('auth.throttle', { type: 'source', id: ip }, {
        reason: `more than ${this.throttle.limit} failed authentications from ${ip} within a minute: refused with 429 until ${t.until.toISOString()}, not audited one by one`,
        ip,
        until: t.until.toISOString(),
        lastAction: action,
        lastSubject: subject,
      });
    }
    ctx.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(t.retryAfterS));
    return new HttpException(`too many failed authentications from ${ip}: try again in ${t.retryAfterS} s`, HttpStatus.TOO_MANY_REQUESTS);
  }
}
