import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { complianceReport } from '../../activities/compliance/compliance-report';
import { generateKeyFile } from '../../activities/backup/keys/keyring';
import { complianceCommands } from '../../apps/cli/src/compliance-commands';
import { chromiumMissingMessage, findChromium, screenshotReport } from '../../apps/shared/chromium';
import { COMPLIANCE_SCHEDULE, ensureComplianceSchedule } from '../../apps/shared/schedules';
import { As, eventually, Harness, startHarness } from './support/harness';

type Check = { id: string; subject?: string; status: string; owner: string; evidence: string[]; clause: string };

// Compliance on arranged data in a real database: a plan last drilled 13 months ago fails the
// drill check naming the plan and the date; a fresh full backup and a passed recovery test pass;
// the API, the CLI and the HTML page say the same; the schedule's workflow opens a routine task
// for the failing check's owner and closes it once the check passes again.
describe('compliance checks', () => {
  let h: Harness;
  let auditor: As;
  const savedEnv = { DATABASE_URL: process.env.DATABASE_URL, YINGJI_BACKUP_KEY: process.env.YINGJI_BACKUP_KEY, YINGJI_BACKUP_KEYS_FILE: process.env.YINGJI_BACKUP_KEYS_FILE };
  const ago = (days: number) => new Date(Date.now() - days * 86_400_000);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const drilledAt = ago(396); // 13 months ago
  /** The same day 12 calendar months back, as the check counts. */
  const monthsAgo12 = () => {
    const now = new Date();
    const d = new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth(), 1));
    d.setUTCDate(Math.min(now.getUTCDate(), new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()));
    return d;
  };

  /** A drill of the plan as the drill activities leave it: its incident, then the scored drill. */
  async function arrangeDrill(id: string, planId: string, version: number, at: Date, mode: 'tabletop' | 'live-drill' = 'tabletop') {
    await h.db.query(
      `INSERT INTO incidents (id, plan_id, plan_version, title, mode, state, stage, launched_by, opened_at, closed_at, updated_at)
       VALUES ($1, $2, $3, 'drill', $4, 'closed', 'closed', 'test', $5, $5, $5)`,
      [id, planId, version, mode, at],
    );
    await h.db.query(
      `INSERT INTO drills (id, plan_id, plan_version, mode, state, started_at, scored_at, finished_at, score, facts, created_by)
       VALUES ($1, $2, $3, $4, 'finished', $5, $5, $5, $6, $7, 'test')`,
      [id, planId, version, mode, at, JSON.stringify({ total: 80, grade: '良好 Good' }), JSON.stringify({ rtoMs: 20 * 60_000, loss: { total: 0, p0: 0, byClass: {}, windowMs: 0 } })],
    );
  }

  beforeAll(async () => {
    delete process.env.YINGJI_BACKUP_KEYS_FILE;
    process.env.YINGJI_BACKUP_KEY = `k7:${randomBytes(32).toString('base64')}`;
    h = await startHarness();
    await h.publishPlan('einvoice-db-crash.yaml');
    await arrangeDrill('drill-20251030-old', 'einvoice-db-crash', 4, drilledAt);
    // A fresh full backup under the current key, and a recovery test that passed today.
    await h.db.query(
      `INSERT INTO backup_catalog (id, kind, taken_at, point_in_time, status, key_id, location, created_by)
       VALUES ('bk-fresh-full', 'full', now() - interval '1 hour', now() - interval '1 hour', 'verified', 'k7', 'test', 'test')`,
    );
    await h.db.query(`INSERT INTO recovery_tests (id, started_at, finished_at, ok) VALUES ('rt-today', now() - interval '30 minutes', now() - interval '20 minutes', true)`);
    auditor = await h.as('aud-1', ['auditor']);
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await h?.temporal.schedule.getHandle(COMPLIANCE_SCHEDULE).delete().catch(() => undefined);
    await h?.close();
  });

  const report = async () => (await auditor.get('/compliance').expect(200)).body as { checks: Check[]; summary: Record<string, number>; dr: { level: number | null } };
  const find = (checks: Check[], id: string, subject?: string) => checks.find((c) => c.id === id && c.subject === subject)!;

  it('a plan drilled 13 months ago fails the yearly drill check, naming the plan, the drill and its date', async () => {
    const c = find((await report()).checks, 'drills.in-time', 'einvoice-db-crash');
    expect(c).toMatchObject({ status: 'fail', owner: 'it-ops', clause: '生产安全事故应急预案管理办法 Art. 33; GB/T 38645-2020 App. A' });
    expect(c.evidence).toEqual([`einvoice-db-crash: last drilled ${day(drilledAt)} (drill-20251030-old, tabletop), more than 12 months ago (before ${day(monthsAgo12())})`]);
  });

  it('a fresh full backup, a passed recovery test and the current key pass, naming what they looked at', async () => {
    const checks = (await report()).checks;
    expect(find(checks, 'backups.full')).toMatchObject({ status: 'pass', owner: 'dba', evidence: [expect.stringMatching(/^latest full backup bk-fresh-full taken \d{4}-\d\d-\d\d \(0 days ago, verified\)$/)] });
    expect(find(checks, 'backups.recovery-test')).toMatchObject({ status: 'pass', evidence: [expect.stringMatching(/^last passed recovery test rt-today on .* \(0 days ago\)$/)] });
    expect(find(checks, 'backups.encrypted')).toMatchObject({ status: 'pass', evidence: ['1 of 1 kept backups name the key they are encrypted under'] });
    expect(find(checks, 'backups.key-rotation')).toMatchObject({ status: 'pass', evidence: [expect.stringMatching(/^current key k7 \(of k7\) first wrote a backup .*, 0 days ago$/), expect.any(String)] });
    // The plan itself was published today and its roles reach people in the example directory.
    expect(find(checks, 'plans.evaluated', 'einvoice-db-crash').status).toBe('pass');
    expect(find(checks, 'plans.reachable', 'einvoice-db-crash').status).toBe('pass');
    expect(find(checks, 'audit.intact')).toMatchObject({ status: 'pass', owner: 'security' });
    // What PostgreSQL itself enforces on the audit trail.
    expect(find(checks, 'audit.protected')).toMatchObject({ status: 'pass', evidence: ['PostgreSQL trigger audit_entries_no_truncate enabled', 'PostgreSQL trigger audit_entries_retention enabled'] });
    expect(find(checks, 'audit.retention')).toMatchObject({ status: 'pass', evidence: ['PostgreSQL keeps entries 180 days before any may be deleted (audit_retention), required 180'] });
  });

  it("reads the stack's own backup key file when no key is in the environment, and never makes one", async () => {
    const env = { ...process.env, YINGJI_BACKUP_KEY: undefined, YINGJI_BACKUP_KEYS_FILE: undefined };
    const stack = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-data-'));
    const rotation = async (dataDir: string) => find((await complianceReport(h.db, { directoryFile: h.config.directoryFile, dataDir, env })).checks, 'backups.key-rotation');
    expect(await rotation(stack)).toMatchObject({ status: 'unknown', evidence: [expect.stringContaining('backup-keys.json: cannot read it')] });
    expect(fs.readdirSync(stack)).toEqual([]);
    generateKeyFile(path.join(stack, 'backup-keys.json'), 'stack-key');
    expect((await rotation(stack)).evidence[0]).toMatch(/^current key stack-key \(of stack-key\)/);
  });

  it('GET /compliance, yingji compliance and the HTML report agree', async () => {
    process.env.DATABASE_URL = h.processEnv.DATABASE_URL;
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    const html = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-')), 'report.html');
    const run = async (...args: string[]) => {
      out.length = 0;
      await complianceCommands().exitOverride().parseAsync(args, { from: 'user' });
      return out.join('\n');
    };
    let json: { checks: Check[] };
    let text: string;
    let exitCode: typeof process.exitCode;
    const exitBefore = process.exitCode;
    try {
      json = JSON.parse(await run('--json'));
      text = await run('--html', html);
      exitCode = process.exitCode;
    } finally {
      log.mockRestore();
      process.exitCode = exitBefore;
    }
    expect(exitCode).toBe(1); // a check fails here, so the CLI exits 1
    const api = await report();
    const shape = (cs: Check[]) => cs.map((c) => `${c.status} ${c.id} ${c.subject ?? '-'} ${c.owner} ${c.evidence.join(' | ')}`);
    expect(shape(json.checks)).toEqual(shape(api.checks));
    expect(text).toMatch(/^FAIL +drills\.in-time +einvoice-db-crash +it-ops /m);
    expect(text).toContain(`einvoice-db-crash: last drilled ${day(drilledAt)} (drill-20251030-old, tabletop)`);
    expect(text).toMatch(/^PASS +backups\.full /m);
    expect(text).toContain(`${api.summary.pass} pass, ${api.summary.fail} fail, ${api.summary.unknown} unknown; DR level (GB/T 20988) from live drills: not measured`);
    const page = fs.readFileSync(html, 'utf8');
    expect(page).toContain(`<b id="count-fail">${api.summary.fail}</b>`);
    expect(page).toMatch(/<tr data-check="drills.in-time" data-subject="einvoice-db-crash">/);
    expect(page).toContain('<svg id="areas"');
    expect(page).not.toMatch(/<script|https?:\/\/|<link /);
    // A real headless Chromium, offline, shows what a manager reads first (test-artifacts/compliance-report.png).
    if (!findChromium()) throw new Error(chromiumMissingMessage());
    const shot = await screenshotReport(page, path.join(__dirname, '..', '..', 'test-artifacts', 'compliance-report.png'), ['#count-fail', '#dr-level', '#areas', '#areas rect.fail[data-area="drills"]', 'tr[data-check="drills.in-time"]']);
    expect(shot).toEqual({ visible: { '#count-fail': true, '#dr-level': true, '#areas': true, '#areas rect.fail[data-area="drills"]': true, 'tr[data-check="drills.in-time"]': true }, blocked: [] });
    const served = await auditor.get('/compliance/report').expect(200);
    expect(served.headers['content-type']).toMatch(/^text\/html/);
    expect(served.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect(served.text).toContain('data-check="drills.in-time" data-subject="einvoice-db-crash"');
  });

  it('managers may read it; responders may not (403)', async () => {
    await (await h.as('mgr-1', ['manager'], ['management'])).get('/compliance').expect(200);
    const res = await (await h.as('resp-1', ['responder'], ['dba'])).get('/compliance').expect(403);
    expect(JSON.stringify(res.body)).toMatch(/auditor|admin|manager/);
  });

  it("the schedule's workflow opens a routine task for the failing check's owner, and closes it when the check passes", async () => {
    const key = 'compliance:drills.in-time:einvoice-db-crash';
    const tasks = async () => (await h.db.query(`SELECT key, team, state, detail, outcome, closed_by, EXTRACT(EPOCH FROM due_at - opened_at)::float / 86400 AS due_days FROM routine_tasks WHERE kind = 'compliance' ORDER BY opened_at, id`)) as Array<{ key: string; team: string; state: string; detail: { checkId: string; evidence: string[] }; outcome: string | null; closed_by: string | null; due_days: number }>;
    const runOnce = (n: number) => h.temporal.workflow.execute('complianceCheck', { taskQueue: h.config.taskQueue, workflowId: `compliance-test-${n}-${randomBytes(3).toString('hex')}`, args: [] });

    // `yingji up` schedules it daily; the schedule's run opens the task.
    expect(await ensureComplianceSchedule(h.temporal, h.config)).toBe('created');
    expect(await ensureComplianceSchedule(h.temporal, h.config)).toBe('exists');
    const schedule = h.temporal.schedule.getHandle(COMPLIANCE_SCHEDULE);
    const desc = await schedule.describe();
    expect(desc.action).toMatchObject({ type: 'startWorkflow', workflowType: 'complianceCheck', taskQueue: h.config.taskQueue });
    expect(desc.spec.intervals?.[0].every).toBe(24 * 60 * 60 * 1000);
    await schedule.trigger();
    const open = await eventually('the routine task of the scheduled run', async () => (await tasks()).find((t) => t.key === key));
    expect(open).toMatchObject({ team: 'it-ops', state: 'open', detail: { checkId: 'drills.in-time', subject: 'einvoice-db-crash', clause: expect.stringContaining('Art. 33') } });
    expect(Math.round(open.due_days)).toBe(14); // YINGJI_COMPLIANCE_TASK_DUE_DAYS
    expect(open.detail.evidence[0]).toContain(`last drilled ${day(drilledAt)} (drill-20251030-old, tabletop)`);
    // The owner's team sees it among its routine tasks; another team does not.
    const itOps = await h.as('resp-it', ['responder'], ['it-ops']);
    const mine = (await itOps.get('/routine-tasks?state=open').expect(200)).body as Array<{ key: string; team: string; title: string }>;
    expect(mine.find((t) => t.key === key)).toMatchObject({ team: 'it-ops', title: expect.stringMatching(/^合规检查不通过 Compliance check failing: .*Drilled at least every 12 months — einvoice-db-crash$/) });
    const dba = (await (await h.as('resp-dba', ['responder'], ['dba'])).get('/routine-tasks?state=open').expect(200)).body as Array<{ key: string }>;
    expect(dba.map((t) => t.key)).not.toContain(key);
    // Passing checks open nothing: no task for the backups.
    expect((await tasks()).map((t) => t.key)).not.toContain('compliance:backups.full');

    // A second run while it still fails keeps the one task.
    const second = (await runOnce(2)) as { opened: string[] };
    expect(second.opened).not.toContain(key);
    expect((await tasks()).filter((t) => t.key === key)).toHaveLength(1);

    // The plan is drilled today: the next run closes the task, saying why.
    await arrangeDrill('drill-today', 'einvoice-db-crash', 4, new Date(), 'live-drill');
    const third = (await runOnce(3)) as { closed: string[] };
    expect(third.closed).toEqual([key]);
    const closed = (await tasks()).find((t) => t.key === key)!;
    expect(closed).toMatchObject({ state: 'closed', closed_by: 'yingji' });
    expect(closed.outcome).toMatch(/^the check passes again \(run compliance-test-3-\w+\): einvoice-db-crash: last drilled \d{4}-\d\d-\d\d \(drill-today, live-drill\)/);
  });

  it("the live drill's measured RTO (20 min) and RPO (nothing lost) give DR level L6, named with the drill", async () => {
    const r = await report();
    expect(r.dr.level).toBe(6);
    expect(find(r.checks, 'dr.level')).toMatchObject({
      status: 'pass',
      owner: 'it-ops',
      evidence: ['level L6: the worst of the last 1 live drill(s)', `drill drill-today of einvoice-db-crash (${day(new Date())}): RTO 20 min, RPO 0: L6 (RTO minutes, RPO 0)`],
    });
  });
});
