import { closeRoutineTask, openRoutineTask } from '../../activities/routine-tasks/routine-tasks';
import { routineTaskCommands } from '../../apps/cli/src/routine-task-commands';
import type { AuditRow } from './support/audit';
import { As, Harness, startHarness } from './support/harness';

// Routine tasks (例行任务): a team's work outside any incident. Opening is idempotent per key, each
// team sees its own, auditors and admins see all, and an unknown or another team's task is refused.
describe('routine tasks', () => {
  let h: Harness;
  let security: As;
  let dba: As;
  let auditor: As;
  let admin: As;
  let review: string;
  let check: string;

  const audit = async (action: string, subjectId: string): Promise<AuditRow[]> =>
    h.db.query(`SELECT actor, action, subject_type, subject_id, outcome, detail FROM audit_entries WHERE action = $1 AND subject_id = $2 ORDER BY id`, [action, subjectId]);

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    [security, dba, auditor, admin] = await Promise.all([
      h.as('he-jun', ['responder'], ['security']),
      h.as('li-na', ['responder'], ['dba']),
      h.as('aud-1', ['auditor']),
      h.as('root-1', ['admin']),
    ]);
  });
  const saved = { url: process.env.YINGJI_API_URL, token: process.env.YINGJI_TOKEN };
  afterAll(async () => {
    for (const [k, v] of [['YINGJI_API_URL', saved.url], ['YINGJI_TOKEN', saved.token]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await h?.close();
  });

  it('opens one task per key however often it is asked, and audits the opening once', async () => {
    const t = { key: 'access-review', kind: 'access-review', team: 'security', title: 'Access review: 2 grant(s)', detail: { findings: 2 }, dueAt: new Date('2027-01-01T00:00:00Z') };
    const first = await openRoutineTask(h.db, t);
    const again = await openRoutineTask(h.db, { ...t, title: 'a retried opener' });
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
    expect(first.id).toMatch(/^rt-\d{8}-[a-z2-9]{6}$/);
    review = first.id;
    check = (await openRoutineTask(h.db, { key: 'compliance:backup-age', kind: 'compliance-check', team: 'dba', title: 'Backups older than a day', detail: {} })).id;
    expect((await audit('routine-task.open', review)).map((a) => [a.actor, a.outcome, a.detail.team])).toEqual([['yingji', 'ok', 'security']]);
  });

  it('shows a person their teams\' tasks; auditors and admins every team\'s', async () => {
    const ids = async (as: As, q = '') => ((await as.get(`/routine-tasks${q}`).expect(200)).body as Array<{ id: string }>).map((t) => t.id).sort();
    expect(await ids(security)).toEqual([review]);
    expect(await ids(dba)).toEqual([check]);
    expect(await ids(auditor)).toEqual([review, check].sort());
    expect(await ids(admin)).toEqual([review, check].sort());
    const one = (await security.get(`/routine-tasks/${review}`).expect(200)).body;
    expect(one).toMatchObject({ id: review, key: 'access-review', team: 'security', state: 'open', title: 'Access review: 2 grant(s)', detail: { findings: 2 }, dueAt: '2027-01-01T00:00:00.000Z' });
    const bad = await security.get('/routine-tasks?state=done').expect(400);
    expect(bad.body.message).toBe('state "done" is not a routine task state: use open or closed');
  });

  it('answers 404 naming an unknown task and 403 (audited) for another team\'s', async () => {
    const missing = await security.get('/routine-tasks/rt-20260101-nosuch').expect(404);
    expect(missing.body.message).toBe('routine task "rt-20260101-nosuch" not found');
    const other = await dba.get(`/routine-tasks/${review}`).expect(403);
    expect(other.body.message).toBe(`routine task "${review}" belongs to team security; li-na is in dba`);
    const denied = await audit('routine-task.read', review);
    expect(denied.map((a) => [a.actor, a.outcome, a.detail.reason])).toEqual([['li-na', 'denied', other.body.message]]);
  });

  it('closes the open task of a key once, with who and the outcome; a new one may then open', async () => {
    expect(await closeRoutineTask(h.db, 'compliance:backup-age', 'li-na', 'backups run again')).toBe(true);
    expect(await closeRoutineTask(h.db, 'compliance:backup-age', 'li-na', 'twice')).toBe(false);
    expect(await closeRoutineTask(h.db, 'no-such-key', 'li-na', 'nothing')).toBe(false);
    const closed = (await dba.get(`/routine-tasks/${check}`).expect(200)).body;
    expect(closed).toMatchObject({ state: 'closed', closedBy: 'li-na', outcome: 'backups run again' });
    expect((await audit('routine-task.close', check)).map((a) => [a.actor, a.detail.outcome])).toEqual([['li-na', 'backups run again']]);
    expect(((await dba.get('/routine-tasks?state=open').expect(200)).body as unknown[]).length).toBe(0);
    const next = await openRoutineTask(h.db, { key: 'compliance:backup-age', kind: 'compliance-check', team: 'dba', title: 'Backups older than a day', detail: {} });
    expect(next.created).toBe(true);
    expect(next.id).not.toBe(check);
  });

  it('yingji routine-tasks lists the caller\'s teams\' tasks through the API', async () => {
    process.env.YINGJI_API_URL = h.baseUrl;
    process.env.YINGJI_TOKEN = security.token;
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    try {
      await routineTaskCommands().exitOverride().parseAsync(['--open'], { from: 'user' });
      await routineTaskCommands().exitOverride().parseAsync(['--json'], { from: 'user' });
    } finally {
      log.mockRestore();
    }
    expect(out[0]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  ${review}  security +access-review +Access review: 2 grant\\(s\\)  \\[open, due 2027-01-01 00:00\\]$`));
    expect(JSON.parse(out[1]).map((t: { id: string }) => t.id)).toEqual([review]);
  });
});
