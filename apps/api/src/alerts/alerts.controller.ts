import { Body, Controller, Get, HttpCode, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/decorators';
import { AlertsService } from './alerts.service';
import { AlertmanagerWebhookDto } from './dto/alertmanager-webhook.dto';
import { ListAlertsQueryDto } from './dto/list-alerts.dto';
import { PagerDutyEventDto } from './dto/pagerduty-event.dto';
import { IntakeLimit, JsonOnly, LenientBody } from './intake-http';

// The bodies are typed by interface, not class, so the global whitelisting pipe leaves them to LenientBody.
type AlertmanagerWebhook = Pick<AlertmanagerWebhookDto, keyof AlertmanagerWebhookDto>;
type PagerDutyEvent = Pick<PagerDutyEventDto, keyof PagerDutyEventDto>;

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Post('alertmanager')
  @HttpCode(200)
  @Roles('intake')
  @UseInterceptors(JsonOnly, IntakeLimit)
  @ApiBody({ type: AlertmanagerWebhookDto })
  @ApiOperation({
    summary: 'Alertmanager webhook (version 4). Intake tokens only. Busy: 503 with Retry-After (Alertmanager retries it); never 429.',
  })
  alertmanager(@Body(LenientBody(AlertmanagerWebhookDto)) body: AlertmanagerWebhook, @CurrentCaller() caller: Caller) {
    return this.alerts.alertmanager(body as AlertmanagerWebhookDto, caller);
  }

  @Post('events')
  @HttpCode(202)
  @Roles('intake')
  @UseInterceptors(JsonOnly, IntakeLimit)
  @ApiBody({ type: PagerDutyEventDto })
  @ApiOperation({ summary: 'An event in the PagerDuty Events API v2 shape (trigger, acknowledge, resolve by dedup_key). Intake tokens only; answers 202.' })
  event(@Body(LenientBody(PagerDutyEventDto)) body: PagerDutyEvent, @CurrentCaller() caller: Caller) {
    return this.alerts.event(body as PagerDutyEventDto, caller);
  }

  @Get()
  @Roles('commander', 'manager', 'auditor', 'admin')
  @ApiOperation({ summary: 'Alerts received, newest first; `state=unmatched`: those no plan took (stored, never dropped)' })
  list(@Query() q: ListAlertsQueryDto) {
    return this.alerts.list(q);
  }
}
