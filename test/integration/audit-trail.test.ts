import { As, eventually, Harness, openTask, startHarness } from './support/harness';
import type { AuditRow } from './support/audit';

type Entry = AuditRow;

const tokenIdOf = (as: As) => /^yj_([0-9a-f]{16})\./.exec(as.token)![1];

// Privileged actions that succeed are audited with who, which token, from where, on what; refusals
// name the object and the action really attempted; failed authentications cannot flood the trail.
describe('the audit trail', () => {
  let h: Harness;
  let commander: As;
  let auditor: As;
  const entries = (where: string, params: unknown[]): Promise<Entry[]> =>
    h.db.query(`SELECT actor, action, subject_type, subject_id, outcome, detail FROM audit_entries WHERE ${where} ORDER BY id`, params);

  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('hello-drill.yaml');
    commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    auditor = await h.as('sun-li', ['auditor']);
  });
  afterAll(() => h?.close());

  it('a drill schedule created and deleted is audited with actor, token and schedule; a second delete is 404 naming it', async () => {
    const created = await commander.post('/drill-schedules', { planId: 'hello-drill', mode: 'tabletop', cron: '0 3 1 1 *' }).expect(201);
    const scheduleId: string = created.body.scheduleId;
    // Auditors read everything, schedules included; so do managers.
    expect((await auditor.get('/drill-schedules').expect(200)).body.map((s: { scheduleId: string }) => s.scheduleId)).toContain(scheduleId);
    await (await h.as('chen-jing', ['manager'])).get('/drill-schedules').expect(200);

    const del = () => h.http.delete(`/drill-schedules/${scheduleId}`).set('Authorization', `Bearer ${commander.token}`);
    await del().expect(204);
    const again = await del().expect(404);
    expect(again.body.message).toBe(`drill schedule "${scheduleId}" not found (already deleted?)`);

    const audited = await entries(`subject_id = $1`, [scheduleId]);
    expect(audited).toEqual([
      { actor: 'zhang-wei', action: 'drill-schedule.create', subject_type: 'drill-schedule', subject_id: scheduleId, outcome: 'ok', detail: expect.objectContaining({ planId: 'hello-drill', cron: '0 3 1 1 *', tokenId: tokenIdOf(commander), ip: expect.any(String) }) },
      { actor: 'zhang-wei', action: 'drill-schedule.delete', subject_type: 'drill-schedule', subject_id: scheduleId, outcome: 'ok', detail: { tokenId: tokenIdOf(commander), ip: expect.any(String) } },
    ]);
  });

  it('a launch and a level override are audited with the token; refusals name the incident or task and the action attempted', async () => {
    const id: string = (await commander.post('/incidents', { planId: 'hello-drill' }).expect(201)).body.incident.id;
    const launched = await entries(`subject_id = $1 AND action = 'incident.launch'`, [id]);
    expect(launched).toEqual([
      { actor: 'zhang-wei', action: 'incident.launch', subject_type: 'incident', subject_id: id, outcome: 'ok', detail: expect.objectContaining({ planId: 'hello-drill', mode: 'live', tokenId: tokenIdOf(commander), ip: expect.any(String) }) },
    ]);

    await commander.post(`/incidents/${id}/override`, { level: 'I', reason: 'the whole region is down' }).expect(200);
    // Audited once, by the workflow as it takes effect, with the token and address the API passed along.
    expect(await entries(`subject_id = $1 AND action = 'incident.override'`, [id])).toEqual([
      { actor: 'zhang-wei', action: 'incident.override', subject_type: 'incident', subject_id: id, outcome: 'ok', detail: { level: 'I', tokenId: tokenIdOf(commander), ip: expect.stringMatching(/127\.0\.0\.1/) } },
    ]);

    // A manager may not override: audited against this incident as an override, not the route template.
    const manager = await h.as('chen-jing', ['manager']);
    await manager.post(`/incidents/${id}/override`, { level: 'II', reason: 'x' }).expect(403);
    expect(await entries(`actor = 'chen-jing' AND outcome = 'denied'`, [])).toEqual([
      expect.objectContaining({ action: 'incident.override', subject_type: 'incident', subject_id: id, detail: expect.objectContaining({ tokenId: tokenIdOf(manager), ip: expect.any(String) }) }),
    ]);

    // Another team's responder completing the on-call task: audited as task.complete on that task.
    const task = await openTask(commander, id);
    expect(task.team).toBe('it-ops');
    const finance = await h.as('qian-hui', ['responder'], ['finance']);
    const res = await finance.post(`/tasks/${task.id}/complete`, {}).expect(403);
    expect(res.body.message).toContain('belongs to team it-ops');
    expect(await entries(`actor = 'qian-hui'`, [])).toEqual([
      { actor: 'qian-hui', action: 'task.complete', subject_type: 'task', subject_id: task.id, outcome: 'denied', detail: { reason: res.body.message, tokenId: tokenIdOf(finance), ip: expect.stringMatching(/127\.0\.0\.1/) } },
    ]);
    await h.temporal.workflow.getHandle(id).terminate('test over');
  });

  it('a real responder cannot pass as simulated (403, audited); a simulated responder token marks every action without asking', async () => {
    const id: string = (await commander.post('/incidents', { planId: 'hello-drill' }).expect(201)).body.incident.id;
    const task = await openTask(commander, id);
    const real = await h.as('wu-fang', ['responder'], ['it-ops']);
    const res = await real.post(`/tasks/${task.id}/complete`, { simulated: true, outcome: 'done' }).expect(403);
    expect(res.body.message).toBe("only a simulated responder's token can act as simulated; wu-fang's token is a real person's");
    expect(await entries(`actor = 'wu-fang'`, [])).toEqual([
      { actor: 'wu-fang', action: 'task.complete', subject_type: 'task', subject_id: task.id, outcome: 'denied', detail: expect.objectContaining({ reason: res.body.message, tokenId: tokenIdOf(real) }) },
    ]);
    expect((await real.get(`/tasks/${task.id}`).expect(200)).body.state).toBe('open');

    const sim = await h.as('sim-it-ops', ['responder'], ['it-ops'], { simulated: true });
    await sim.post(`/tasks/${task.id}/complete`, { outcome: 'done' }).expect(200);
    const completed = await eventually('the completion in the timeline', async () => {
      const d = (await commander.get(`/incidents/${id}`).expect(200)).body;
      return d.timeline.find((e: { kind: string }) => e.kind === 'task.completed');
    });
    expect(completed).toMatchObject({ actor: 'sim-it-ops', simulated: true });
    await h.temporal.workflow.getHandle(id).terminate('test over');
  });

  it('30 bad tokens from one address: 401 up to the limit, then 429 with Retry-After, one summary entry; a valid token still works', async () => {
    const before = Number((await h.db.query(`SELECT count(*)::int AS n FROM audit_entries WHERE actor = 'anonymous'`))[0].n);
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 30; i++) {
      const bad = i % 2 ? `yj_0123456789abcdef.${'A'.repeat(43)}` : 'not-a-token';
      const res = await h.http.get('/incidents').set('Authorization', `Bearer ${bad}`);
      statuses.push(res.status);
      retryAfter ??= res.headers['retry-after'];
    }
    expect(statuses).toEqual([...Array(10).fill(401), ...Array(20).fill(429)]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);

    const written = (await entries(`actor = 'anonymous'`, [])).slice(before);
    expect(written).toHaveLength(11);
    expect(written.slice(0, 10).every((e) => e.action === 'incident.list' && e.outcome === 'denied')).toBe(true);
    expect(written[1].detail).toMatchObject({ claimedTokenId: '0123456789abcdef', reason: 'the bearer token is not valid' });
    expect(written[10]).toMatchObject({ action: 'auth.throttle', subject_type: 'source', outcome: 'denied', detail: { reason: expect.stringMatching(/^more than 10 failed authentications from .*127\.0\.0\.1 within a minute/) } });

    // The throttle is for failures: the commander on the same address is served.
    await commander.get('/incidents').expect(200);
    const chain = (await auditor.get('/audit/verify').expect(200)).body;
    expect(chain).toMatchObject({ ok: true });
  });
});
