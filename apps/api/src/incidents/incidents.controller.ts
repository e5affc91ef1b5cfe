import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { LaunchIncidentDto } from './dto/launch-incident.dto';
import { IncidentsService } from './incidents.service';

@ApiTags('incidents')
@Controller('incidents')
export class IncidentsController {
  constructor(private readonly incidents: IncidentsService) {}

  @Post()
  @ApiOperation({ summary: 'Launch a plan for a new incident (starts the emergencyPlan workflow)' })
  launch(@Body() dto: LaunchIncidentDto) {
    return this.incidents.launch(dto);
  }

  @Get()
  @ApiQuery({ name: 'state', required: false, enum: ['open', 'closed'] })
  @ApiOperation({ summary: 'Incidents, newest first' })
  list(@Query('state') state?: string) {
    return this.incidents.list(state);
  }

  @Get(':id')
  @ApiOperation({ summary: 'An incident with its tasks and timeline' })
  detail(@Param('id') id: string) {
    return this.incidents.detail(id);
  }
}
