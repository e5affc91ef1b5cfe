import { createRecordActivities } from '../../activities/records/records.activities';
import { verifyAuditChain } from '../../activities/records/audit-log';
import { Harness, startHarness, tableCounts } from './support/harness';

// Temporal retries an activity whose result it did not see: a second run must write nothing.
describe('record activities are idempotent under retry', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ worker: false });
    await h.publishPlan('hello-drill.yaml');
  });
  afterAll(() => h?.close());

  it('writes each incident, task, timeline and audit row once however often it runs', async () => {
    const records = createRecordActivities(h.db);
    const at = new Date('2026-11-23T08:00:00Z').toISOString();
    const calls = [
      () => records.recordIncidentOpened({ incidentId: 'inc-r', planId: 'hello-drill', planVersion: 1, title: 't', mode: 'live', facts: {}, launchedBy: 'x', at }),
      () => records.recordIncidentClassified({ incidentId: 'inc-r', seq: 0, level: 'IV', reason: 'always', by: 'yingji', at }),
      () =>
        records.recordTaskOpened({
          taskId: 'inc-r.a', incidentId: 'inc-r', stepId: 'a', title: 'A', stepType: 'manual', ownerRole: 'oncall', team: 'it-ops', checklist: [], at,
        }),
      () => records.recordTaskCompleted({ taskId: 'inc-r.a', incidentId: 'inc-r', by: 'y', simulated: false, at }),
      () => records.recordIncidentClosed({ incidentId: 'inc-r', by: 'yingji', at }),
    ];
    for (const call of calls) await call();
    const once = await tableCounts(h.db);
    for (const call of calls) await Promise.all([call(), call()]);
    expect(await tableCounts(h.db)).toEqual(once);
    expect(once).toMatchObject({ incidents: 1, tasks: 1, timeline_entries: 5 });
    expect(await verifyAuditChain(h.db.manager)).toMatchObject({ ok: true });
  });

  it('the audit chain shows an edited entry', async () => {
    // As a tamperer with superuser rights would: past the trigger that refuses changes first.
    await h.db.query(`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_retention`);
    await h.db.query(`UPDATE audit_entries SET actor = 'mallory' WHERE action = 'task.complete'`);
    await h.db.query(`ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_retention`);
    const check = await verifyAuditChain(h.db.manager);
    expect(check.ok).toBe(false);
    expect(check.brokenAt?.reason).toBe('content does not match its hash');
  });
});
