import type { ChildProcess } from 'node:child_process';
import { As, HELLO_TIMELINE, Harness, openTask, reviewAndClose, startHarness } from './support/harness';
import { duplicateAuditEntries, duplicateDeliveries, duplicateTimelineEntries, stepsNotEndedOnce } from './support/exactly-once';
import { killHard, spawnWorker } from './support/worker-process';

describe('a worker killed while the plan waits loses nothing', () => {
  let h: Harness;
  let commander: As;
  let responder: As;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    h = await startHarness({ worker: false });
    await h.publishPlan('hello-drill.yaml');
    commander = await h.as('zhang.san', ['commander'], ['it-ops']);
    responder = await h.as('zhao.liu', ['responder'], ['it-ops']);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await h?.close();
  });

  it('SIGKILL during the manual wait, a new worker, then the completion: closes, every transition recorded once', async () => {
    const first = await spawnWorker(h.processEnv);
    children.push(first);
    const id = (await commander.post('/incidents', { planId: 'hello-drill' }).expect(201)).body.incident.id;
    const taskId = (await openTask(responder, id)).id;

    await killHard(first);
    const second = await spawnWorker(h.processEnv);
    children.push(second);

    await responder.post(`/tasks/${taskId}/complete`, {}).expect(200);
    const detail = await reviewAndClose(commander, id);
    expect(detail.timeline.map((e: { kind: string }) => e.kind)).toEqual(HELLO_TIMELINE);
    // Each effect once, counted on what a repeat would share with the first (the event keys are
    // unique by construction, so grouping on them could not find a repeat).
    expect(await duplicateTimelineEntries(h.db, id)).toEqual([]);
    expect(await duplicateAuditEntries(h.db, id)).toEqual([]);
    expect(await duplicateDeliveries(h.db, id)).toEqual([]);
    expect(await stepsNotEndedOnce(h.db, id, ['acknowledge-page'])).toEqual([]);
    const audited = await h.db.query(`SELECT count(*)::int AS n FROM audit_entries WHERE left(event_key, length($1)) = $1`, [id]);
    expect(audited[0].n).toBe(detail.timeline.length);
    second.kill('SIGTERM');
  });
});
