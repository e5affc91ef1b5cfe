import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { Denials } from './denials';

@Global()
@Module({
  providers: [Denials, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [Denials],
})
export class AuthModule {}
