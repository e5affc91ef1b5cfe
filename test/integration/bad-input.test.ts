import { As, Harness, openTask, startHarness, tableCounts } from './support/harness';

// Every refusal names what is wrong and changes nothing stored.
describe('bad input is refused with a reason, and nothing changes', () => {
  let h: Harness;
  let commander: As;
  let responder: As;
  let openTaskId: string;
  let doneTaskId: string;

  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('hello-drill.yaml');
    commander = await h.as('zhang.san', ['commander'], ['it-ops']);
    responder = await h.as('li.si', ['responder'], ['it-ops']);
    const launch = async () => {
      const id = (await commander.post('/incidents', { planId: 'hello-drill' }).expect(201)).body.incident.id;
      return (await openTask(responder, id)).id;
    };
    openTaskId = await launch();
    doneTaskId = await launch();
    await responder.post(`/tasks/${doneTaskId}/complete`, {}).expect(200);
    const doneIncident = doneTaskId.split('.')[0];
    // Wait until the review task is there: the workflow has recorded everything of the completion.
    await openTask(commander, doneIncident, (t) => t.kind === 'review');
  });
  afterAll(() => h?.close());

  async function unchanged(run: () => Promise<void>) {
    const before = await tableCounts(h.db);
    await run();
    expect(await tableCounts(h.db)).toEqual(before);
  }

  it('a malformed JSON body: 400 saying the body is not JSON', () =>
    unchanged(async () => {
      const res = await commander.post('/incidents').set('content-type', 'application/json').send('{"planId": "hello-drill",').expect(400);
      expect(res.body.message).toMatch(/request body is not valid JSON/);
    }));

  it('a missing planId: 400 naming planId', () =>
    unchanged(async () => {
      const res = await commander.post('/incidents', { facts: {} }).expect(400);
      expect(res.body.message).toEqual(expect.arrayContaining(['planId must be a string']));
    }));

  it('an unknown field: 400 naming it', () =>
    unchanged(async () => {
      const res = await commander.post('/incidents', { planId: 'hello-drill', plan: 'x' }).expect(400);
      expect(res.body.message).toEqual(expect.arrayContaining(['property plan should not exist']));
    }));

  it('an unknown plan: 404 naming the plan', () =>
    unchanged(async () => {
      const res = await commander.post('/incidents', { planId: 'no-such-plan' }).expect(404);
      expect(res.body.message).toBe('plan "no-such-plan" is not published');
    }));

  it('an unknown plan version: 404 naming the version', () =>
    unchanged(async () => {
      const res = await commander.post('/incidents', { planId: 'hello-drill', planVersion: 7 }).expect(404);
      expect(res.body.message).toBe('plan "hello-drill" has no published version 7');
    }));

  it('an unknown task id: 404 naming the task', () =>
    unchanged(async () => {
      const res = await responder.post('/tasks/inc-nope.step/complete', {}).expect(404);
      expect(res.body.message).toBe('task "inc-nope.step" not found');
    }));

  it('a completion with a malformed field: 400 naming it, and the task stays open', () =>
    unchanged(async () => {
      const res = await responder.post(`/tasks/${openTaskId}/complete`, { evidence: ['not a url'], checklist: 'x' }).expect(400);
      expect(res.body.message).toEqual(expect.arrayContaining(['each evidence entry must be a URL', 'checklist must be an array']));
      expect((await responder.get(`/tasks/${openTaskId}`).expect(200)).body.state).toBe('open');
    }));

  it('a checklist item the task does not have: 400 from the workflow naming it', () =>
    unchanged(async () => {
      const res = await responder.post(`/tasks/${openTaskId}/complete`, { checklist: ['打开应急频道'] }).expect(400);
      expect(res.body.message).toContain('checklist item(s) "打开应急频道" are not on task');
    }));

  it('a fact the task does not provide, or one of no usable type: 400 from the workflow naming it', () =>
    unchanged(async () => {
      const res = await responder.post(`/tasks/${openTaskId}/complete`, { facts: { suspectedAccounts: ['x'] } }).expect(400);
      expect(res.body.message).toContain(`fact "suspectedAccounts" is not one task "${openTaskId}" provides (it provides no facts)`);
      expect((await responder.post(`/tasks/${openTaskId}/complete`, { facts: 'x' }).expect(400)).body.message).toEqual(['facts must be an object']);
    }));

  it('facts of the wrong type for the plan: 422 naming the fact', async () => {
    await h.publishPlan('einvoice-db-crash.yaml');
    await unchanged(async () => {
      const res = await commander.post('/incidents', { planId: 'einvoice-db-crash', facts: { invoicesAffected: 'many' } }).expect(422);
      expect(res.body.message).toContain('invoicesAffected');
    });
  });

  it('a second completion of the same task: 409 from the workflow, naming the task and who completed it', () =>
    unchanged(async () => {
      const res = await responder.post(`/tasks/${doneTaskId}/complete`, {}).expect(409);
      expect(res.body.message).toBe(`task "${doneTaskId}" was already completed by li.si`);
    }));

  it('two completions racing: exactly one wins', async () => {
    const id = (await commander.post('/incidents', { planId: 'hello-drill' }).expect(201)).body.incident.id;
    const taskId = (await openTask(responder, id)).id;
    const other = await h.as('wang.wu', ['responder'], ['it-ops']);
    const [a, b] = await Promise.all([responder.post(`/tasks/${taskId}/complete`, {}), other.post(`/tasks/${taskId}/complete`, {})]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    await openTask(commander, id, (t) => t.kind === 'review');
    const detail = (await commander.get(`/incidents/${id}`).expect(200)).body;
    expect(detail.timeline.filter((e: { kind: string; taskId: string }) => e.kind === 'task.completed' && e.taskId === taskId)).toHaveLength(1);
  });
});
