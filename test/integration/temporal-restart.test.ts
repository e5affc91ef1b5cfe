import * as path from 'node:path';
import { freePort } from '../../scripts/stack/ports';
import { startTemporalDevServer, TemporalServer } from '../../scripts/stack/temporal-server';
import { As, eventually, Harness, openTask, reviewAndClose, startHarness, workflowCompleted } from './support/harness';
import { testStackEnv } from './support/test-stack';

// Its own Temporal dev server, so restarting it does not disturb the other test files.
describe('the Temporal server restarts while an incident waits', () => {
  let h: Harness;
  let commander: As;
  let responder: As;
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
    commander = await h.as('zhang.san', ['commander'], ['it-ops']);
    responder = await h.as('qian.qi', ['responder'], ['it-ops']);
  });
  afterAll(async () => {
    await h?.close();
    await server?.stop();
  });

  it('keeps the workflow in its SQLite file: after the restart the task completes and the incident closes', async () => {
    const id = (await commander.post('/incidents', { planId: 'hello-drill' }).expect(201)).body.incident.id;
    const taskId = (await openTask(responder, id)).id;

    await server.stop();
    server = await start();

    await eventually('the API to reach Temporal again', async () => ((await h.http.get('/health')).status === 200 ? true : undefined), 60_000);
    await responder.post(`/tasks/${taskId}/complete`, {}).expect(200);
    const detail = await reviewAndClose(commander, id);
    expect(detail.timeline.filter((e: { kind: string; taskId: string }) => e.kind === 'task.completed' && e.taskId === taskId)).toHaveLength(1);
    await workflowCompleted(h, id);
  });
});
