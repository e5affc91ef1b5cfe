// A role that resolves to nobody (its team was renamed in the directory) no longer stops the plan
// in `assign`: the timeline says which role and why, its task goes to the commander's team, and the
// commander completes it; the incident runs to the end.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../apps/shared/config';
import { As, Harness, openTask, reviewAndClose, startHarness } from './support/harness';
import { recordHistory } from './support/histories';

let h: Harness;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-renamed-'));
  const directory = fs.readFileSync(path.join(PROJECT_ROOT, 'plans', 'teams.example.yaml'), 'utf8').replace(/^ {2}dba:$/m, '  database-admins:');
  expect(directory).toContain('  database-admins:');
  fs.writeFileSync(path.join(dir, 'teams.yaml'), directory);
  process.env.YINGJI_DIRECTORY = path.join(dir, 'teams.yaml');
  h = await startHarness();
  await h.publishPlan('test/plans/run/renamed-team.yaml');
});

afterAll(async () => {
  await h?.close();
  delete process.env.YINGJI_DIRECTORY;
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a renamed team's tasks go to the commander, the timeline says why, and the incident closes", async () => {
  const commander: As = await h.as('zhang-wei', ['commander'], ['it-ops']);
  const launched = await commander.post('/incidents', { planId: 'renamed-team', facts: {} }).expect(201);
  const id = launched.body.incident.id as string;

  const task = await openTask(commander, id, (t) => t.stepId === 'isolate');
  expect(task).toMatchObject({ team: 'it-ops', ownerRole: 'dba' });
  const detail = (await commander.get(`/incidents/${id}`).expect(200)).body;
  expect(detail.incident.state).not.toBe('failed');
  const unresolved = detail.timeline.filter((e: { kind: string }) => e.kind === 'incident.role-unresolved');
  expect(unresolved).toEqual([
    expect.objectContaining({ message: expect.stringMatching(/Role "dba" resolves to nobody: role "dba": team "dba" is not in the team directory.*its tasks and messages go to the commander/) }),
  ]);

  await commander.post(`/tasks/${task.id}/complete`, { outcome: 'isolated by the commander' }).expect(200);
  const closed = await reviewAndClose(commander, id);
  // The notice to the dba role went to the commander's people instead of nobody.
  const notice = (await h.db.query(`SELECT recipients FROM notifications WHERE incident_id = $1 AND reason = 'step:tell-dba'`, [id]))[0];
  expect(notice.recipients.map((r: { person: string }) => r.person)).toEqual(expect.arrayContaining(['zhang-wei']));
  expect(closed.steps.every((s: { state: string }) => s.state === 'done' || s.state === 'skipped')).toBe(true);
  await recordHistory(h, id, 'renamed-team.unresolved-role');
});
