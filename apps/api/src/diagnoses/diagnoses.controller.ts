import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/decorators';
import { DiagnoseDto } from './diagnose.dto';
import { DiagnosesService } from './diagnoses.service';

/** "The invoice is not in the system": finance, tax-sync and commanders ask why. */
@ApiTags('diagnoses')
@ApiBearerAuth()
@Controller('diagnoses')
export class DiagnosesController {
  constructor(private readonly diagnoses: DiagnosesService) {}

  // Who may ask depends on the caller's teams, not only their role: the service decides and audits.
  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Diagnose one invoice ({invoiceNo, date?, amount?, ...}) or reconcile one taxpayer-period ({taxpayer, period}); each finding has its cause, evidence and next step',
  })
  diagnose(@Body() dto: DiagnoseDto, @CurrentCaller() caller: Caller) {
    return this.diagnoses.diagnose(dto, caller);
  }
}
