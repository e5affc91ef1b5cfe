import { WorkflowUpdateFailedError } from '@temporalio/client';
import fc from 'fast-check';
import type { Test } from 'supertest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePlan } from '../../domain/plan/parse-plan';
import { completeTask } from '../../workflows/definitions';
import { emergencyPlan } from '../../workflows/emergency-plan.workflow';
import { As, eventually, Harness, openTask, startHarness } from './support/harness';

// Issue 11: one request with a NUL byte or an impossible date used to jam an incident for good (the
// record activity retried forever, the Update never answered, the incident could never close).
// Whatever is sent, every POST and Update answers 2xx or 4xx within 5 s, and the incident closes.

/** Text as a careless user or an attacker sends it: NUL, lone surrogates, controls, very long. */
const hostileText = fc.oneof(
  // Mostly text a person could type, so requests also get past the door and into the workflow.
  { arbitrary: fc.string({ maxLength: 30 }), weight: 6 },
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 3 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 5 }),
  fc.constantFrom('x \u0000 y', 'a\ud800b', '\udc00', '\u001b[2J', '\u0085', '打开应急频道 Open the incident channel', 'ok'),
  fc.constantFrom(20_001, 60_000).map((n) => '长'.repeat(n)),
);
/** Dates that do not exist beside ones that do. */
const hostileDay = fc.oneof(
  fc.constantFrom('2026-02-30', '2027-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '0000-00-00', '2026-2-3'),
  fc.date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
);
const hostileValue = fc.oneof(hostileText, fc.integer(), fc.boolean(), fc.constant(null), fc.array(hostileText, { maxLength: 3 }));
const hostileFacts = fc.dictionary(fc.oneof(hostileText, fc.constantFrom('invoicesAffected', '__proto__', 'constructor', 'prototype')), hostileValue, { maxKeys: 4 });
const finding = fc.record({ text: hostileText, owner: hostileText, due: hostileDay }, { requiredKeys: [] });
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

describe('hostile input cannot jam an incident', () => {
  let h: Harness;
  let commander: As;
  let responder: As;
  const answered: Array<{ what: string; status: number; ms: number }> = [];

  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('test/plans/run/hostile-input.yaml');
    commander = await h.as('zhang.san', ['commander', 'admin'], ['it-ops']);
    responder = await h.as('li.si', ['responder'], ['it-ops']);
  });
  afterAll(() => h?.close());

  /** Sends one request; anything but 2xx or 4xx within 5 s fails the property, naming the request. */
  async function answers(what: string, req: Test): Promise<number> {
    const started = Date.now();
    const res = await req.timeout(5_000).catch((err: Error) => {
      throw new Error(`${what}: no answer within 5 s (${err.message})`);
    });
    answered.push({ what, status: res.status, ms: Date.now() - started });
    if (res.status >= 500) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.status;
  }

  const launch = async () => (await commander.post('/incidents', { planId: 'hostile-input', facts: { invoicesAffected: 5 } }).expect(201)).body.incident.id as string;

  /** Answers every open task with good input until the incident closes; fails naming what stayed open. */
  async function closeIt(id: string): Promise<void> {
    await eventually(`${id} to close after the hostile requests`, async () => {
      const detail = (await commander.get(`/incidents/${id}`).expect(200)).body;
      if (detail.incident.state === 'closed') return true;
      const open = (await commander.get(`/tasks?incidentId=${id}`).expect(200)).body.filter((t: { state: string }) => t.state === 'open' || t.state === 'acknowledged');
      for (const t of open) {
        if (t.kind === 'decision') await commander.post(`/tasks/${t.id}/decide`, { option: 'fix' });
        else if (t.kind === 'review') await commander.post(`/tasks/${t.id}/complete`, { outcome: 'reviewed', findings: [{ text: 'keep the input checks', owner: 'it-ops', due: '2027-03-31' }] });
        else await responder.post(`/tasks/${t.id}/complete`, { checklist: t.checklist });
      }
      return undefined;
    }, 60_000);
  }

  it('a completion whose outcome holds NUL: 400 naming the field, the task stays open, the incident closes', async () => {
    const id = await launch();
    const task = await openTask(responder, id);
    const res = await responder.post(`/tasks/${task.id}/complete`, { outcome: 'x \u0000 y' }).expect(400);
    expect(res.body.message).toBe('body.outcome contains the control character U+0000 at position 2');
    expect((await responder.get(`/tasks/${task.id}`).expect(200)).body.state).toBe('open');
    await responder.post(`/tasks/${task.id}/complete`, { outcome: 'x y' }).expect(200);
    await closeIt(id);
  });

  it('a finding due on 2026-02-30: 400 naming due, the review stays open, the incident closes', async () => {
    const id = await launch();
    await closeItUpToReview(id);
    const review = await openTask(commander, id, (t) => t.kind === 'review');
    const res = await commander.post(`/tasks/${review.id}/complete`, { findings: [{ text: 'x', owner: 'dba', due: '2026-02-30' }] }).expect(400);
    expect(res.body.message).toEqual(['findings[0].due must be a date that exists (YYYY-MM-DD)']);
    expect((await commander.get(`/tasks/${review.id}`).expect(200)).body.state).toBe('open');
    await closeIt(id);
  });

  it('past the API, straight to the workflow: data PostgreSQL cannot store fails the Update with the reason at once, and the task stays open', async () => {
    const id = await launch();
    const task = await openTask(responder, id);
    const actor = { person: 'li.si', teams: ['it-ops'], roles: ['responder'] };
    const started = Date.now();
    const err = await h.temporal.workflow
      .getHandle(id)
      .executeUpdate(completeTask, { args: [{ taskId: task.id, actor, outcome: 'x \u0000 y' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    // Refused by the workflow's own check: the completion's record goes out with the step it moves, so it is checked first.
    expect((err as WorkflowUpdateFailedError).cause?.message).toBe('completion.outcome contains the control character U+0000 at position 2');
    expect(Date.now() - started).toBeLessThan(5_000); // refused at once, not after retries
    expect((await responder.get(`/tasks/${task.id}`).expect(200)).body.state).toBe('open');
    // The same task completes normally afterwards: nothing was left half done.
    const review = await h.temporal.workflow.getHandle(id).executeUpdate(completeTask, { args: [{ taskId: task.id, actor, outcome: 'x y' }] });
    expect(review.state).toBe('done');
    await closeIt(id);
  });

  it('an impossible due date straight to the workflow: the review Update fails naming it, nothing of it is written, and the review can still be held', async () => {
    const id = await launch();
    await closeItUpToReview(id);
    const review = await openTask(commander, id, (t) => t.kind === 'review');
    const actor = { person: 'zhang.san', teams: ['it-ops'], roles: ['commander'] };
    const err = await h.temporal.workflow
      .getHandle(id)
      .executeUpdate(completeTask, { args: [{ taskId: review.id, actor, findings: [{ text: 'x', owner: 'dba', due: '2026-02-30' }] }] })
      .catch((e: unknown) => e);
    expect((err as WorkflowUpdateFailedError).cause?.message).toBe('findings[0].due must be a date that exists (YYYY-MM-DD); 2026-02-30 does not');
    // Neither the findings nor the completion were written.
    expect((await commander.get(`/tasks/${review.id}`).expect(200)).body.state).toBe('open');
    expect(await h.db.query(`SELECT count(*)::int AS n FROM review_findings WHERE incident_id = $1`, [id])).toEqual([{ n: 0 }]);
    await closeIt(id);
  });

  it('a record refused mid-plan (a step title PostgreSQL cannot store, past every check): the incident fails at once and says why', async () => {
    const parsed = parsePlan(fs.readFileSync(path.join(__dirname, '../plans/run/hostile-input.yaml'), 'utf8'));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const plan = { ...parsed.plan, steps: parsed.plan.steps.map((st, i) => (i === 0 ? { ...st, title: 'a \u0000 b' } : st)) };
    const incidentId = 'inc-20261201-badrec';
    const handle = await h.temporal.workflow.start(emergencyPlan, {
      taskQueue: h.config.taskQueue,
      workflowId: incidentId,
      args: [{ incidentId, plan, facts: { invoicesAffected: 5 }, mode: 'live', launchedBy: 'zhang.san' }],
    });
    await expect(handle.result()).rejects.toThrow();
    const detail = (await commander.get(`/incidents/${incidentId}`).expect(200)).body;
    expect(detail.incident.state).toBe('failed');
    expect(detail.timeline.find((e: { kind: string }) => e.kind === 'incident.failed').message).toMatch(
      /^The plan cannot go on: it stopped: recordStep: PostgreSQL refused the data \(22021\): invalid byte sequence/,
    );
  });

  it('a restore to 2026-02-30 is refused naming "to", not rolled over to March 2', async () => {
    const res = await commander.post('/restores', { target: 'scratch_feb30', to: '2026-02-30T08:00:00Z' }).expect(400);
    expect(res.body.message).toEqual(['to must be an ISO 8601 date-time that exists']);
  });

  it('answers carry security headers and no framework name; the open /health says only whether each part is up', async () => {
    const health = await h.http.get('/health').expect(200);
    expect(health.body).toEqual({ ok: true, temporal: { ok: true }, postgres: { ok: true } });
    expect(JSON.stringify(health.body)).not.toContain(h.databaseName);
    for (const res of [health, await commander.get('/incidents').expect(200), await h.http.get('/incidents').expect(401)]) {
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN', 'strict-transport-security': expect.stringContaining('max-age=') });
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    }
  });

  it('500s of the past are 400s naming the problem: NUL in an id or a query, JSON nested 5,000 deep, a constructor.prototype key', async () => {
    const id = await launch();
    expect((await commander.get('/incidents/inc-%00x').expect(400)).body.message).toBe('the request path contains the control character U+0000 at position 15');
    expect((await commander.get('/tasks?incidentId=a%00b').expect(400)).body.message).toBe('query.incidentId contains the control character U+0000 at position 1');
    const deep = '{"planId":"hostile-input","facts":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5000) + '}';
    const nested = await commander.post('/incidents').set('content-type', 'application/json').send(deep).expect(400);
    expect(nested.body.message).toBe(`body.facts${'.a'.repeat(31)} nests deeper than 32 levels`);
    const proto = await commander.post('/incidents').set('content-type', 'application/json').send('{"planId":"hostile-input","facts":{"constructor":{"prototype":{"x":1}}}}').expect(400);
    expect(proto.body.message).toBe('body.facts.constructor: "constructor" is not allowed as a key');
    const surrogate = await commander.post(`/incidents/${id}/notes`).set('content-type', 'application/json').send('{"text":"a\\ud800b"}').expect(400);
    expect(surrogate.body.message).toBe('body.text contains a lone surrogate (not valid Unicode)');
    await closeIt(id);
  });

  it('fast-check: every POST and Update with hostile strings and dates answers 2xx or 4xx within 5 s, and the incident still closes', async () => {
    const id = await launch();
    const taskOf = async (kind: string) => ((await commander.get(`/tasks?incidentId=${id}`).expect(200)).body.find((t: { kind: string }) => t.kind === kind)?.id as string | undefined) ?? `${id}.nope`;
    const bodies = {
      complete: fc.record({ outcome: hostileText, note: hostileText, checklist: fc.array(hostileText, { maxLength: 2 }), evidence: fc.array(hostileText, { maxLength: 2 }), findings: fc.array(finding, { maxLength: 2 }) }, { requiredKeys: [] }),
      decide: fc.record({ option: fc.oneof(hostileText, fc.constantFrom('fix', 'wait')), note: maybe(hostileText) }, { requiredKeys: ['option'] }),
      acknowledge: fc.record({ simulated: fc.boolean() }, { requiredKeys: [] }),
      override: fc.record({ level: fc.oneof(hostileText, fc.constantFrom('I', 'II', 'III', 'IV')), reason: hostileText }, { requiredKeys: [] }),
      note: fc.record({ text: hostileText }, { requiredKeys: [] }),
      close: fc.record({ reason: hostileText }, { requiredKeys: [] }),
      launch: fc.record({ planId: fc.oneof(hostileText, fc.constant('hostile-input')), facts: hostileFacts, timeScale: fc.oneof(fc.integer(), hostileText) }, { requiredKeys: ['planId'] }),
      drill: fc.record({ planId: fc.oneof(hostileText, fc.constant('hostile-input')), mode: fc.oneof(hostileText, fc.constant('tabletop')), facts: hostileFacts, level: hostileText }, { requiredKeys: ['planId', 'mode'] }),
      schedule: fc.record({ planId: hostileText, mode: fc.constant('tabletop'), cron: fc.oneof(hostileText, fc.constant('0 9 * * 1')) }, { requiredKeys: ['planId', 'mode', 'cron'] }),
      backup: fc.record({ kind: hostileText }, { requiredKeys: [] }),
      restore: fc.record({ target: hostileText, to: fc.oneof(hostileDay, hostileText), replace: fc.boolean() }, { requiredKeys: [] }),
      plan: hostileText.map((t) => `apiVersion: yingji/v1\nkind: EmergencyPlan\nid: hostile-plan\nversion: 1\ntitle: "${t.replace(/["\\]/g, '')}"\n`),
    };
    const requests = fc.oneof(
      bodies.complete.map((b) => async () => answers('POST /tasks/:check/complete', responder.post(`/tasks/${await taskOf('manual')}/complete`, b))),
      bodies.complete.map((b) => async () => answers('POST /tasks/:review/complete', commander.post(`/tasks/${await taskOf('review')}/complete`, b))),
      bodies.decide.map((b) => async () => answers('POST /tasks/:choose/decide', commander.post(`/tasks/${await taskOf('decision')}/decide`, b))),
      bodies.acknowledge.map((b) => async () => answers('POST /tasks/:check/acknowledge', responder.post(`/tasks/${await taskOf('manual')}/acknowledge`, b))),
      bodies.override.map((b) => () => answers('POST /incidents/:id/override', commander.post(`/incidents/${id}/override`, b))),
      bodies.note.map((b) => () => answers('POST /incidents/:id/notes', commander.post(`/incidents/${id}/notes`, b))),
      bodies.close.map((b) => () => answers('POST /incidents/:id/close', commander.post(`/incidents/${id}/close`, b))),
      bodies.launch.map((b) => () => answers('POST /incidents', commander.post('/incidents', b))),
      bodies.drill.map((b) => () => answers('POST /drills', commander.post('/drills', b))),
      bodies.schedule.map((b) => () => answers('POST /drill-schedules', commander.post('/drill-schedules', b))),
      bodies.backup.map((b) => () => answers('POST /backups', commander.post('/backups', b))),
      bodies.backup.map(() => async () => answers('POST /backups/:id/verify', commander.post('/backups/nope/verify', {}))),
      bodies.restore.map((b) => () => answers('POST /restores', commander.post('/restores', b))),
      bodies.plan.map((yaml) => () => answers('POST /plans', commander.post('/plans').set('content-type', 'application/yaml').send(yaml))),
    );
    await fc.assert(
      fc.asyncProperty(requests, async (send) => {
        await send();
      }),
      { numRuns: 200, seed: Number(process.env.YINGJI_FC_SEED ?? Date.now() % 1_000_000) },
    );
    const tally = answered.reduce<Record<string, number>>((n, a) => ({ ...n, [`${a.what} ${a.status}`]: (n[`${a.what} ${a.status}`] ?? 0) + 1 }), {});
    console.log(`hostile requests: ${answered.length}, slowest ${Math.max(...answered.map((a) => a.ms))} ms\n${Object.entries(tally).sort().map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
    // Each kind of request was really tried, and refusals were the rule, not silence.
    expect(new Set(answered.map((a) => a.what)).size).toBeGreaterThanOrEqual(12);
    expect(answered.some((a) => a.status === 400)).toBe(true);
    await closeIt(id);
  });

  /** Completes the manual and decision tasks with good input, so the review task opens. */
  async function closeItUpToReview(id: string): Promise<void> {
    const check = await openTask(responder, id, (t) => t.kind === 'manual');
    await responder.post(`/tasks/${check.id}/complete`, {}).expect(200);
    const choose = await openTask(commander, id, (t) => t.kind === 'decision');
    await commander.post(`/tasks/${choose.id}/decide`, { option: 'fix' }).expect(200);
    const fix = await openTask(responder, id, (t) => t.kind === 'manual' && t.stepId === 'fix');
    await responder.post(`/tasks/${fix.id}/complete`, {}).expect(200);
  }
});
