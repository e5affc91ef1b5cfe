import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import type { Caller, Role } from './caller';
import { PUBLIC_KEY, ROLES_KEY } from './decorators';
import { Denials } from './denials';
import { TokenError, verifyToken } from './token-store';

/** Every route needs a valid bearer token unless marked @Public(); @Roles() narrows who may call it. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly db: DataSource,
    private readonly denials: Denials,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const action = `${req.method} ${req.route?.path ?? req.path}`;
    const header = req.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token) throw await this.denials.unauthorized(action, 'a bearer token is required (Authorization: Bearer <token>)');
    try {
      req.caller = await verifyToken(this.db, token);
    } catch (err) {
      if (err instanceof TokenError) throw await this.denials.unauthorized(action, err.message);
      throw err;
    }
    const needed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (needed && !needed.some((r) => req.caller!.roles.includes(r))) {
      throw await this.denials.forbid(
        req.caller,
        action,
        { type: 'api', id: action },
        `${action} needs role ${needed.join(' or ')}; ${req.caller.person} has ${req.caller.roles.join(', ')}`,
      );
    }
    return true;
  }
}
