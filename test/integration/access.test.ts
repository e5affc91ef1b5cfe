import * as fs from 'node:fs';
import * as path from 'node:path';
import { revokeToken, issueToken } from '../../apps/api/src/auth/token-store';
import { PROJECT_ROOT } from '../../apps/shared/config';
import { As, eventually, Harness, openTask, startHarness } from './support/harness';

type Role = 'commander' | 'responder' | 'manager' | 'auditor' | 'admin';
const ROLES: Role[] = ['commander', 'responder', 'manager', 'auditor', 'admin'];

// Who may do what: every role against every mutating endpoint (and the drill schedules). An allowed
// cell succeeds with the endpoint's success status (each acts on its own task of the matrix's own
// incident, so every one can really succeed); a denied cell is a 403 with the reason, and an audit
// entry, and changes nothing.
describe('identity and roles', () => {
  let h: Harness;
  let callers: Record<Role, As>;
  let incidentId: string;
  let taskId: string;
  let decisionId: string;
  /** The matrix's incident and its tasks, one per allowed caller (see support/access-matrix-plan.yaml). */
  let matrix: { incidentId: string; task: Record<'dba-check' | 'commander-check' | 'dba-choice' | 'commander-choice', string> };

  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('hello-drill.yaml');
    await h.publishPlan('einvoice-db-crash.yaml');
    await h.publishPlan('test/integration/support/access-matrix-plan.yaml');
    callers = {
      commander: await h.as('cmd-1', ['commander'], ['it-ops']),
      responder: await h.as('resp-dba', ['responder'], ['dba']),
      manager: await h.as('mgr-1', ['manager'], ['management']),
      auditor: await h.as('aud-1', ['auditor']),
      admin: await h.as('adm-1', ['admin']),
    };
    incidentId = (await callers.commander.post('/incidents', { planId: 'einvoice-db-crash', facts: { invoicesAffected: 25000, outageMinutes: 5, dataLeaked: false } }).expect(201)).body
      .incident.id;
    taskId = (await openTask(callers.responder, incidentId, (t) => t.stepId === 'isolate')).id;
    const m = (await callers.commander.post('/incidents', { planId: 'access-matrix', facts: { invoicesAffected: 1 } }).expect(201)).body.incident.id;
    const tasks = await eventually('the access matrix incident to open its four tasks', async () => {
      const rows: Array<{ id: string; stepId: string; state: string }> = (await callers.commander.get(`/tasks?incidentId=${m}`).expect(200)).body;
      return rows.filter((t) => t.state === 'open').length === 4 ? rows : undefined;
    });
    matrix = { incidentId: m, task: Object.fromEntries(tasks.map((t) => [t.stepId, t.id])) as typeof matrix.task };
  });
  afterAll(() => h?.close());

  const planText = fs.readFileSync(path.join(PROJECT_ROOT, 'plans', 'hello-drill.yaml'), 'utf8');
  // `ok`: the status an allowed caller gets. Tasks: the responder (team dba) acts on the dba's task,
  // the commander on their own, so neither finds a task the other already finished.
  const own = (role: Role, dba: 'dba-check' | 'dba-choice', cmd: 'commander-check' | 'commander-choice') => matrix.task[role === 'responder' ? dba : cmd];
  const endpoints: Array<{ name: string; allowed: Role[]; ok: number; call: (as: As, role: Role) => ReturnType<As['post']> }> = [
    // Already published with this exact text by beforeAll: publishing it again answers 200 (201 is for a new version).
    { name: 'POST /plans', allowed: ['admin'], ok: 200, call: (as) => as.post('/plans').set('content-type', 'application/yaml').send(planText) },
    { name: 'POST /incidents', allowed: ['commander'], ok: 201, call: (as) => as.post('/incidents', { planId: 'hello-drill' }) },
    { name: 'POST /incidents/:id/override', allowed: ['commander'], ok: 200, call: (as) => as.post(`/incidents/${matrix.incidentId}/override`, { level: 'I', reason: 'access matrix' }) },
    { name: 'POST /incidents/:id/notes', allowed: ['commander', 'responder', 'manager'], ok: 201, call: (as) => as.post(`/incidents/${matrix.incidentId}/notes`, { text: 'access matrix note' }) },
    { name: 'POST /tasks/:id/acknowledge', allowed: ['responder', 'commander'], ok: 200, call: (as, role) => as.post(`/tasks/${own(role, 'dba-check', 'commander-check')}/acknowledge`, {}) },
    { name: 'POST /tasks/:id/complete', allowed: ['responder', 'commander'], ok: 200, call: (as, role) => as.post(`/tasks/${own(role, 'dba-check', 'commander-check')}/complete`, {}) },
    { name: 'POST /tasks/:id/decide', allowed: ['responder', 'commander'], ok: 200, call: (as, role) => as.post(`/tasks/${own(role, 'dba-choice', 'commander-choice')}/decide`, { option: 'keep' }) },
    // Last: by now every step of the matrix's incident is done, so the commander may close it.
    { name: 'POST /incidents/:id/close', allowed: ['commander'], ok: 200, call: (as) => as.post(`/incidents/${matrix.incidentId}/close`, { reason: 'access matrix done' }) },
    { name: 'GET /drill-schedules', allowed: ['commander', 'manager', 'auditor', 'admin'], ok: 200, call: (as) => as.get('/drill-schedules') },
  ];

  const cells = endpoints.flatMap((e) => ROLES.map((role) => [e.name, role, e.allowed.includes(role)] as const));

  it.each(cells)('%s as %s: allowed=%s', async (name, role, allowed) => {
    const endpoint = endpoints.find((e) => e.name === name)!;
    const before = Number((await h.db.query(`SELECT count(*)::int AS n FROM audit_entries WHERE outcome = 'denied'`))[0].n);
    const res = await endpoint.call(callers[role], role);
    const after = Number((await h.db.query(`SELECT count(*)::int AS n FROM audit_entries WHERE outcome = 'denied'`))[0].n);
    if (allowed) {
      expect({ status: res.status, body: res.status === endpoint.ok ? undefined : res.body }).toEqual({ status: endpoint.ok, body: undefined });
      expect(after).toBe(before);
    } else {
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(new RegExp(`needs role ${endpoint.allowed.join(' or ')}; .* has ${role}`));
      expect(after).toBe(before + 1);
    }
  });

  it('a responder of another team cannot see or act on a task: 403 naming the team, audited', async () => {
    const finance = await h.as('resp-fin', ['responder'], ['finance']);
    const read = await finance.get(`/tasks/${taskId}`).expect(403);
    expect(read.body.message).toContain('belongs to team dba');
    const act = await finance.post(`/tasks/${taskId}/complete`, {}).expect(403);
    expect(act.body.message).toContain('belongs to team dba; resp-fin is in finance');
    const denied = await h.db.query(`SELECT actor, action, outcome FROM audit_entries WHERE actor = 'resp-fin' ORDER BY id`);
    expect(denied).toEqual([
      { actor: 'resp-fin', action: 'task.read', outcome: 'denied' },
      { actor: 'resp-fin', action: 'task.complete', outcome: 'denied' }, // audited as the action attempted
    ]);
    expect((await finance.get(`/incidents/${incidentId}`)).status).toBe(403);
    expect((await finance.get('/tasks?mine=true').expect(200)).body).toEqual([]);
  });

  it('the workflow itself refuses a decision for the commander role from a responder', async () => {
    const isolate = await callers.responder.post(`/tasks/${taskId}/complete`, {}).expect(200);
    expect(isolate.body.state).toBe('done');
    // There are no backups yet: verifyBackup fails the step loudly and the commander completes it by hand, with a reason.
    const failed = await openTask(callers.commander, incidentId, (t) => t.stepId === 'check-backup');
    expect(failed).toMatchObject({ state: 'failed', kind: 'automated' });
    expect(failed.failure).toMatch(/^no backup to restore to .*: the catalog is empty$/);
    const noReason = await callers.commander.post(`/tasks/${failed.id}/complete`, {}).expect(400);
    expect(noReason.body.message).toContain('needs a note with the reason');
    await callers.commander.post(`/tasks/${failed.id}/complete`, { note: 'checked the chain with pg_verifybackup by hand' }).expect(200);
    const decision = await openTask(callers.commander, incidentId, (t) => t.kind === 'decision');
    decisionId = decision.id;
    const itops = await h.as('resp-itops', ['responder'], ['it-ops']);
    const res = await itops.post(`/tasks/${decisionId}/decide`, { option: 'restore' }).expect(403);
    expect(res.body.message).toBe(`task "${decisionId}" is the commander's; resp-itops is not a commander`);
    const audit = await h.db.query(`SELECT action, outcome, detail FROM audit_entries WHERE actor = 'resp-itops'`);
    expect(audit).toEqual([{ action: 'task.decide', outcome: 'denied', detail: { reason: res.body.message, tokenId: expect.any(String), ip: '127.0.0.1' } }]);
    await callers.commander.post(`/tasks/${decisionId}/decide`, { option: 'nope' }).expect(400);
    await callers.commander.post(`/tasks/${decisionId}/decide`, { option: 'restore' }).expect(200);
  });

  it('closing with open required steps is refused with the open steps named', async () => {
    const res = await callers.commander.post(`/incidents/${incidentId}/close`, { reason: 'done?' }).expect(409);
    expect(res.body.message).toMatch(/^cannot close: required steps are still open: /);
  });

  it('an auditor reads everything and changes nothing; the trail verifies', async () => {
    await callers.auditor.get(`/incidents/${incidentId}`).expect(200);
    await callers.auditor.get('/tasks').expect(200);
    const trail = await callers.auditor.get('/audit?outcome=denied').expect(200);
    expect(trail.body.length).toBeGreaterThan(0);
    expect((await callers.auditor.get('/audit/verify').expect(200)).body).toMatchObject({ ok: true });
    await callers.responder.get('/audit').expect(403);
  });

  it('no token, a malformed, unknown, revoked or expired token: 401 saying which; /health stays open', async () => {
    await h.http.get('/health').expect(200);
    expect((await h.http.get('/incidents').expect(401)).body.message).toMatch(/a bearer token is required/);
    expect((await h.http.get('/incidents').set('Authorization', 'Bearer nope').expect(401)).body.message).toBe('the bearer token is malformed');
    const forged = callers.commander.token.replace(/\.[A-Za-z0-9_-]{5}/, '.AAAAA');
    expect((await h.http.get('/incidents').set('Authorization', `Bearer ${forged}`).expect(401)).body.message).toBe('the bearer token is not valid');
    const { token, info } = await issueToken(h.db, { person: 'temp', roles: ['manager'], teams: [], createdBy: 'test' });
    await h.http.get('/incidents').set('Authorization', `Bearer ${token}`).expect(200);
    await revokeToken(h.db, info.id, 'test');
    expect((await h.http.get('/incidents').set('Authorization', `Bearer ${token}`).expect(401)).body.message).toBe(`token ${info.id} was revoked`);
    await expect(revokeToken(h.db, info.id, 'test')).rejects.toThrow(`token ${info.id} is already revoked`);
    await expect(revokeToken(h.db, '0123456789abcdef', 'test')).rejects.toThrow('no token with id 0123456789abcdef');
    const short = await issueToken(h.db, { person: 'brief', roles: ['manager'], teams: [], expiresIn: '1s', createdBy: 'test' });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await h.http.get('/incidents').set('Authorization', `Bearer ${short.token}`).expect(401)).body.message).toMatch(/expired at/);
    const stored = await h.db.query(`SELECT secret_hash FROM api_tokens WHERE id = $1`, [info.id]);
    expect(token).not.toContain(stored[0].secret_hash);
    expect(stored[0].secret_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
