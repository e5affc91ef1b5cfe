import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Caller, Role } from './caller';

export const PUBLIC_KEY = 'yingji:public';
export const ROLES_KEY = 'yingji:roles';
export const SIGN_IN_KEY = 'yingji:sign-in';

/** Open without a token (only /health; /docs is served outside the router). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The token comes in the body's `token` field instead of the Authorization header (POST /session), verified and throttled the same way. */
export const SignIn = () => SetMetadata(SIGN_IN_KEY, true);

/** The caller needs one of these roles. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => ctx.switchToHttp().getRequest().caller);
