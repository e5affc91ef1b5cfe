import { As, eventually, Harness, openTask, startHarness, tableCounts } from './support/harness';

// The commander's levers: override the level with a reason, add notes, close (even before the review).
describe('steering an incident', () => {
  let h: Harness;
  let commander: As;
  let oncall: As;
  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('hello-drill.yaml');
    commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    oncall = await h.as('wang-qiang', ['responder'], ['it-ops']);
  });
  afterAll(() => h?.close());

  it('override needs a reason, is recorded with who and why, and shows in the live status', async () => {
    const id = (await commander.post('/incidents', { planId: 'hello-drill' }).expect(201)).body.incident.id;
    await openTask(oncall, id);
    const before = await tableCounts(h.db);
    const missing = await commander.post(`/incidents/${id}/override`, { level: 'II' }).expect(400);
    expect(missing.body.message).toEqual(expect.arrayContaining(['reason must be a string']));
    expect(await tableCounts(h.db)).toEqual(before);

    const status = (await commander.post(`/incidents/${id}/override`, { level: 'II', reason: 'the declaration deadline is tomorrow' }).expect(200)).body;
    expect(status).toMatchObject({ level: 'II', levelReason: 'the declaration deadline is tomorrow (overridden from IV by zhang-wei)' });
    const live = (await commander.get(`/incidents/${id}/status`).expect(200)).body;
    expect(live).toMatchObject({ stage: 'act', level: 'II', steps: [expect.objectContaining({ id: 'acknowledge-page', state: 'waiting' })] });
    expect(live.tasks[0].deadlineAt).toBeTruthy();

    await oncall.post(`/incidents/${id}/notes`, { text: 'paging the DBA as well' }).expect(201);
    const d = (await commander.get(`/incidents/${id}`).expect(200)).body;
    expect(d.incident.level).toBe('II');
    const kinds = d.timeline.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['incident.level-overridden', 'incident.note']));
    expect(d.timeline.find((e: { kind: string }) => e.kind === 'incident.level-overridden')).toMatchObject({ actor: 'zhang-wei' });
    expect(d.timeline.find((e: { kind: string }) => e.kind === 'incident.note')).toMatchObject({ actor: 'wang-qiang', message: 'paging the DBA as well' });
  });

  it('acknowledge once, then complete; a second acknowledgement is a 409 naming who did it', async () => {
    const id = (await commander.post('/incidents', { planId: 'hello-drill' }).expect(201)).body.incident.id;
    const task = await openTask(oncall, id);
    const ack = (await oncall.post(`/tasks/${task.id}/acknowledge`, {}).expect(200)).body;
    expect(ack).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'wang-qiang' });
    const again = await commander.post(`/tasks/${task.id}/acknowledge`, {}).expect(409);
    expect(again.body.message).toBe(`task "${task.id}" was already acknowledged by wang-qiang`);
    await oncall.post(`/tasks/${task.id}/complete`, { checklist: ['打开应急频道 Open the incident channel'], evidence: ['https://wiki.example.com/inc/1'] }).expect(200);
    const row = (await oncall.get(`/tasks/${task.id}`).expect(200)).body;
    expect(row).toMatchObject({ state: 'done', acknowledgedBy: 'wang-qiang', checklistDone: ['打开应急频道 Open the incident channel'], evidence: ['https://wiki.example.com/inc/1'] });

    // Closing before the review: allowed once every step is done; the review is marked skipped with the reason.
    await openTask(commander, id, (t) => t.kind === 'review');
    const closed = (await commander.post(`/incidents/${id}/close`, { reason: 'reviewed in the weekly meeting' }).expect(200)).body;
    expect(closed.stage).toBe('closed');
    const d = await eventually('closed', async () => {
      const x = (await commander.get(`/incidents/${id}`).expect(200)).body;
      return x.incident.state === 'closed' ? x : undefined;
    });
    expect(d.tasks.find((t: { kind: string }) => t.kind === 'review')).toMatchObject({ state: 'skipped', completedBy: 'zhang-wei' });
    expect(d.timeline.at(-1)).toMatchObject({ kind: 'incident.closed', actor: 'zhang-wei', message: 'Incident closed: reviewed in the weekly meeting' });
  });
});
