import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { As, HELLO_TIMELINE, eventually, Harness, startHarness, workflowCompleted } from './support/harness';
import { testStackEnv } from './support/test-stack';

// The first real path: API -> Temporal workflow -> activities -> PostgreSQL -> API.
describe('hello incident, end to end', () => {
  let h: Harness;
  let commander: As;
  let responder: As;
  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('hello-drill.yaml');
    commander = await h.as('zhang.san', ['commander'], ['it-ops']);
    responder = await h.as('sim-it-ops', ['responder'], ['it-ops'], { simulated: true });
  });
  afterAll(() => h?.close());

  it('reports Temporal and PostgreSQL reachable on /health without a token, and serves OpenAPI at /docs', async () => {
    const health = await h.http.get('/health').expect(200);
    expect(health.body).toMatchObject({ ok: true, temporal: { ok: true }, postgres: { ok: true } });
    const docs = await h.http.get('/docs-json').expect(200);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/incidents', '/incidents/{id}', '/tasks/{id}/complete', '/health']));
  });

  it('launches, assigns the task, takes a completion as an Update, reviews and closes the incident', async () => {
    const launched = await commander.post('/incidents', { planId: 'hello-drill', facts: {} }).expect(201);
    const id: string = launched.body.incident.id;
    expect(launched.body.incident).toMatchObject({ planId: 'hello-drill', planVersion: 1, launchedBy: 'zhang.san' });

    // The responder finds it in their inbox.
    const task = await eventually('the task to be assigned', async () => {
      const mine = (await responder.get(`/tasks?mine=true&incidentId=${id}`).expect(200)).body;
      return mine.find((t: { state: string }) => t.state === 'open');
    });
    expect(task).toMatchObject({ id: `${id}.acknowledge-page`, team: 'it-ops', stepId: 'acknowledge-page' });
    expect(new Date(task.deadlineAt).getTime() - new Date(task.createdAt).getTime()).toBe(5 * 60_000);

    const done = await responder.post(`/tasks/${task.id}/complete`, { simulated: true, outcome: 'paged' }).expect(200);
    expect(done.body).toMatchObject({ id: task.id, state: 'done', completedBy: 'sim-it-ops' });

    // A completion answers once what it causes is written too (one batch): the review task is
    // there on the very next read, and after the review the incident is closed, with no waiting.
    const next = (await commander.get(`/incidents/${id}`).expect(200)).body;
    expect(next.incident.stage).toBe('review');
    const review = next.tasks.find((t: { kind: string }) => t.kind === 'review');
    expect(review).toMatchObject({ state: 'open', team: 'it-ops' });
    await commander
      .post(`/tasks/${review.id}/complete`, { outcome: 'reviewed', findings: [{ text: 'page the DBA too', owner: 'it-ops', due: '2026-12-31' }] })
      .expect(200);

    const closed = (await commander.get(`/incidents/${id}`).expect(200)).body;
    expect(closed.incident.state).toBe('closed');
    expect(closed.incident).toMatchObject({ stage: 'closed', level: 'IV' });
    expect(closed.incident.closedAt).toBeTruthy();
    expect(closed.tasks[0]).toMatchObject({ state: 'done', completedBy: 'sim-it-ops', simulated: true, outcome: 'paged' });
    expect(closed.findings).toEqual([expect.objectContaining({ text: 'page the DBA too', owner: 'it-ops', due: '2026-12-31', createdBy: 'zhang.san' })]);
    expect(closed.timeline.map((e: { kind: string }) => e.kind)).toEqual(HELLO_TIMELINE);
    const completion = closed.timeline.find((e: { kind: string }) => e.kind === 'task.completed');
    expect(completion).toMatchObject({ actor: 'sim-it-ops', simulated: true });
    expect(completion.message).toContain('simulated responder');

    const list = await commander.get('/incidents?state=closed').expect(200);
    expect(list.body.map((i: { id: string }) => i.id)).toContain(id);

    // The workflow itself completed in Temporal, not just the read model.
    await workflowCompleted(h, id);

    if (process.env.YINGJI_RECORD_HISTORIES) {
      // The CLI writes the proto3 JSON that Worker.runReplayHistories reads.
      const shown = spawnSync(testStackEnv().temporalCli, ['workflow', 'show', '-w', id, '--address', h.config.temporal.address, '--output', 'json']);
      fs.writeFileSync(path.join(__dirname, '..', 'histories', 'hello-drill.json'), shown.stdout);
    }
  });
});
