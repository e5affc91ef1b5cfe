import { issueToken } from '../../apps/api/src/auth/token-store';
import { accessCommands } from '../../apps/cli/src/access-commands';
import { As, Harness, startHarness } from './support/harness';

// The access review on arranged tokens (backdated in PostgreSQL): exactly the stale, expired and
// over-privileged grants, none for the healthy ones; only auditors and admins may see it; and a
// real call with a token records when it was last used.
describe('access review', () => {
  let h: Harness;
  let auditor: As;
  const ids: Record<string, string> = {};

  /** Issues a token and backdates its dates (in days from now; null leaves it never used). */
  async function arrange(name: string, person: string, roles: string[], teams: string[], days: { created: number; lastUsed: number | null; expires: number; revoked?: number }) {
    const { info } = await issueToken(h.db, { person, roles, teams, createdBy: 'test' });
    await h.db.query(
      `UPDATE api_tokens SET created_at = now() + make_interval(days => $2), last_used_at = CASE WHEN $3::int IS NULL THEN NULL ELSE now() + make_interval(days => $3::int) END,
              expires_at = now() + make_interval(days => $4), revoked_at = CASE WHEN $5::int IS NULL THEN NULL ELSE now() + make_interval(days => $5::int) END
        WHERE id = $1`,
      [info.id, days.created, days.lastUsed, days.expires, days.revoked ?? null],
    );
    ids[name] = info.id;
  }

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    await arrange('healthy', 'wang', ['commander'], ['it-ops'], { created: -100, lastUsed: -2, expires: 200 });
    await arrange('idle', 'li', ['responder'], ['dba'], { created: -200, lastUsed: -120, expires: 100 });
    await arrange('never', 'zhao', ['manager'], ['management'], { created: -95, lastUsed: null, expires: 200 });
    await arrange('edge', 'qian', ['responder'], ['dba'], { created: -200, lastUsed: -89, expires: 100 });
    await arrange('lapsed', 'sun', ['responder'], ['dba'], { created: -40, lastUsed: -35, expires: -5 });
    await arrange('revoked', 'zhou', ['admin'], [], { created: -300, lastUsed: -250, expires: -10, revoked: -20 });
    await arrange('boss-admin', 'chen', ['admin'], [], { created: -10, lastUsed: -1, expires: 20 });
    await arrange('boss-audit', 'chen', ['auditor'], [], { created: -10, lastUsed: -1, expires: 20 });
    auditor = await h.as('aud-1', ['auditor']);
  });
  const savedDatabaseUrl = process.env.DATABASE_URL;
  afterAll(async () => {
    if (savedDatabaseUrl === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = savedDatabaseUrl;
    await h?.close();
  });

  const review = async () => (await auditor.get('/access/review').expect(200)).body;

  it('lists exactly the stale, expired-not-revoked and admin-and-auditor grants', async () => {
    const r = await review();
    const found = r.findings.map((f: { kind: string; tokenId: string; person: string }) => `${f.kind} ${f.tokenId} ${f.person}`).sort();
    expect(found).toEqual(
      [
        `admin-and-auditor ${ids['boss-admin']} chen`,
        `admin-and-auditor ${ids['boss-audit']} chen`,
        `expired-not-revoked ${ids.lapsed} sun`,
        `stale ${ids.idle} li`,
        `stale ${ids.never} zhao`,
      ].sort(),
    );
    const never = r.findings.find((f: { tokenId: string }) => f.tokenId === ids.never);
    expect(never.why).toMatch(/^never used since it was issued \d{4}-\d\d-\d\d: unused for 95 days \(more than 90\)$/);
    expect(r.staleDays).toBe(90);
    // Every person and token is listed, with their roles, teams and last use.
    expect(r.people.map((p: { person: string }) => p.person)).toEqual(['aud-1', 'chen', 'li', 'qian', 'sun', 'wang', 'zhao', 'zhou']);
    expect(r.people.find((p: { person: string }) => p.person === 'chen')).toMatchObject({ roles: ['admin', 'auditor'], teams: [], tokens: [ids['boss-admin'], ids['boss-audit']] });
    const idle = r.tokens.find((t: { id: string }) => t.id === ids.idle);
    expect(idle).toMatchObject({ person: 'li', roles: ['responder'], teams: ['dba'] });
    expect((Date.now() - Date.parse(idle.lastUsedAt)) / 86_400_000).toBeCloseTo(120, 0);
    expect(JSON.stringify(r)).not.toMatch(/secret/i);
  });

  /** Runs `yingji access review <args>` in this process against the test database; what it printed. */
  async function cli(...args: string[]): Promise<string> {
    process.env.DATABASE_URL = h.processEnv.DATABASE_URL;
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    try {
      await accessCommands().exitOverride().parseAsync(['review', ...args], { from: 'user' });
      return out.join('\n');
    } finally {
      log.mockRestore();
    }
  }

  it('yingji access review prints every token and the same findings as the API', async () => {
    const text = await cli();
    for (const id of Object.values(ids)) expect(text).toContain(id);
    expect(text).toContain('5 finding(s):');
    expect(text).toMatch(new RegExp(`stale +${ids.idle}  li: last used \\d{4}-\\d\\d-\\d\\d: unused for 120 days \\(more than 90\\)`));
    expect(text).toMatch(new RegExp(`expired-not-revoked +${ids.lapsed}  sun: expired`));
    const json = JSON.parse(await cli('--json'));
    expect(json.findings).toEqual((await review()).findings);
  });

  it('is closed to a responder (403)', async () => {
    const responder = await h.as('resp-1', ['responder'], ['dba']);
    const res = await responder.get('/access/review').expect(403);
    expect(JSON.stringify(res.body)).toMatch(/auditor|admin/);
  });

  it('records a real call as the token last use, at most once a minute', async () => {
    const commander = await h.as('cmd-1', ['commander'], ['it-ops']);
    const id = /^yj_([0-9a-f]{16})\./.exec(commander.token)![1];
    const lastUsed = async () => (await review()).tokens.find((t: { id: string }) => t.id === id).lastUsedAt as string | null;
    expect(await lastUsed()).toBeNull();
    await commander.get('/incidents').expect(200);
    const first = await lastUsed();
    expect(first).not.toBeNull();
    expect(Math.abs(Date.now() - Date.parse(first!))).toBeLessThan(60_000);
    // Within the minute a further call writes nothing; after it, the next call moves the time on.
    await h.db.query(`UPDATE api_tokens SET last_used_at = now() - interval '30 seconds' WHERE id = $1`, [id]);
    const halfMinute = await lastUsed();
    await commander.get('/incidents').expect(200);
    expect(await lastUsed()).toBe(halfMinute);
    await h.db.query(`UPDATE api_tokens SET last_used_at = now() - interval '10 minutes' WHERE id = $1`, [id]);
    const tenMinutes = await lastUsed();
    await commander.get('/incidents').expect(200);
    expect(Date.parse((await lastUsed())!)).toBeGreaterThan(Date.parse(tenMinutes!));
  });
});
