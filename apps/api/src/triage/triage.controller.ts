import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/decorators';
import { DismissProposalDto } from './dto/dismiss-proposal.dto';
import { TriageService } from './triage.service';

/** Triage (分诊): incidents alerts proposed, waiting for a commander to confirm or dismiss them. */
@ApiTags('triage')
@ApiBearerAuth()
@Controller('triage')
export class TriageController {
  constructor(private readonly triage: TriageService) {}

  @Get()
  @Roles('commander', 'manager', 'auditor', 'admin')
  @ApiOperation({ summary: 'Proposed incidents, those waiting for a decision first' })
  list() {
    return this.triage.list();
  }

  @Get(':id')
  @Roles('commander', 'manager', 'auditor', 'admin')
  @ApiOperation({ summary: 'One proposal: plan, trigger, facts, alert group, decision' })
  get(@Param('id') id: string) {
    return this.triage.get(id);
  }

  @Post(':id/confirm')
  @HttpCode(200)
  @Roles('commander')
  @ApiOperation({ summary: 'Launch the proposed incident (the plan version, facts and level of the proposal); 409 once decided' })
  confirm(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.triage.confirm(id, caller);
  }

  @Post(':id/dismiss')
  @HttpCode(200)
  @Roles('commander')
  @ApiOperation({ summary: 'Dismiss the proposal with a reason; 409 once decided' })
  dismiss(@Param('id') id: string, @Body() dto: DismissProposalDto, @CurrentCaller() caller: Caller) {
    return this.triage.dismiss(id, dto.reason, caller);
  }
}
