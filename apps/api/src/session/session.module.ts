import { Global, Module } from '@nestjs/common';
import { SessionController } from './session.controller';
import { SessionService } from './session.service';

/** Global: the auth guard authenticates session cookies with its service. */
@Global()
@Module({
  controllers: [SessionController],
  providers: [SessionService],
  exports: [SessionService],
})
export class SessionModule {}
