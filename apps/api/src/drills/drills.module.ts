import { Module } from '@nestjs/common';
import { IncidentsModule } from '../incidents/incidents.module';
import { PlansModule } from '../plans/plans.module';
import { DrillsController } from './drills.controller';
import { DrillsService } from './drills.service';

@Module({
  imports: [IncidentsModule, PlansModule],
  controllers: [DrillsController],
  providers: [DrillsService],
})
export class DrillsModule {}
