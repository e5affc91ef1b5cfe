import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { outcomeOf } from '../temporal/workflow-gateway';
import { readModelMetrics } from './metrics';
import type { ReadModelSnapshot } from './read-models';

const empty: ReadModelSnapshot = {
  incidentsOpen: [],
  tasks: [],
  escalations: [],
  notifications: [],
  deliveries: [],
  alerts: [],
  recoveryTest: { failed: 0 },
  backup: {},
};

/** Sample lines only (no HELP/TYPE). */
const samples = async (s: ReadModelSnapshot) => (await readModelMetrics(s).metrics()).split('\n').filter((l) => l && !l.startsWith('#'));

describe('read-model metrics', () => {
  it('before anything happened: every metric described, samples only where a value means something', async () => {
    const text = await readModelMetrics(empty).metrics();
    for (const name of [
      'yingji_incidents_open', 'yingji_tasks_open', 'yingji_tasks_overdue', 'yingji_escalations_total', 'yingji_notifications', 'yingji_deliveries',
      'yingji_alerts_received_total', 'yingji_alerts_deduplicated_total', 'yingji_recovery_test_last_run_ok', 'yingji_backup_last_age_seconds', 'yingji_backup_last_timestamp_seconds',
    ]) {
      expect(text).toContain(`# HELP ${name} `);
    }
    expect(text).toContain('# TYPE yingji_recovery_tests_failed_total counter');
    expect(text).toContain('# TYPE yingji_backup_last_age_seconds gauge');
    // No run, no backup: the timestamps and the last result have no sample (0 would read "failed" / "1970").
    expect(await samples(empty)).toEqual(['yingji_recovery_test_last_success_timestamp_seconds 0', 'yingji_recovery_tests_failed_total 0']);
  });

  it('writes one sample per label set, as the read models give them', async () => {
    const lines = await samples({
      incidentsOpen: [{ level: 'II', mode: 'live', n: 1 }, { level: 'unclassified', mode: 'tabletop', n: 2 }],
      tasks: [{ team: 'dba', mode: 'live', open: 3, overdue: 1 }],
      escalations: [{ mode: 'live', n: 4 }],
      notifications: [{ channel: 'email', status: 'delivered', n: 5 }, { channel: 'sms', status: 'failed', n: 1 }],
      deliveries: [{ channel: 'email', status: 'sent', n: 7 }],
      alerts: [{ source: 'alertmanager', received: 12, deduplicated: 9 }],
      recoveryTest: { lastSuccess: 1763880000.5, lastRun: 1763890000.25, lastOk: false, failed: 2 },
      backup: { lastAt: 1763870000, ageSeconds: 3600.5 },
    });
    expect(lines).toEqual([
      'yingji_incidents_open{level="II",mode="live"} 1',
      'yingji_incidents_open{level="unclassified",mode="tabletop"} 2',
      'yingji_tasks_open{team="dba",mode="live"} 3',
      'yingji_tasks_overdue{team="dba",mode="live"} 1',
      'yingji_escalations_total{mode="live"} 4',
      'yingji_notifications{channel="email",status="delivered"} 5',
      'yingji_notifications{channel="sms",status="failed"} 1',
      'yingji_deliveries{channel="email",status="sent"} 7',
      'yingji_alerts_received_total{source="alertmanager"} 12',
      'yingji_alerts_deduplicated_total{source="alertmanager"} 9',
      'yingji_recovery_test_last_success_timestamp_seconds 1763880000.5',
      'yingji_recovery_test_last_run_timestamp_seconds 1763890000.25',
      'yingji_recovery_test_last_run_ok 0',
      'yingji_recovery_tests_failed_total 2',
      'yingji_backup_last_timestamp_seconds 1763870000',
      'yingji_backup_last_age_seconds 3600.5',
    ]);
  });

  it('a label value with quotes or a backslash is escaped, not broken', async () => {
    const lines = await samples({ ...empty, tasks: [{ team: 'ops "night" \\ shift', mode: 'live', open: 1, overdue: 0 }] });
    expect(lines).toContain('yingji_tasks_open{team="ops \\"night\\" \\\\ shift",mode="live"} 1');
  });
});

describe('the Update histogram outcome', () => {
  it('tells a refusal, a timeout and an ended incident apart', () => {
    expect(outcomeOf(new WorkflowUpdateFailedError('no', ApplicationFailure.create({ message: 'task done', type: 'TaskAlreadyCompleted' })))).toBe('refused');
    expect(outcomeOf(new WorkflowUpdateRPCTimeoutOrCancelledError('timed out'))).toBe('timeout');
    expect(outcomeOf(new WorkflowNotFoundError('gone', 'inc-1', undefined))).toBe('not_running');
    expect(outcomeOf(new Error('workflow execution already completed'))).toBe('not_running');
    expect(outcomeOf(new Error('connection refused'))).toBe('error');
  });
});
