import { issueToken } from '../../apps/api/src/auth/token-store';
import { accessCommands } from '../../apps/cli/src/access-commands';
import { ACCESS_REVIEW_SCHEDULE, ensureAccessReviewSchedule } from '../../apps/shared/schedules';
import { accessReview } from '../../workflows/access-review.workflow';
import type { AuditRow } from './support/audit';
import { As, eventually, Harness, startHarness } from './support/harness';

type Finding = { kind: string; tokenId: string; person: string; why: string };
type RoutineTask = { id: string; kind: string; team: string; state: string; title: string; outcome: string | null; closedBy: string | null; detail: { findings: Finding[]; staleDays: number } };

// The access review on its Temporal Schedule: a run opens one routine task for security with
// exactly the stale, expired and over-privileged grants of arranged tokens; security keeps or
// revokes each (a revoked token gets 401 at once), and the last decision closes the review.
describe('scheduled access review', () => {
  let h: Harness;
  let security: As;
  const ids: Record<string, string> = {};
  const secrets: Record<string, string> = {};

  /** Issues a token and backdates its dates (in days from now; null leaves it never used). */
  async function arrange(name: string, person: string, roles: string[], teams: string[], days: { created: number; lastUsed: number | null; expires: number }) {
    const { token, info } = await issueToken(h.db, { person, roles, teams, createdBy: 'test' });
    await h.db.query(
      `UPDATE api_tokens SET created_at = now() + make_interval(days => $2), last_used_at = CASE WHEN $3::int IS NULL THEN NULL ELSE now() + make_interval(days => $3::int) END,
              expires_at = now() + make_interval(days => $4) WHERE id = $1`,
      [info.id, days.created, days.lastUsed, days.expires],
    );
    ids[name] = info.id;
    secrets[name] = token;
  }
  const withToken = (name: string) => h.http.get('/incidents').set('Authorization', `Bearer ${secrets[name]}`);
  const audit = async (action: string): Promise<AuditRow[]> =>
    h.db.query(`SELECT actor, action, subject_type, subject_id, outcome, detail FROM audit_entries WHERE action = $1 ORDER BY id`, [action]);
  const reviews = async (as: As): Promise<RoutineTask[]> => ((await as.get('/routine-tasks').expect(200)).body as RoutineTask[]).filter((t) => t.kind === 'access-review');
  const runReview = (workflowId: string) => h.temporal.workflow.execute(accessReview, { taskQueue: h.config.taskQueue, workflowId });

  beforeAll(async () => {
    h = await startHarness();
    await arrange('healthy', 'wang', ['commander'], ['it-ops'], { created: -100, lastUsed: -2, expires: 200 });
    await arrange('edge', 'qian', ['responder'], ['dba'], { created: -200, lastUsed: -89, expires: 100 });
    await arrange('idle', 'li', ['commander'], ['dba'], { created: -200, lastUsed: -120, expires: 100 });
    await arrange('lapsed', 'sun', ['responder'], ['dba'], { created: -40, lastUsed: -35, expires: -5 });
    await arrange('boss-admin', 'chen', ['admin'], [], { created: -10, lastUsed: -1, expires: 20 });
    await arrange('boss-audit', 'chen', ['auditor'], [], { created: -10, lastUsed: -1, expires: 20 });
    security = await h.as('he-jun', ['responder'], ['security']);
  });
  const saved = { url: process.env.YINGJI_API_URL, token: process.env.YINGJI_TOKEN };
  afterAll(async () => {
    for (const [k, v] of [['YINGJI_API_URL', saved.url], ['YINGJI_TOKEN', saved.token]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await h?.temporal.schedule.getHandle(ACCESS_REVIEW_SCHEDULE).delete().catch(() => undefined);
    await h?.close();
  });

  let task: RoutineTask;

  it('`yingji up` schedules it every 30 days; a run opens a task for security with exactly the arranged findings', async () => {
    expect(await ensureAccessReviewSchedule(h.temporal, h.config)).toBe('created');
    expect(await ensureAccessReviewSchedule(h.temporal, h.config)).toBe('exists');
    const schedule = h.temporal.schedule.getHandle(ACCESS_REVIEW_SCHEDULE);
    const desc = await schedule.describe();
    expect(desc.action).toMatchObject({ type: 'startWorkflow', workflowType: 'accessReview', taskQueue: h.config.taskQueue });
    expect(desc.spec.intervals?.[0].every).toBe(30 * 24 * 60 * 60 * 1000);
    await schedule.trigger();
    [task] = await eventually('the review task of the triggered run', async () => {
      const open = await reviews(security);
      return open.length ? open : undefined;
    });
    expect(task).toMatchObject({ team: 'security', state: 'open', title: '访问权限复核 Access review: 4 grant(s) to keep or revoke' });
    const found = task.detail.findings.map((f) => `${f.kind} ${f.tokenId} ${f.person}`).sort();
    expect(found).toEqual(
      [
        `admin-and-auditor ${ids['boss-admin']} chen`,
        `admin-and-auditor ${ids['boss-audit']} chen`,
        `expired-not-revoked ${ids.lapsed} sun`,
        `stale ${ids.idle} li`,
      ].sort(),
    );
    // The run is recorded; a second run while the review is open finds it instead of opening another.
    const again = await runReview('access-review-again');
    expect(again).toMatchObject({ taskId: task.id, created: false, findings: 4 });
    expect(await reviews(security)).toHaveLength(1);
    const runs = await audit('access-review.run');
    expect(runs.map((r) => r.detail.result)).toEqual(['review task opened', 'the previous review is still open: no second task']);
  });

  it('refuses a decision from outside security (403, audited), on a grant not in the review (400) and a bad decision (400)', async () => {
    const dba = await h.as('li-na', ['responder'], ['dba']);
    const auditor = await h.as('aud-1', ['auditor']);
    const decide = (as: As, body: object) => as.post(`/access/reviews/${task.id}/decisions`, body);
    const other = await decide(dba, { tokenId: ids.idle, decision: 'revoke', reason: 'mine now' }).expect(403);
    expect(other.body.message).toBe(`routine task "${task.id}" belongs to team security; li-na is in dba`);
    const reader = await decide(auditor, { tokenId: ids.idle, decision: 'keep', reason: 'looks fine' }).expect(403);
    expect(reader.body.message).toBe(`access review "${task.id}" is decided by team security; aud-1 is in no team`);
    expect((await audit('access-review.decide')).map((a) => [a.actor, a.outcome])).toEqual([['li-na', 'denied'], ['aud-1', 'denied']]);
    const notAsked = await decide(security, { tokenId: ids.healthy, decision: 'revoke', reason: 'just in case' }).expect(400);
    expect(notAsked.body.message).toContain(`tokenId "${ids.healthy}" is not among the findings of access review "${task.id}"`);
    const bad = await decide(security, { tokenId: ids.idle, decision: 'delete', reason: 'x' }).expect(400);
    expect(JSON.stringify(bad.body.message)).toContain('decision must be keep or revoke');
    const missing = await security.post('/access/reviews/rt-20260101-nosuch/decisions', { tokenId: ids.idle, decision: 'keep', reason: 'x' }).expect(404);
    expect(missing.body.message).toBe('routine task "rt-20260101-nosuch" not found');
    expect(Number((await h.db.query(`SELECT count(*)::int AS n FROM access_review_decisions`))[0].n)).toBe(0);
  });

  it('revoke takes effect at once (401); a second decision for the same grant is 409', async () => {
    await withToken('idle').expect(200);
    const res = await security.post(`/access/reviews/${task.id}/decisions`, { tokenId: ids.idle, decision: 'revoke', reason: 'li left the dba team' }).expect(200);
    expect(res.body).toMatchObject({ revoked: true, task: { state: 'open' } });
    expect(res.body.pending.sort()).toEqual([ids.lapsed, ids['boss-admin'], ids['boss-audit']].sort());
    const refused = await withToken('idle').expect(401);
    expect(refused.body.message).toBe(`token ${ids.idle} was revoked`);
    const twice = await security.post(`/access/reviews/${task.id}/decisions`, { tokenId: ids.idle, decision: 'keep', reason: 'changed my mind' }).expect(409);
    expect(twice.body.message).toMatch(new RegExp(`^token ${ids.idle} was already decided in access review "${task.id}": revoke by he-jun at `));
    expect((await audit('token.revoke')).filter((a) => a.subject_id === ids.idle).map((a) => [a.actor, a.detail.review])).toEqual([['he-jun', task.id]]);
  });

  it('keeping the rest (one through yingji access decide) closes the review with the counts', async () => {
    for (const name of ['lapsed', 'boss-admin']) {
      await security.post(`/access/reviews/${task.id}/decisions`, { tokenId: ids[name], decision: 'keep', reason: 'accepted by the CISO' }).expect(200);
    }
    process.env.YINGJI_API_URL = h.baseUrl;
    process.env.YINGJI_TOKEN = security.token;
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    try {
      await accessCommands().exitOverride().parseAsync(['decide', task.id, ids['boss-audit'], 'keep', '--reason', 'chen audits the DR drill only'], { from: 'user' });
    } finally {
      log.mockRestore();
    }
    expect(out).toEqual([`keep ${ids['boss-audit']}`, `review ${task.id} closed: 3 kept, 1 revoked`]);
    const closed = (await security.get(`/routine-tasks/${task.id}`).expect(200)).body;
    expect(closed).toMatchObject({ state: 'closed', closedBy: 'he-jun', outcome: '3 kept, 1 revoked' });
    const view = (await security.get(`/access/reviews/${task.id}`).expect(200)).body;
    expect(view.pending).toEqual([]);
    expect(view.decisions.map((d: { tokenId: string; decision: string }) => `${d.decision} ${d.tokenId}`)).toEqual([
      `revoke ${ids.idle}`, `keep ${ids.lapsed}`, `keep ${ids['boss-admin']}`, `keep ${ids['boss-audit']}`,
    ]);
    const late = await security.post(`/access/reviews/${task.id}/decisions`, { tokenId: ids.lapsed, decision: 'revoke', reason: 'late' }).expect(409);
    expect(late.body.message).toBe(`access review "${task.id}" is closed (3 kept, 1 revoked); the next scheduled review raises what is still found`);
  });

  it('the next run leaves out what was kept and revoked: nothing to decide, no task, the run recorded', async () => {
    const next = await runReview('access-review-next');
    expect(next).toMatchObject({ taskId: null, findings: 0, keptEarlier: 3 });
    expect((await reviews(security)).map((t) => t.id)).toEqual([task.id]);
    expect((await audit('access-review.run')).at(-1)?.detail).toMatchObject({ findings: 0, keptEarlier: 3, result: 'nothing to decide: no task opened' });
  });
});
