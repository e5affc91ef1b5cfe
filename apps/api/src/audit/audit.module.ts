import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

/** The audit trail: read it, and verify its chains and signed digests. */
@Module({
  controllers: [AuditController],
  providers: [AuditService],
})
export class AuditModule {}
