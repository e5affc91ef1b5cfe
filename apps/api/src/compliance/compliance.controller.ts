import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../auth/decorators';
import { ComplianceService } from './compliance.service';

@ApiTags('compliance')
@ApiBearerAuth()
@Controller('compliance')
export class ComplianceController {
  constructor(private readonly compliance: ComplianceService) {}

  @Get()
  @Roles('auditor', 'admin', 'manager')
  @ApiOperation({ summary: 'Every compliance check with pass, fail or unknown, its evidence, the clause it rests on and the team that fixes it; the DR level from recent live drills' })
  report() {
    return this.compliance.report();
  }

  @Get('report')
  @Roles('auditor', 'admin', 'manager')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The compliance report as one self-contained HTML page' })
  async html(@Res() res: Response) {
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    return res.type('text/html; charset=utf-8').send(await this.compliance.html());
  }
}
