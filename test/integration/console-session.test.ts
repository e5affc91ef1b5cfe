import type { INestApplication } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseSetCookie, SetCookie } from 'cookie';
import request from 'supertest';
import { createApp } from '../../apps/api/src/app';
import { issueToken, revokeToken } from '../../apps/api/src/auth/token-store';
import { As, eventually, Harness, openTask, startHarness } from './support/harness';

/** A browser's view of a sign-in: both cookies as set, and the Cookie header it would send back. */
interface SignedIn {
  session: SetCookie & { value: string };
  csrf: SetCookie & { value: string };
  /** `Cookie:` header value with both cookies. */
  cookie: string;
  body: Record<string, unknown>;
}

// Issue 16: the console signs in by exchanging a token for an HttpOnly, SameSite=Strict cookie; a
// change made with the cookie needs the CSRF header; the API's role and team rules apply unchanged.
describe('console sessions', () => {
  let h: Harness;
  let commander: As;
  let incidentId: string;
  let dbaTaskId: string;

  const signIn = async (token: string): Promise<SignedIn> => {
    const res = await h.http.post('/session').send({ token }).expect(200);
    const set = (res.headers['set-cookie'] as unknown as string[]).map((c) => ({ raw: c, ...parseSetCookie(c) }));
    const session = set.find((c) => c.name === 'yingji_session') as SignedIn['session'];
    const csrf = set.find((c) => c.name === 'yingji_csrf') as SignedIn['csrf'];
    return { session, csrf, cookie: `yingji_session=${session.value}; yingji_csrf=${csrf.value}`, body: res.body };
  };
  const person = async (name: string, roles: string[], teams: string[] = [], expiresIn?: string) =>
    (await issueToken(h.db, { person: name, roles, teams, createdBy: 'test', expiresIn })).token;
  const notes = async (text: string): Promise<number> =>
    Number((await h.db.query(`SELECT count(*) AS n FROM timeline_entries WHERE incident_id = $1 AND message LIKE $2`, [incidentId, `%${text}%`]))[0].n);

  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('einvoice-db-crash.yaml');
    commander = await h.as('cmd-1', ['commander'], ['it-ops']);
    incidentId = (await commander.post('/incidents', { planId: 'einvoice-db-crash', facts: { invoicesAffected: 25000, outageMinutes: 5, dataLeaked: false } }).expect(201)).body
      .incident.id;
    dbaTaskId = (await openTask(commander, incidentId, (t) => t.stepId === 'isolate')).id;
  });
  afterAll(() => h?.close());

  it('signing in sets an HttpOnly, SameSite=Strict session cookie and a script-readable CSRF cookie, until the earlier of 12 h and the token expiry', async () => {
    const token = await person('cmd-2', ['commander'], ['it-ops']);
    const s = await signIn(token);
    expect(s.body).toMatchObject({ person: 'cmd-2', roles: ['commander'], teams: ['it-ops'] });
    expect(s.session).toMatchObject({ httpOnly: true, sameSite: 'strict', path: '/' });
    expect(s.session.secure).toBeFalsy(); // plain HTTP here; Secure is for HTTPS
    expect(s.session.value).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    expect(s.csrf).toMatchObject({ sameSite: 'strict', path: '/' });
    expect(s.csrf.httpOnly).toBeFalsy();
    expect(s.session.value).not.toBe(s.csrf.value);
    // The cookie and the session run out together, 12 h from now for a 30-day token...
    const hours = (new Date(s.body.expiresAt as string).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
    expect(s.session.expires?.toISOString().slice(0, 19)).toBe((s.body.expiresAt as string).slice(0, 19));
    // ...and with a 2-hour token when the token does.
    const brief = await signIn(await person('cmd-3', ['commander'], ['it-ops'], '2h'));
    const [row] = await h.db.query(`SELECT expires_at FROM api_tokens WHERE person = 'cmd-3'`);
    expect(brief.body.expiresAt).toBe((row.expires_at as Date).toISOString());
    // Who is signed in, by the cookie alone.
    const who = await h.http.get('/session').set('Cookie', s.cookie).expect(200);
    expect(who.body).toEqual({ person: 'cmd-2', roles: ['commander'], teams: ['it-ops'], expiresAt: s.body.expiresAt });
    await h.http.get('/session').expect(401);
  });

  it('the cookie is the token: the API reads, and a responder of another team gets the same 403 as with a bearer token', async () => {
    const cmd = await signIn(commander.token);
    const list = await h.http.get('/incidents').set('Cookie', cmd.cookie).expect(200);
    expect(list.body.map((i: { id: string }) => i.id)).toContain(incidentId);
    const finance = await signIn(await person('resp-fin', ['responder'], ['finance']));
    const read = await h.http.get(`/tasks/${dbaTaskId}`).set('Cookie', finance.cookie).expect(403);
    expect(read.body.message).toContain('belongs to team dba');
    const act = await h.http.post(`/tasks/${dbaTaskId}/complete`).set('Cookie', finance.cookie).set('X-CSRF-Token', finance.csrf.value).send({}).expect(403);
    expect(act.body.message).toContain('belongs to team dba; resp-fin is in finance');
    const [task] = await h.db.query(`SELECT state FROM tasks WHERE id = $1`, [dbaTaskId]);
    expect(task.state).toBe('open');
  });

  it('a change with the cookie and no or a wrong X-CSRF-Token is 403, audited, and changes nothing; with the right one it is made', async () => {
    const s = await signIn(commander.token);
    const none = await h.http.post(`/incidents/${incidentId}/notes`).set('Cookie', s.cookie).send({ text: 'forged note one' }).expect(403);
    expect(none.body.message).toBe('missing or wrong CSRF token (X-CSRF-Token)');
    const wrong = await h.http.post(`/incidents/${incidentId}/notes`).set('Cookie', s.cookie).set('X-CSRF-Token', `${s.csrf.value.slice(1)}x`).send({ text: 'forged note two' });
    expect(wrong.status).toBe(403);
    // Another session's CSRF value is wrong too.
    const other = await signIn(commander.token);
    await h.http.post(`/incidents/${incidentId}/notes`).set('Cookie', s.cookie).set('X-CSRF-Token', other.csrf.value).send({ text: 'forged note three' }).expect(403);
    await h.http.post(`/incidents/${incidentId}/notes`).set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf.value).send({ text: 'note from the console' }).expect(201);
    await eventually('the console note on the timeline', async () => ((await notes('note from the console')) === 1 ? true : undefined));
    expect(await notes('forged note')).toBe(0);
    const denied = await h.db.query(`SELECT actor, action, outcome, detail->>'reason' AS reason FROM audit_entries WHERE detail->>'reason' LIKE '%CSRF%' ORDER BY id`);
    expect(denied).toEqual(Array(3).fill({ actor: 'cmd-1', action: 'incident.note', outcome: 'denied', reason: 'missing or wrong CSRF token (X-CSRF-Token)' }));
    // A bearer call carries no ambient credential, so it needs no CSRF header.
    await commander.post(`/incidents/${incidentId}/notes`, { text: 'note by bearer' }).expect(201);
  });

  it('signing out ends the session and clears both cookies; the old cookie is then 401; unknown and expired cookies are 401 saying which', async () => {
    const s = await signIn(commander.token);
    await h.http.delete('/session').set('Cookie', s.cookie).expect(403); // signing out is a change too
    const out = await h.http.delete('/session').set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf.value).expect(204);
    const cleared = (out.headers['set-cookie'] as unknown as string[]).map((c) => parseSetCookie(c));
    expect(cleared.map((c) => [c.name, c.value, c.expires!.getTime() <= Date.now()])).toEqual([
      ['yingji_session', '', true],
      ['yingji_csrf', '', true],
    ]);
    const after = await h.http.get('/incidents').set('Cookie', s.cookie).expect(401);
    expect(after.body.message).toMatch(/^the console session ended at \S+ \(signed out\)/);
    const unknown = await h.http.get('/incidents').set('Cookie', `yingji_session=${'A'.repeat(43)}`).expect(401);
    expect(unknown.body.message).toBe('the console session is not known: sign in again');
    const old = await signIn(commander.token);
    await h.db.query(`UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE ended_at IS NULL AND csrf = $1`, [old.csrf.value]);
    expect((await h.http.get('/incidents').set('Cookie', old.cookie).expect(401)).body.message).toMatch(/^the console session expired at /);
    const [closed] = await h.db.query(`SELECT actor, detail->>'tokenId' AS "tokenId" FROM audit_entries WHERE action = 'session.close'`);
    expect(closed).toEqual({ actor: 'cmd-1', tokenId: commander.token.slice(3, 19) });
  });

  it('revoking the token makes its cookies 401 at once, with the token reason, and ends every session of it', async () => {
    const token = await person('cmd-4', ['commander'], ['it-ops']);
    const [a, b] = [await signIn(token), await signIn(token)];
    await h.http.get('/incidents').set('Cookie', a.cookie).expect(200);
    const id = token.slice(3, 19);
    await revokeToken(h.db, id, 'test');
    expect((await h.http.get('/incidents').set('Cookie', a.cookie).expect(401)).body.message).toBe(`token ${id} was revoked: its console sessions have ended`);
    const open = await h.db.query(`SELECT count(*)::int AS n FROM console_sessions WHERE token_id = $1 AND ended_at IS NULL`, [id]);
    expect(open[0].n).toBe(0);
    await h.http.get('/incidents').set('Cookie', b.cookie).expect(401);
    // A revoked token cannot sign in again.
    expect((await h.http.post('/session').send({ token }).expect(401)).body.message).toBe(`token ${id} was revoked`);
  });

  it('neither a session secret, its CSRF value nor the token appears anywhere in the audit trail; session.open names the person, token id and address', async () => {
    const token = await person('aud-9', ['auditor']);
    const s = await signIn(token);
    await h.http.delete('/session').set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf.value).expect(204);
    const trail: string = (await h.db.query(`SELECT string_agg(actor || action || subject_type || subject_id || detail::text, ' ') AS t FROM audit_entries`))[0].t;
    for (const secret of [s.session.value, s.csrf.value, token.slice(token.indexOf('.') + 1)]) expect(trail).not.toContain(secret);
    const [opened] = await h.db.query(`SELECT actor, subject_type, detail FROM audit_entries WHERE action = 'session.open' AND actor = 'aud-9'`);
    expect(opened).toMatchObject({ actor: 'aud-9', subject_type: 'session', detail: { tokenId: token.slice(3, 19), ip: expect.stringMatching(/127\.0\.0\.1/) } });
  });

  describe('failed sign-ins', () => {
    let app: INestApplication;
    beforeAll(async () => {
      // Its own API with a limit of 3, so the count is not shared with the tests above.
      app = await createApp({ ...h.config, authFailures: { limit: 3, windowS: 3600 } }, { logger: false });
      await app.init();
    });
    afterAll(() => app?.close());

    it('a bad token is 401 and audited like a bad bearer token, and the failures count together: the fourth is 429', async () => {
      const http = request(app.getHttpServer());
      const [{ last }] = await h.db.query(`SELECT coalesce(max(id), 0) AS last FROM audit_entries`);
      const bad = `yj_00000000000000cc.${'B'.repeat(43)}`;
      const first = await http.post('/session').send({ token: bad }).expect(401);
      expect(first.body.message).toBe('the bearer token is not valid');
      await http.get('/incidents').set('Authorization', `Bearer ${bad}`).expect(401);
      await http.post('/session').send({ token: 'not-a-token' }).expect(401);
      const throttled = await http.post('/session').send({ token: bad }).expect(429);
      expect(throttled.headers['retry-after']).toBeDefined();
      // A valid token is never throttled.
      await http.post('/session').send({ token: commander.token }).expect(200);
      const rows = await h.db.query(`SELECT action, detail->>'reason' AS reason FROM audit_entries WHERE actor = 'anonymous' AND id > $1 ORDER BY id`, [last]);
      expect(rows).toEqual([
        { action: 'session.open', reason: 'the bearer token is not valid' },
        { action: 'incident.list', reason: 'the bearer token is not valid' },
        { action: 'session.open', reason: 'the bearer token is malformed' },
        { action: 'auth.throttle', reason: expect.stringMatching(/^more than 3 failed authentications from \S+ within 3600 s/) },
      ]);
    });
  });

  it('over HTTPS both cookies are also Secure', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-session-tls-'));
    const [certFile, keyFile] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
    const tls = await createApp({ ...h.config, apiTls: { certFile, keyFile } }, { logger: false });
    try {
      await tls.listen(0, '127.0.0.1');
      const res = await request(tls.getHttpServer()).post('/session').ca(fs.readFileSync(certFile)).send({ token: commander.token }).expect(200);
      const set = (res.headers['set-cookie'] as unknown as string[]).map((c) => parseSetCookie(c));
      expect(set.map((c) => [c.name, c.secure, c.httpOnly ?? false, c.sameSite])).toEqual([
        ['yingji_session', true, true, 'strict'],
        ['yingji_csrf', true, false, 'strict'],
      ]);
    } finally {
      await tls.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
