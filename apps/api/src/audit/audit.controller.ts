import { Controller, DefaultValuePipe, Get, ParseIntPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/decorators';
import { AuditService } from './audit.service';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('auditor', 'admin')
  @ApiQuery({ name: 'subjectId', required: false })
  @ApiQuery({ name: 'outcome', required: false, enum: ['ok', 'denied', 'failed'] })
  @ApiQuery({ name: 'stream', required: false, description: 'an incident id, or token, plan, backup, source...' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiOperation({ summary: 'The audit trail, newest first' })
  list(
    @Query('subjectId') subjectId?: string,
    @Query('outcome') outcome?: string,
    @Query('stream') stream?: string,
    @Query('limit', new DefaultValuePipe(200), ParseIntPipe) limit = 200,
  ) {
    return this.audit.list({ subjectId, outcome, stream, limit });
  }

  @Get('verify')
  @Roles('auditor', 'admin')
  @ApiOperation({
    summary: 'Recompute every stream and check the signed digests: names the first altered, deleted, inserted or reordered entry (id, stream, seq)',
  })
  verify() {
    return this.audit.verify();
  }
}
