import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ackSettingsFrom } from '../../../shared/ack-settings';
import { IncidentEntity } from '../incidents/incident.entity';
import { TaskEntity } from '../tasks/task.entity';
import { AcknowledgementsController } from './acknowledgements.controller';
import { ACK_SETTINGS, AcknowledgementsService } from './acknowledgements.service';

export { rememberAckCode } from './ack-codes';

@Module({
  imports: [TypeOrmModule.forFeature([TaskEntity, IncidentEntity])],
  controllers: [AcknowledgementsController],
  // From the environment only (the secret is never in a file): a bad setting stops the API at start.
  providers: [{ provide: ACK_SETTINGS, useFactory: () => ackSettingsFrom(process.env) }, AcknowledgementsService],
})
export class AcknowledgementsModule {}
