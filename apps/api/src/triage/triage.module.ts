import { Module } from '@nestjs/common';
import { IncidentsModule } from '../incidents/incidents.module';
import { PlansModule } from '../plans/plans.module';
import { TriageController } from './triage.controller';
import { TriageService } from './triage.service';

/** Triage of alert-proposed incidents; the alert intake records proposals through TriageService. */
@Module({
  imports: [IncidentsModule, PlansModule],
  controllers: [TriageController],
  providers: [TriageService],
  exports: [TriageService],
})
export class TriageModule {}
