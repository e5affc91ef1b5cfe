import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { smsConfigFrom } from '../../../shared/config';
import { ackSettingsFrom } from '../../../shared/ack-settings';
import { IncidentEntity } from '../incidents/incident.entity';
import { TaskEntity } from '../tasks/task.entity';
import { AcknowledgementsController } from './acknowledgements.controller';
import { ACK_SETTINGS, AcknowledgementsService } from './acknowledgements.service';
import { SmsRepliesController } from './sms-replies.controller';
import { SMS_REPLY_KEY, SmsRepliesService, SmsReplyKey } from './sms-replies.service';

export { rememberAckCode } from './ack-codes';

/** The SMS key pair, when SMS is configured; a broken SMS setting leaves replies off (the worker reports it). */
function smsReplyKey(): SmsReplyKey | undefined {
  try {
    const s = smsConfigFrom(process.env);
    return 'missing' in s ? undefined : { accessKeyId: s.accessKeyId, accessKeySecret: s.accessKeySecret };
  } catch (err) {
    new Logger('acknowledgements').warn(`SMS replies are off: ${(err as Error).message}`);
    return undefined;
  }
}

@Module({
  imports: [TypeOrmModule.forFeature([TaskEntity, IncidentEntity])],
  controllers: [AcknowledgementsController, SmsRepliesController],
  // From the environment only (secrets are never in a file): a bad ack setting stops the API at start.
  providers: [
    { provide: ACK_SETTINGS, useFactory: () => ackSettingsFrom(process.env) },
    { provide: SMS_REPLY_KEY, useFactory: smsReplyKey },
    AcknowledgementsService,
    SmsRepliesService,
  ],
})
export class AcknowledgementsModule {}
