import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditTrail } from './audit-trail';
import { AuthGuard } from './auth.guard';

@Global()
@Module({
  providers: [AuditTrail, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuditTrail],
})
export class AuthModule {}
