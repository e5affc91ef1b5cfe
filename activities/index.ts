// The type surface workflows import (`import type`), and the one factory the worker wires.
import type { DataSource } from 'typeorm';
import type { YingjiConfig } from '../apps/shared/config';
import { createActionActivities } from './actions/actions.activities';
import { createNotifyActivities, NotificationRequest } from './notify/notify.activities';
import { createRecordActivities } from './records/records.activities';
import { createResponsibilityActivities } from './responsibility/responsibility.activities';

export type { RecordActivities } from './records/records.activities';

export function createActivities(ds: DataSource, config: Pick<YingjiConfig, 'directoryFile' | 'webhook'>) {
  const notify = createNotifyActivities(ds);
  return {
    ...createRecordActivities(ds),
    ...createResponsibilityActivities(config.directoryFile),
    ...createActionActivities(),
    ...notify,
    // The plain `webhook` channel falls back to the deployment's webhook (YINGJI_WEBHOOK_URL).
    async sendNotification(req: NotificationRequest) {
      const fallback = req.channel === 'webhook' && !req.channelConfig.url && config.webhook;
      return notify.sendNotification(fallback ? { ...req, channelConfig: { ...config.webhook } } : req);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
