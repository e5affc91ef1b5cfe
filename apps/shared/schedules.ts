import { Client, ScheduleAlreadyRunning } from '@temporalio/client';
import type { YingjiConfig } from './config';

export const RECOVERY_TEST_SCHEDULE = 'yingji-recovery-test';

/**
 * The recovery test (恢复测试) runs on a Temporal Schedule: every YINGJI_RECOVERY_TEST_EVERY
 * (default 24h) it restores the latest chain into a scratch database and verifies it.
 * Created once; an existing schedule is left as it is (operators may have paused or tuned it).
 */
export async function ensureRecoveryTestSchedule(client: Client, config: Pick<YingjiConfig, 'taskQueue'>, every = process.env.YINGJI_RECOVERY_TEST_EVERY || '24h'): Promise<'created' | 'exists'> {
  try {
    await client.schedule.create({
      scheduleId: RECOVERY_TEST_SCHEDULE,
      spec: { intervals: [{ every: every as `${number}h` }] },
      action: { type: 'startWorkflow', workflowType: 'recoveryTest', taskQueue: config.taskQueue, args: [] },
      memo: { purpose: 'restore the latest backup chain into a scratch database and verify it' },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}
