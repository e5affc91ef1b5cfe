import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/decorators';
import { AddNoteDto, CloseIncidentDto, OverrideLevelDto } from './dto/incident-actions.dto';
import { LaunchIncidentDto } from './dto/launch-incident.dto';
import { IncidentsService } from './incidents.service';

@ApiTags('incidents')
@ApiBearerAuth()
@Controller('incidents')
export class IncidentsController {
  constructor(private readonly incidents: IncidentsService) {}

  @Post()
  @Roles('commander')
  @ApiOperation({ summary: 'Launch a plan for a new incident (starts the emergencyPlan workflow). Commanders only.' })
  launch(@Body() dto: LaunchIncidentDto, @CurrentCaller() caller: Caller) {
    return this.incidents.launch(dto, caller);
  }

  @Get()
  @ApiQuery({ name: 'state', required: false, enum: ['open', 'closed', 'failed'] })
  @ApiQuery({ name: 'planId', required: false })
  @ApiOperation({ summary: 'Incidents, newest first (responders: those their teams work on)' })
  list(@CurrentCaller() caller: Caller, @Query('state') state?: string, @Query('planId') planId?: string) {
    return this.incidents.list(caller, { state, planId });
  }

  @Get(':id')
  @ApiOperation({ summary: 'An incident with its steps, tasks, timeline, notifications and review findings' })
  detail(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.incidents.detail(id, caller);
  }

  @Get(':id/status')
  @ApiOperation({ summary: 'Live status from the running workflow (a Temporal Query)' })
  status(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.incidents.liveStatus(id, caller);
  }

  @Post(':id/override')
  @HttpCode(200)
  @Roles('commander')
  @ApiOperation({ summary: 'Override the level with a reason (commanders only)' })
  override(@Param('id') id: string, @Body() dto: OverrideLevelDto, @CurrentCaller() caller: Caller) {
    return this.incidents.override(id, dto, caller);
  }

  @Post(':id/notes')
  @HttpCode(201)
  @Roles('commander', 'responder', 'manager')
  @ApiOperation({ summary: 'Add a note to the timeline' })
  async note(@Param('id') id: string, @Body() dto: AddNoteDto, @CurrentCaller() caller: Caller) {
    await this.incidents.note(id, dto, caller);
    return { ok: true };
  }

  @Post(':id/close')
  @HttpCode(200)
  @Roles('commander')
  @ApiOperation({ summary: 'Close the incident (commanders only; refused while required steps are open)' })
  close(@Param('id') id: string, @Body() dto: CloseIncidentDto, @CurrentCaller() caller: Caller) {
    return this.incidents.close(id, dto, caller);
  }
}
