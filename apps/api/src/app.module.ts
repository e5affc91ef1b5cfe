import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MIGRATIONS } from '../../../migrations';
import type { YingjiConfig } from '../../shared/config';
import { AccessReviewModule } from './access-review/access-review.module';
import { AcknowledgementsModule } from './acknowledgements/acknowledgements.module';
import { AlertsModule } from './alerts/alerts.module';
import { AuditModule } from './audit/audit.module';
import { ComplianceModule } from './compliance/compliance.module';
import { BackupsController } from './backups/backups.controller';
import { AuthModule } from './auth/auth.module';
import { DiagnosesModule } from './diagnoses/diagnoses.module';
import { DrillsModule } from './drills/drills.module';
import { YINGJI_CONFIG } from './config.token';
import { HealthController } from './health/health.controller';
import { IncidentEntity } from './incidents/incident.entity';
import { IncidentsModule } from './incidents/incidents.module';
import { TimelineEntryEntity } from './incidents/timeline-entry.entity';
import { PlanVersionEntity } from './plans/plan-version.entity';
import { PlansModule } from './plans/plans.module';
import { RoutineTasksModule } from './routine-tasks/routine-tasks.module';
import { SessionModule } from './session/session.module';
import { TaskEntity } from './tasks/task.entity';
import { TasksModule } from './tasks/tasks.module';
import { TemporalModule } from './temporal/temporal.module';
import { TriageModule } from './triage/triage.module';

export const ENTITIES = [PlanVersionEntity, IncidentEntity, TaskEntity, TimelineEntryEntity];

@Global()
@Module({})
class ConfigModule {
  static forRoot(config: YingjiConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: YINGJI_CONFIG, useValue: config }], exports: [YINGJI_CONFIG] };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: YingjiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.databaseUrl,
          entities: ENTITIES,
          migrations: MIGRATIONS,
          synchronize: false,
          migrationsRun: false,
          retryAttempts: 3,
          retryDelay: 1000,
        }),
        AuthModule,
        TemporalModule,
        PlansModule,
        IncidentsModule,
        TasksModule,
        DrillsModule,
        DiagnosesModule,
        AcknowledgementsModule,
        TriageModule,
        AlertsModule,
        AccessReviewModule,
        AuditModule,
        RoutineTasksModule,
        ComplianceModule,
        SessionModule,
      ],
      controllers: [HealthController, BackupsController],
    };
  }
}
