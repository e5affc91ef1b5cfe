import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/decorators';
import { DrillScheduleDto, LaunchDrillDto } from './dto/launch-drill.dto';
import { DrillsService } from './drills.service';

/** Drills (应急演练): commanders run and schedule them; management and auditors read the reports. */
@ApiTags('drills')
@ApiBearerAuth()
@Controller()
export class DrillsController {
  constructor(private readonly drills: DrillsService) {}

  @Post('drills')
  @Roles('commander')
  @ApiOperation({ summary: 'Run a published plan as a tabletop or live drill' })
  launch(@Body() dto: LaunchDrillDto, @CurrentCaller() caller: Caller) {
    return this.drills.launch(dto, caller);
  }

  @Get('drills')
  @Roles('commander', 'manager', 'auditor', 'admin')
  @ApiQuery({ name: 'planId', required: false })
  @ApiOperation({ summary: 'Drills, newest first, with score and grade' })
  list(@Query('planId') planId?: string) {
    return this.drills.list(planId);
  }

  @Get('drills/:id')
  @Roles('commander', 'manager', 'auditor', 'admin')
  @ApiOperation({ summary: 'A drill: faults, measurements, score with every lost point, findings and accepted improvement items' })
  get(@Param('id') id: string) {
    return this.drills.get(id);
  }

  @Get('drills/:id/report')
  @Roles('commander', 'manager', 'auditor', 'admin')
  @ApiQuery({ name: 'format', required: false, enum: ['html', 'json', 'pdf'] })
  @ApiOperation({ summary: 'The drill report: self-contained HTML (default), JSON, or PDF (headless Chromium)' })
  @Header('Cache-Control', 'no-store')
  async report(@Param('id') id: string, @Res() res: Response, @Query('format') format = 'html') {
    if (format === 'json') return res.json(await this.drills.report(id));
    if (format === 'pdf') return res.type('application/pdf').send(await this.drills.reportPdf(id));
    if (format !== 'html') return res.status(400).json({ statusCode: 400, message: `format must be html, json or pdf, not "${format}"` });
    // Self-contained by design: inline styles and SVG, no scripts, nothing fetched. The policy says so
    // to the browser, so a plan title that slipped past escaping still could not run or load anything.
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    return res.type('text/html; charset=utf-8').send(await this.drills.reportHtml(id));
  }

  @Post('drill-schedules')
  @Roles('commander', 'admin')
  @ApiOperation({ summary: 'Schedule a drill (Temporal Schedule); unannounced ones tell only commanders and management' })
  schedule(@Body() dto: DrillScheduleDto, @CurrentCaller() caller: Caller) {
    return this.drills.schedule(dto, caller);
  }

  @Get('drill-schedules')
  @Roles('commander', 'manager', 'auditor', 'admin')
  @ApiOperation({ summary: 'Drill schedules with their next start times' })
  schedules() {
    return this.drills.schedules();
  }

  @Delete('drill-schedules/:id')
  @Roles('commander', 'admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a drill schedule' })
  deleteSchedule(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.drills.deleteSchedule(id, caller);
  }
}
