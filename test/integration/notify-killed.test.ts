// A worker killed while it sends one notice to 200 people: each person receives exactly one
// message, counted at a real SMTP server. The server holds back the 61st message and the test kills
// the worker right then (SIGKILL), the moment a sender waits for the server's answer; a new worker
// takes the notice over, skipping the 60 people already served.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventually, Harness, startHarness } from './support/harness';
import { Inbox, startSmtp } from './support/smtp-inbox';
import { killHard, spawnWorker } from './support/worker-process';

const PEOPLE = Array.from({ length: 200 }, (_, i) => `p${String(i + 1).padStart(3, '0')}`);
const KILL_AT = 60;

function directory(): string {
  const people = PEOPLE.map((p) => `  ${p}: { name: Person ${p}, contacts: { email: ${p}@example.com } }`);
  return [
    'apiVersion: yingji/v1',
    'kind: TeamDirectory',
    'people:',
    '  zhang-wei: { name: 张伟 Zhang Wei, contacts: { email: zhang.wei@example.com } }',
    ...people,
    'teams:',
    '  it-ops: { title: IT ops, lead: zhang-wei, members: [zhang-wei], roles: { commander: [zhang-wei] } }',
    `  everyone: { title: Everyone, lead: p001, members: [${PEOPLE.join(', ')}] }`,
    '',
  ].join('\n');
}

let h: Harness;
let dir: string;
let smtp: Inbox;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-notify-killed-'));
  fs.writeFileSync(path.join(dir, 'teams.yaml'), directory());
  process.env.YINGJI_DIRECTORY = path.join(dir, 'teams.yaml');
  h = await startHarness({ worker: false });
  await h.publishPlan('test/plans/run/notify-everyone.yaml');
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await h?.close();
  await smtp?.close();
  delete process.env.YINGJI_DIRECTORY;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('SIGKILL of the worker in the middle of a notice to 200 people: each gets exactly one message', async () => {
  let killed = false;
  smtp = await startSmtp({
    beforeAccept: async (_mail, accepted) => {
      if (killed || accepted < KILL_AT) return true;
      killed = true;
      await killHard(workers[0]);
      return false; // never accepted: its sender died waiting for the answer
    },
  });
  const env = { ...h.processEnv, YINGJI_SMTP_URL: smtp.url, YINGJI_DIRECTORY: path.join(dir, 'teams.yaml') };
  workers.push(await spawnWorker(env));
  const commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
  const id = (await commander.post('/incidents', { planId: 'notify-everyone', facts: {} }).expect(201)).body.incident.id as string;

  await eventually('the first worker to be killed mid-send', async () => killed || undefined, 60_000);
  workers.push(await spawnWorker(env));
  const done = await eventually(
    'the notify step to finish on the second worker',
    async () => {
      const d = (await commander.get(`/incidents/${id}`).expect(200)).body;
      return d.steps.find((s: { stepId: string; state: string }) => s.stepId === 'tell-everyone' && s.state === 'done');
    },
    120_000,
  );
  expect(done.outcome).toBe('sent: email delivered');

  const counts = new Map<string, number>();
  for (const m of smtp.received) for (const r of m.rcpt) counts.set(r, (counts.get(r) ?? 0) + 1);
  expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  expect([...counts.keys()].sort()).toEqual(PEOPLE.map((p) => `${p}@example.com`));
  // Every copy is recorded sent, once.
  const copies = await h.db.query(
    `SELECT d.status, count(*)::int AS n FROM deliveries d JOIN notifications n ON n.id = d.notification_id
      WHERE n.incident_id = $1 AND n.reason = 'step:tell-everyone' GROUP BY d.status`,
    [id],
  );
  expect(copies).toEqual([{ status: 'sent', n: 200 }]);
});
