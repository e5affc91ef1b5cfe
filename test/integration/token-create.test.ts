// `yingji token create`, run in this process against the test database: a token names only teams
// of the team directory and lives more than nothing and at most a year. Refusals write nothing.
import { tokenCommands } from '../../apps/cli/src/token-commands';
import { Harness, startHarness } from './support/harness';

describe('yingji token create', () => {
  let h: Harness;
  const savedDatabaseUrl = process.env.DATABASE_URL;

  beforeAll(async () => {
    h = await startHarness();
    // The CLI reads its configuration (database, team directory) from the environment, as in use.
    process.env.DATABASE_URL = h.processEnv.DATABASE_URL;
    delete process.env.YINGJI_DIRECTORY;
  });
  afterAll(async () => {
    if (savedDatabaseUrl === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = savedDatabaseUrl;
    await h?.close();
  });

  const rows = async () => {
    const [tokens] = await h.db.query(`SELECT count(*)::int AS n FROM api_tokens`);
    const [audits] = await h.db.query(`SELECT count(*)::int AS n FROM audit_entries WHERE action = 'token.create'`);
    return { tokens: tokens.n as number, audits: audits.n as number };
  };

  /** Runs `yingji token create <args>`; resolves with what it printed, rejects with its error. */
  async function create(...args: string[]): Promise<string> {
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await tokenCommands().exitOverride().parseAsync(['create', '--person', 'test-person', '--by', 'test', ...args], { from: 'user' });
      return out.join('\n');
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  }

  it('refuses a team that is not in the team directory, suggesting the nearest, and writes nothing', async () => {
    const before = await rows();
    await expect(create('--role', 'responder', '--team', 'no-such-team')).rejects.toThrow(
      'unknown team "no-such-team": --team must be a team of the team directory ("it-ops", "dba", "tax-sync", "finance", "security", "legal", "app-dev", "service-desk" and "management")',
    );
    await expect(create('--role', 'responder', '--team', 'dba', '--team', 'db-a')).rejects.toThrow(/^unknown team "db-a" \(did you mean "dba"\?\): --team must be a team of the team directory/);
    expect(await rows()).toEqual(before);
  });

  it('refuses a zero, negative or longer-than-a-year --expires, naming it', async () => {
    const before = await rows();
    await expect(create('--role', 'auditor', '--expires', '0s')).rejects.toThrow('--expires "0s" must be longer than zero, e.g. 12h or 30d');
    await expect(create('--role', 'auditor', '--expires', '0d')).rejects.toThrow('--expires "0d" must be longer than zero, e.g. 12h or 30d');
    await expect(create('--role', 'auditor', '--expires=-1d')).rejects.toThrow('--expires "-1d" must be longer than zero, e.g. 12h or 30d');
    await expect(create('--role', 'auditor', '--expires', '366d')).rejects.toThrow('--expires "366d" is longer than the maximum of 365d; issue a new token when this one runs out');
    await expect(create('--role', 'auditor', '--expires', '9999999h')).rejects.toThrow('--expires "9999999h" is longer than the maximum of 365d');
    expect(await rows()).toEqual(before);
  });

  it('issues a token for directory teams that lives up to 365 days, and it works', async () => {
    const before = await rows();
    const token = await create('--role', 'responder', '--team', 'dba', '--team', 'finance', '--expires', '365d');
    expect(token).toMatch(/^yj_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    expect(await rows()).toEqual({ tokens: before.tokens + 1, audits: before.audits + 1 });
    const [row] = await h.db.query(`SELECT teams, expires_at FROM api_tokens WHERE id = $1`, [token.slice(3, 19)]);
    expect(row.teams).toEqual(['dba', 'finance']);
    const days = (new Date(row.expires_at).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364.9);
    expect(days).toBeLessThanOrEqual(365);
    await h.http.get('/incidents').set('Authorization', `Bearer ${token}`).expect(200);
  });
});
