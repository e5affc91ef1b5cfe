import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Caller, Role } from './caller';

export const PUBLIC_KEY = 'yingji:public';
export const ROLES_KEY = 'yingji:roles';

/** Open without a token (only /health; /docs is served outside the router). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The caller needs one of these roles. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => ctx.switchToHttp().getRequest().caller);
