import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../apps/shared/config';
import { eventually, Harness, startHarness } from './support/harness';

/** The real worker process, as `yingji up` runs it (compiled by `npm run build`). */
function spawnWorker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/apps/worker/src/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes('worker: polling')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before polling:\n${output}`)));
  });
}

describe('a worker killed while the plan waits loses nothing', () => {
  let h: Harness;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    h = await startHarness({ worker: false });
    await h.publishPlan('hello-drill.yaml');
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await h?.close();
  });

  it('SIGKILL during the manual wait, a new worker, then the completion: closes, every transition recorded once', async () => {
    const first = await spawnWorker(h.processEnv);
    children.push(first);
    const id = (await h.http.post('/incidents').send({ planId: 'hello-drill' }).expect(201)).body.incident.id;
    const taskId = await eventually('the task', async () => (await h.http.get(`/incidents/${id}`)).body.tasks[0]?.id as string | undefined);

    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const second = await spawnWorker(h.processEnv);
    children.push(second);

    await h.http.post(`/tasks/${taskId}/complete`).send({ by: 'zhao.liu' }).expect(200);
    const detail = await eventually('the incident to close', async () => {
      const d = (await h.http.get(`/incidents/${id}`)).body;
      return d.incident.state === 'closed' ? d : undefined;
    });
    expect(detail.timeline.map((e: { kind: string }) => e.kind)).toEqual([
      'incident.opened',
      'incident.classified',
      'task.opened',
      'task.completed',
      'incident.closed',
    ]);
    const audit: Array<{ action: string; n: number }> = await h.db.query(
      `SELECT action, count(*)::int AS n FROM audit_entries WHERE subject_id IN ($1, $2) GROUP BY action ORDER BY action`,
      [id, taskId],
    );
    expect(audit).toEqual([
      { action: 'incident.classify', n: 1 },
      { action: 'incident.close', n: 1 },
      { action: 'incident.open', n: 1 },
      { action: 'task.complete', n: 1 },
      { action: 'task.open', n: 1 },
    ]);
    second.kill('SIGTERM');
  });
});
