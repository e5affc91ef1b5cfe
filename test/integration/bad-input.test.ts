import { eventually, Harness, startHarness, tableCounts } from './support/harness';

// Every refusal names what is wrong and changes nothing stored.
describe('bad input is refused with a reason, and nothing changes', () => {
  let h: Harness;
  let openTaskId: string;
  let doneTaskId: string;

  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('hello-drill.yaml');
    const launch = async () => {
      const id = (await h.http.post('/incidents').send({ planId: 'hello-drill' }).expect(201)).body.incident.id;
      return eventually('task', async () => (await h.http.get(`/incidents/${id}`)).body.tasks[0]?.id as string | undefined);
    };
    openTaskId = await launch();
    doneTaskId = await launch();
    await h.http.post(`/tasks/${doneTaskId}/complete`).send({ by: 'li.si' }).expect(200);
    const doneIncident = doneTaskId.split('.')[0];
    await eventually('the completed incident to close', async () =>
      (await h.http.get(`/incidents/${doneIncident}`)).body.incident.state === 'closed' ? true : undefined,
    );
  });
  afterAll(() => h?.close());

  async function unchanged(run: () => Promise<void>) {
    const before = await tableCounts(h.db);
    await run();
    expect(await tableCounts(h.db)).toEqual(before);
  }

  it('a malformed JSON body: 400 saying the body is not JSON', () =>
    unchanged(async () => {
      const res = await h.http.post('/incidents').set('content-type', 'application/json').send('{"planId": "hello-drill",').expect(400);
      expect(res.body.message).toMatch(/request body is not valid JSON/);
    }));

  it('a missing planId: 400 naming planId', () =>
    unchanged(async () => {
      const res = await h.http.post('/incidents').send({ facts: {} }).expect(400);
      expect(res.body.message).toEqual(expect.arrayContaining(['planId must be a string']));
    }));

  it('an unknown field: 400 naming it', () =>
    unchanged(async () => {
      const res = await h.http.post('/incidents').send({ planId: 'hello-drill', plan: 'x' }).expect(400);
      expect(res.body.message).toEqual(expect.arrayContaining(['property plan should not exist']));
    }));

  it('an unknown plan: 404 naming the plan', () =>
    unchanged(async () => {
      const res = await h.http.post('/incidents').send({ planId: 'no-such-plan' }).expect(404);
      expect(res.body.message).toBe('plan "no-such-plan" is not published');
    }));

  it('an unknown plan version: 404 naming the version', () =>
    unchanged(async () => {
      const res = await h.http.post('/incidents').send({ planId: 'hello-drill', planVersion: 7 }).expect(404);
      expect(res.body.message).toBe('plan "hello-drill" has no published version 7');
    }));

  it('an unknown task id: 404 naming the task', () =>
    unchanged(async () => {
      const res = await h.http.post('/tasks/inc-nope.step/complete').send({ by: 'li.si' }).expect(404);
      expect(res.body.message).toBe('task "inc-nope.step" not found');
    }));

  it('a completion without `by`: 400 naming the field, and the task stays open', () =>
    unchanged(async () => {
      const res = await h.http.post(`/tasks/${openTaskId}/complete`).send({}).expect(400);
      expect(res.body.message).toEqual(expect.arrayContaining(['by must be a string']));
      expect((await h.http.get(`/tasks/${openTaskId}`).expect(200)).body.state).toBe('open');
    }));

  it('a second completion of the same task: 409 from the workflow, naming the task and who completed it', () =>
    unchanged(async () => {
      const res = await h.http.post(`/tasks/${doneTaskId}/complete`).send({ by: 'wang.wu' }).expect(409);
      expect(res.body.message).toBe(`task "${doneTaskId}" was already completed by li.si`);
    }));

  it('two completions racing: exactly one wins', async () => {
    const id = (await h.http.post('/incidents').send({ planId: 'hello-drill' }).expect(201)).body.incident.id;
    const taskId = await eventually('task', async () => (await h.http.get(`/incidents/${id}`)).body.tasks[0]?.id as string | undefined);
    const [a, b] = await Promise.all([
      h.http.post(`/tasks/${taskId}/complete`).send({ by: 'a' }),
      h.http.post(`/tasks/${taskId}/complete`).send({ by: 'b' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const detail = await eventually('close', async () => {
      const d = (await h.http.get(`/incidents/${id}`)).body;
      return d.incident.state === 'closed' ? d : undefined;
    });
    expect(detail.timeline.filter((e: { kind: string }) => e.kind === 'task.completed')).toHaveLength(1);
  });
});
