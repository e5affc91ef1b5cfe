import * as path from 'node:path';
import { freePort } from '../../scripts/stack/ports';
import { startTemporalDevServer, TemporalServer } from '../../scripts/stack/temporal-server';
import { eventually, Harness, startHarness, workflowCompleted } from './support/harness';
import { testStackEnv } from './support/test-stack';

// Its own Temporal dev server, so restarting it does not disturb the other test files.
describe('the Temporal server restarts while an incident waits', () => {
  let h: Harness;
  let server: TemporalServer;
  let port: number;
  const stack = testStackEnv();
  const start = () =>
    startTemporalDevServer({
      cli: stack.temporalCli,
      dbFile: path.join(stack.runDir, `restart-${port}.db`),
      port,
      logFile: path.join(stack.runDir, `restart-${port}.log`),
    });

  beforeAll(async () => {
    port = await freePort();
    server = await start();
    h = await startHarness({ temporalAddress: server.address });
    await h.publishPlan('hello-drill.yaml');
  });
  afterAll(async () => {
    await h?.close();
    await server?.stop();
  });

  it('keeps the workflow in its SQLite file: after the restart the task completes and the incident closes', async () => {
    const id = (await h.http.post('/incidents').send({ planId: 'hello-drill' }).expect(201)).body.incident.id;
    const taskId = await eventually('the task', async () => (await h.http.get(`/incidents/${id}`)).body.tasks[0]?.id as string | undefined);

    await server.stop();
    server = await start();

    await eventually('the API to reach Temporal again', async () => ((await h.http.get('/health')).status === 200 ? true : undefined), 60_000);
    await h.http.post(`/tasks/${taskId}/complete`).send({ by: 'qian.qi' }).expect(200);
    const detail = await eventually(
      'the incident to close',
      async () => {
        const d = (await h.http.get(`/incidents/${id}`)).body;
        return d.incident.state === 'closed' ? d : undefined;
      },
      60_000,
    );
    expect(detail.timeline.filter((e: { kind: string }) => e.kind === 'task.completed')).toHaveLength(1);
    await workflowCompleted(h, id);
  });
});
