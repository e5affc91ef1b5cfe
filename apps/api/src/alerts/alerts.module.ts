import { Module } from '@nestjs/common';
import { IncidentsModule } from '../incidents/incidents.module';
import { TriageModule } from '../triage/triage.module';
import { AlertGroups } from './alert-groups';
import { AlertOccurrences } from './alert-occurrences';
import { ALERT_SETTINGS, alertSettings } from './alert-settings';
import { AlertTimeline } from './alert-timeline';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';
import { IntakeGate, IntakeLimit, JsonOnly } from './intake-http';

/** Alert intake: Alertmanager webhooks and Events v2 events start, propose or join incidents. */
@Module({
  imports: [IncidentsModule, TriageModule],
  controllers: [AlertsController],
  providers: [
    { provide: ALERT_SETTINGS, useFactory: () => alertSettings() },
    AlertsService, AlertOccurrences, AlertGroups, AlertTimeline, IntakeGate, IntakeLimit, JsonOnly,
  ],
})
export class AlertsModule {}
