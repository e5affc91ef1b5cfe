import type { ChildProcess } from 'node:child_process';
import { issueToken } from '../../apps/api/src/auth/token-store';
import { ApiClient } from '../../apps/cli/src/api-client';
import { IncidentDetail, respondUntilClosed } from '../../apps/cli/src/simulated-responders';
import { Harness, startHarness } from './support/harness';
import { killHard, spawnWorker } from './support/worker-process';

const TEAMS = ['it-ops', 'dba', 'tax-sync', 'finance', 'app-dev', 'management'];

// The worker dies at every stage boundary of a real plan; the plan neither loses nor repeats a step.
describe('a worker SIGKILLed at each stage boundary', () => {
  let h: Harness;
  let worker: ChildProcess | undefined;
  beforeAll(async () => {
    h = await startHarness({ worker: false });
    await h.publishPlan('einvoice-db-crash.yaml');
  });
  afterAll(async () => {
    if (worker) await killHard(worker);
    await h?.close();
  });

  it('after classify, during a manual wait, during an automated step and during review: closes with everything once', async () => {
    const api = new ApiClient(h.baseUrl);
    const token = async (person: string, roles: string[], teams: string[]) => (await issueToken(h.db, { person, roles, teams, createdBy: 'test' })).token;
    const commander = api.as(await token('zhang-wei', ['commander'], ['it-ops']));
    const teams = Object.fromEntries(await Promise.all(TEAMS.map(async (t) => [t, api.as(await token(`sim-${t}`, ['responder'], [t]))] as const)));

    worker = await spawnWorker(h.processEnv);
    const id = (await commander.post<{ incident: { id: string } }>('/incidents', { planId: 'einvoice-db-crash', facts: { invoicesAffected: 25000, outageMinutes: 20, dataLeaked: false } })).incident.id;

    // Each boundary: the timeline event after which the worker is killed.
    const boundaries: Array<{ name: string; reached: (d: IncidentDetail) => boolean }> = [
      { name: 'after classify', reached: (d) => d.timeline.some((e) => e.kind === 'incident.classified') },
      { name: 'during a manual wait', reached: (d) => d.tasks.some((t) => t.stepId === 'isolate' && t.state === 'open') },
      { name: 'during an automated step', reached: (d) => d.timeline.some((e) => e.kind === 'step.running' && e.message.includes('Restore invoices by priority')) },
      { name: 'during review', reached: (d) => d.tasks.some((t) => t.kind === 'review' && t.state === 'open') },
    ];
    const killed: string[] = [];
    let answering: Promise<IncidentDetail> | undefined;
    for (const b of boundaries) {
      for (;;) {
        const d = await commander.get<IncidentDetail>(`/incidents/${id}`);
        if (b.reached(d)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await killHard(worker);
      killed.push(b.name);
      worker = await spawnWorker(h.processEnv);
      if (b.name === 'during a manual wait') {
        // Responders start only now, so the manual wait was real; the review waits 4 s so it can be killed too.
        answering = respondUntilClosed({ commander, teams, incidentId: id, decisions: { 'choose-path': 'restore' }, late: { 'post-incident-review': 4000 }, timeoutMs: 120_000 });
      }
    }
    const done = await answering!;
    expect(killed).toHaveLength(4);
    expect(done.incident.state).toBe('closed');

    // Nothing twice: one row per task, one notification per (reason, channel), one step start and end each.
    const taskIds = done.tasks.map((t) => t.stepId);
    expect(new Set(taskIds).size).toBe(taskIds.length);
    const notes = done.notifications.map((n) => `${n.reason}/${n.channel}`);
    expect(new Set(notes).size).toBe(notes.length);
    const count = (kind: string) => done.timeline.filter((e) => e.kind === kind).length;
    expect(count('incident.opened')).toBe(1);
    expect(count('incident.classified')).toBe(1);
    expect(count('incident.closed')).toBe(1);
    const ends = done.timeline.filter((e) => e.kind === 'step.done' || e.kind === 'step.skipped').map((e) => e.message);
    expect(ends).toHaveLength(done.steps.length);
    const starts = done.timeline.filter((e) => e.kind === 'step.running').map((e) => e.message);
    expect(new Set(starts).size).toBe(starts.length);
    const webhookRows = await h.db.query(`SELECT id, count(*) FROM notifications WHERE incident_id = $1 GROUP BY id HAVING count(*) > 1`, [id]);
    expect(webhookRows).toEqual([]);
  }, 300_000); // four kills, each can wait out a sticky-queue or heartbeat timeout
});
