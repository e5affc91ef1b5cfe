import { Controller, DefaultValuePipe, Get, ParseIntPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { verifyAuditChain } from '../../../../activities/records/audit-log';
import { Roles } from '../auth/decorators';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly db: DataSource) {}

  @Get()
  @Roles('auditor', 'admin')
  @ApiQuery({ name: 'subjectId', required: false })
  @ApiQuery({ name: 'outcome', required: false, enum: ['ok', 'denied', 'failed'] })
  @ApiQuery({ name: 'limit', required: false })
  @ApiOperation({ summary: 'The audit trail, newest first' })
  list(
    @Query('subjectId') subjectId?: string,
    @Query('outcome') outcome?: string,
    @Query('limit', new DefaultValuePipe(200), ParseIntPipe) limit = 200,
  ) {
    return this.db.query(
      `SELECT id, at, actor, action, subject_type AS "subjectType", subject_id AS "subjectId", outcome, detail, hash
         FROM audit_entries
        WHERE ($1::text IS NULL OR subject_id = $1 OR subject_id LIKE $1 || '%') AND ($2::text IS NULL OR outcome = $2)
        ORDER BY id DESC LIMIT $3`,
      [subjectId ?? null, outcome ?? null, Math.min(Math.max(limit, 1), 5000)],
    );
  }

  @Get('verify')
  @Roles('auditor', 'admin')
  @ApiOperation({ summary: 'Recompute the hash chain: any edited, removed or inserted entry breaks it' })
  verify() {
    return verifyAuditChain(this.db.manager);
  }
}
