import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePlan } from '../plan/parse-plan';
import type { Plan } from '../plan/plan.types';
import { loadDirectory } from '../responsibility/directory';
import type { ComplianceFacts, DrillFact, PlanFact } from './compliance.types';
import { checkKey, runChecks } from './run-checks';
import { DEFAULT_THRESHOLDS, thresholdsFromEnv } from './thresholds';

const NOW = new Date('2026-12-01T12:00:00Z');
const DAY = 86_400_000;
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);
const ROOT = path.join(__dirname, '..', '..');

function shippedPlan(file: string): Plan {
  const r = parsePlan(fs.readFileSync(path.join(ROOT, 'plans', file), 'utf8'), { file, env: {} });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}
const dirText = fs.readFileSync(path.join(ROOT, 'plans', 'teams.example.yaml'), 'utf8');
const loaded = loadDirectory(dirText, { file: 'teams.example.yaml', env: {} });
if (!loaded.ok) throw new Error('directory');

const crash = shippedPlan('einvoice-db-crash.yaml');
const planFact = (over: Partial<PlanFact> = {}): PlanFact => ({
  id: crash.id, version: crash.version, title: crash.title, owner: crash.owner, publishedAt: daysAgo(100), firstPublishedAt: daysAgo(800), plan: crash, ...over,
});
const drill = (over: Partial<DrillFact> = {}): DrillFact => ({
  id: 'drill-1', planId: crash.id, planVersion: crash.version, mode: 'live-drill', startedAt: daysAgo(30), finishedAt: daysAgo(30), scoredAt: daysAgo(30),
  score: { total: 82, grade: '良好 Good' }, findings: 0, improvementItems: 0, rtoMs: 20 * 60_000, rpoMs: 10 * 60_000, ...over,
});

function facts(over: Partial<ComplianceFacts> = {}): ComplianceFacts {
  return {
    now: NOW,
    plans: [planFact()],
    drills: [drill()],
    improvementItems: [],
    backups: [{ id: 'bk-full', kind: 'full', takenAt: daysAgo(2), status: 'verified', keyId: 'k2' }],
    recoveryTests: [{ id: 'rt-1', startedAt: daysAgo(1), finishedAt: daysAgo(1), ok: true, error: null }],
    keyring: { currentKeyId: 'k2', keyIds: ['k1', 'k2'], currentKeyFirstUsedAt: daysAgo(100) },
    audit: { ok: true, entries: 42, oldestAt: daysAgo(50), retentionDays: 180, guards: [{ name: 'audit_entries_retention', enabled: true }, { name: 'audit_entries_no_truncate', enabled: true }] },
    access: { staleDays: 90, findings: [] },
    directory: { ok: true, file: 'teams.example.yaml', directory: loaded.ok ? loaded.directory : (undefined as never) },
    ...over,
  };
}
const check = (f: ComplianceFacts, id: string, t = DEFAULT_THRESHOLDS) => {
  const c = runChecks(f, t).checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
};

describe('compliance checks on arranged facts', () => {
  it('everything healthy: every check passes but the archive one, which Yingji cannot see', () => {
    const r = runChecks(facts(), DEFAULT_THRESHOLDS);
    expect(r.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id} ${c.status}`)).toEqual(['archives.retention unknown']);
    expect(r.summary).toEqual({ pass: r.checks.length - 1, fail: 0, unknown: 1 });
    for (const c of r.checks) {
      expect(c.evidence.length).toBeGreaterThan(0);
      expect(c.clause).not.toBe('');
    }
  });

  it('a plan drilled 13 months ago fails the drill check, naming the plan, the drill and its date', () => {
    const c = check(facts({ drills: [drill({ id: 'drill-old', mode: 'tabletop', startedAt: daysAgo(396), finishedAt: daysAgo(396) })] }), 'drills.in-time');
    expect(c).toMatchObject({ status: 'fail', subject: 'einvoice-db-crash', owner: 'it-ops', clause: expect.stringContaining('管理办法 Art. 33') });
    expect(c.evidence.join('\n')).toContain('einvoice-db-crash: last drilled 2025-10-31');
    expect(c.evidence.join('\n')).toMatch(/drill-old, tabletop\), more than 12 months ago/);
    expect(checkKey(c)).toBe('compliance:drills.in-time:einvoice-db-crash');
    // 11 months ago passes.
    expect(check(facts({ drills: [drill({ startedAt: daysAgo(335), finishedAt: daysAgo(335) })] }), 'drills.in-time').status).toBe('pass');
  });

  it('an on-site plan must be drilled every half year', () => {
    const t = thresholdsFromEnv({ YINGJI_COMPLIANCE_ONSITE_PLANS: 'einvoice-db-crash, other-plan' });
    const c = check(facts({ drills: [drill({ id: 'drill-7m', startedAt: daysAgo(213), finishedAt: daysAgo(213) })] }), 'drills.in-time', t);
    expect(c).toMatchObject({ status: 'fail', title: expect.stringContaining('every 6 months'), evidence: [expect.stringMatching(/drill-7m, live-drill\), more than 6 months ago \(before 2026-06-01\)$/)] });
    expect(() => thresholdsFromEnv({ YINGJI_COMPLIANCE_ONSITE_PLANS: 'Plan A' })).toThrow('YINGJI_COMPLIANCE_ONSITE_PLANS "Plan A": "Plan A" is not a plan id');
  });

  it('a plan never drilled is late only once its first year is over', () => {
    expect(check(facts({ drills: [], plans: [planFact({ firstPublishedAt: daysAgo(200) })] }), 'drills.in-time')).toMatchObject({ status: 'pass', evidence: [expect.stringMatching(/never drilled; first published .*first drill due by 2027-/)] });
    expect(check(facts({ drills: [], plans: [planFact({ firstPublishedAt: daysAgo(400) })] }), 'drills.in-time')).toMatchObject({ status: 'fail', evidence: [expect.stringMatching(/never drilled since it was first published 2025-10-27/)] });
  });

  it('a plan not evaluated for more than 3 years fails; a shorter setting tightens it', () => {
    const old = facts({ plans: [planFact({ publishedAt: new Date('2023-11-20T00:00:00Z') })], drills: [] });
    expect(check(old, 'plans.evaluated')).toMatchObject({ status: 'fail', evidence: ['einvoice-db-crash v4 published 2023-11-20', 'older than 3 years: due 2026-11-20'] });
    expect(check(facts(), 'plans.evaluated').status).toBe('pass');
    expect(check(facts(), 'plans.evaluated', thresholdsFromEnv({ YINGJI_COMPLIANCE_PLAN_REVIEW_YEARS: '1' })).status).toBe('pass');
    expect(check(facts({ plans: [planFact({ publishedAt: daysAgo(400) })] }), 'plans.evaluated', thresholdsFromEnv({ YINGJI_COMPLIANCE_PLAN_REVIEW_YEARS: '1' })).status).toBe('fail');
  });

  it('a drill that found problems must be followed by a new version within 90 days', () => {
    const found = (days: number) => facts({ drills: [drill({ id: 'drill-found', findings: 3, improvementItems: 2, startedAt: daysAgo(days), finishedAt: daysAgo(days) })], plans: [planFact({ publishedAt: daysAgo(200) })] });
    expect(check(found(91), 'plans.revised')).toMatchObject({ status: 'fail', evidence: expect.arrayContaining([expect.stringMatching(/drill drill-found .* found 3 problem\(s\), 91 days ago: no new version within 90 days/)]) });
    expect(check(found(30), 'plans.revised').status).toBe('pass');
  });

  it('plan content: a plan without review or notify steps names each missing element', () => {
    const hello = shippedPlan('hello-drill.yaml');
    const c = check(facts({ plans: [planFact({ id: hello.id, version: 1, plan: hello })], drills: [] }), 'plans.content');
    expect(c.status).toBe('fail');
    expect(c.evidence).toEqual(expect.arrayContaining(['MISSING 后期处置 aftermath (review.owner (复盘))', 'MISSING 响应分级 levels (at least two level rules)', 'has 应急处置 handle (a manual or automated step)']));
    expect(check(facts(), 'plans.content').status).toBe('pass');
  });

  it('a role whose team is not in the directory fails reachability, naming the role', () => {
    const renamed: Plan = { ...crash, roles: { ...crash.roles, dba: { team: 'database-admins' } } };
    const c = check(facts({ plans: [planFact({ plan: renamed })] }), 'plans.reachable');
    expect(c.status).toBe('fail');
    expect(c.evidence.join('\n')).toMatch(/role dba \(team database-admins\) reaches nobody/);
    expect(check(facts({ directory: { ok: false, file: 'teams.yaml', problems: ['teams.yaml:3:1 bad'] } }), 'plans.reachable')).toMatchObject({ status: 'fail', evidence: ['the team directory teams.yaml does not load:', 'teams.yaml:3:1 bad'] });
  });

  it('drills evaluated: an unscored drill, and findings without improvement items, fail naming the drill', () => {
    const c = check(facts({ drills: [drill({ id: 'drill-a', score: undefined, scoredAt: null }), drill({ id: 'drill-b', findings: 2, improvementItems: 0 })] }), 'drills.evaluated');
    expect(c.status).toBe('fail');
    expect(c.evidence).toEqual(expect.arrayContaining([expect.stringMatching(/drill drill-a .*no evaluation/), expect.stringMatching(/drill drill-b .*2 finding\(s\) but no improvement item recorded/)]));
    expect(check(facts({ drills: [drill({ findings: 2, improvementItems: 2 })] }), 'drills.evaluated').status).toBe('pass');
  });

  it('an improvement item past its due date is overdue until a newer plan version is published', () => {
    const item = { id: 'f-1', incidentId: 'drill-1', planId: crash.id, text: '补充备库切换步骤', owner: 'dba', dueDate: '2026-11-20', createdAt: daysAgo(40) };
    const c = check(facts({ improvementItems: [item] }), 'drills.improvements');
    expect(c).toMatchObject({ status: 'fail', evidence: expect.arrayContaining(['item f-1 of drill-1 for dba due 2026-11-20 is overdue: 补充备库切换步骤']) });
    expect(check(facts({ improvementItems: [{ ...item, dueDate: '2026-12-10' }] }), 'drills.improvements').status).toBe('pass');
    expect(check(facts({ improvementItems: [item], plans: [planFact({ publishedAt: daysAgo(10) })] }), 'drills.improvements').status).toBe('pass');
  });

  it('backups: an old full backup, no passed recovery test, a plain backup and an old key each fail with their evidence', () => {
    const f = facts({
      backups: [
        { id: 'bk-inc', kind: 'incremental', takenAt: daysAgo(1), status: 'completed', keyId: null },
        { id: 'bk-full-old', kind: 'full', takenAt: daysAgo(9), status: 'verified', keyId: 'k1' },
      ],
      recoveryTests: [{ id: 'rt-bad', startedAt: daysAgo(1), finishedAt: daysAgo(1), ok: false, error: 'digest mismatch' }, { id: 'rt-old', startedAt: daysAgo(8), finishedAt: daysAgo(8), ok: true, error: null }],
      keyring: { currentKeyId: 'k1', keyIds: ['k1'], currentKeyFirstUsedAt: daysAgo(400) },
    });
    expect(check(f, 'backups.full')).toMatchObject({ status: 'fail', owner: 'dba', evidence: [expect.stringMatching(/latest full backup bk-full-old taken .* \(9 days ago, verified\): older than 7 days/)] });
    expect(check(f, 'backups.recovery-test')).toMatchObject({ status: 'fail', evidence: [expect.stringMatching(/last passed recovery test rt-old on .* \(8 days ago\)/), expect.stringMatching(/rt-bad .* failed: digest mismatch/)] });
    expect(check(f, 'backups.encrypted')).toMatchObject({ status: 'fail', evidence: ['1 of 2 kept backups name the key they are encrypted under', expect.stringMatching(/backup bk-inc .* has no key id/)] });
    expect(check(f, 'backups.key-rotation')).toMatchObject({ status: 'fail', evidence: [expect.stringMatching(/current key k1 .*first wrote a backup .* 400 days ago: not rotated within 365 days/), expect.stringMatching(/no rotation of this key is recorded/)] });
    expect(check(facts({ backups: [] }), 'backups.full')).toMatchObject({ status: 'fail', evidence: ['no completed full backup in the catalog'] });
    expect(check(facts({ keyring: { error: 'no backup keys' } }), 'backups.key-rotation')).toMatchObject({ status: 'unknown' });
    expect(check(facts({ keyring: { currentKeyId: 'k3', keyIds: ['k2', 'k3'] } }), 'backups.key-rotation').status).toBe('pass');
    // A rotation recorded by rotateKeys dates the key, whatever backups it wrote since.
    const rotated = check(facts({ keyring: { currentKeyId: 'k1', keyIds: ['k1'], currentKeyRotatedAt: daysAgo(366), currentKeyFirstUsedAt: daysAgo(10) } }), 'backups.key-rotation');
    expect(rotated).toMatchObject({ status: 'fail', evidence: [expect.stringMatching(/current key k1 \(of k1\) was made current by rotateKeys 2025-11-30, 366 days ago: not rotated within 365 days/)] });
    expect(check(facts({}), 'backups.full').owner).toBe('dba');
    expect(check(facts({}), 'backups.full', thresholdsFromEnv({ YINGJI_COMPLIANCE_BACKUP_OWNER: 'it-ops' })).owner).toBe('it-ops');
  });

  it('audit and access: a broken chain, a short retention and each kind of access finding fail for security', () => {
    const f = facts({
      audit: { ok: false, entries: 10, brokenAt: { id: '7', reason: 'content does not match its hash' }, retentionDays: 30, guards: [{ name: 'audit_entries_retention', enabled: false }] },
      access: { staleDays: 90, findings: [
        { kind: 'stale', tokenId: 't1', person: 'li', basis: 'x', why: 'last used 2026-08-01: unused for 122 days (more than 90)' },
        { kind: 'expired-not-revoked', tokenId: 't2', person: 'sun', basis: 'x', why: 'expired 2026-11-01 and was never revoked' },
        { kind: 'admin-and-auditor', tokenId: 't3', person: 'chen', basis: 'x', why: 'chen holds both admin and auditor' },
      ] },
    });
    expect(check(f, 'audit.intact')).toMatchObject({ status: 'fail', owner: 'security', evidence: ['10 audit entries verified', 'broken at entry 7: content does not match its hash'] });
    expect(check(f, 'audit.retention')).toMatchObject({ status: 'fail', evidence: ['PostgreSQL keeps entries 30 days before any may be deleted (audit_retention), required 180'] });
    expect(check(f, 'audit.protected')).toMatchObject({ status: 'fail', evidence: ['PostgreSQL trigger audit_entries_retention DISABLED'] });
    expect(check(facts({ audit: { ok: true, entries: 0, guards: [] } }), 'audit.protected').evidence).toEqual(['no trigger guards audit_entries: entries can be changed or deleted']);
    expect(check(facts({ audit: { ok: true, entries: 0, guards: [] } }), 'audit.retention').status).toBe('fail');
    expect(check(f, 'access.stale').evidence).toEqual(['token t1 of li: last used 2026-08-01: unused for 122 days (more than 90)']);
    expect(check(f, 'access.expired').evidence).toEqual(['token t2 of sun: expired 2026-11-01 and was never revoked']);
    expect(check(f, 'access.separation')).toMatchObject({ status: 'fail', evidence: ['token t3 of chen: chen holds both admin and auditor'] });
    // Grants security kept in a recent review are left out, and the evidence says so.
    expect(check(facts({ access: { staleDays: 90, findings: [], kept: { count: 2, keepDays: 90 } } }), 'access.stale')).toMatchObject({
      status: 'pass',
      evidence: ['no stale grant among the tokens reviewed', '2 finding(s) left out: security kept those grants in an access review within 90 days'],
    });
  });

  it('DR level: below the required level fails naming the drill, no live drill is unknown', () => {
    const slow = facts({ drills: [drill({ id: 'drill-slow', rtoMs: 3 * 3_600_000, rpoMs: 2 * 3_600_000 })] });
    expect(check(slow, 'dr.level')).toMatchObject({ status: 'pass', evidence: ['level L2: the worst of the last 1 live drill(s)', expect.stringMatching(/^drill drill-slow of einvoice-db-crash \(2026-11-01\): RTO 3.0 h, RPO 2.0 h: L2/)] });
    expect(check(slow, 'dr.level', thresholdsFromEnv({ YINGJI_COMPLIANCE_DR_MIN_LEVEL: '5' }))).toMatchObject({ status: 'fail', owner: 'it-ops' });
    expect(check(facts({ drills: [drill({ id: 'drill-down', rtoMs: undefined })] }), 'dr.level')).toMatchObject({ status: 'fail', evidence: ['below L1: the worst of the last 1 live drill(s)', expect.stringMatching(/service was not restored$/)] });
    expect(check(facts({ drills: [drill({ mode: 'tabletop' })] }), 'dr.level')).toMatchObject({ status: 'unknown', evidence: [expect.stringMatching(/^no scored live drill since 2025-12-01: nothing measured$/)] });
  });

  it('refuses a bad threshold setting, naming the variable', () => {
    expect(() => thresholdsFromEnv({ YINGJI_COMPLIANCE_DRILL_MONTHS: 'yearly' })).toThrow('YINGJI_COMPLIANCE_DRILL_MONTHS "yearly" must be a whole number above zero, e.g. 12');
    expect(() => thresholdsFromEnv({ YINGJI_COMPLIANCE_DR_MIN_LEVEL: '7' })).toThrow(/1 to 6/);
    expect(() => thresholdsFromEnv({ YINGJI_COMPLIANCE_SECURITY_OWNER: 'Sec Team' })).toThrow(/YINGJI_COMPLIANCE_SECURITY_OWNER/);
    expect(thresholdsFromEnv({ YINGJI_COMPLIANCE_DRILL_MONTHS: '6' }).drillMonths).toBe(6);
  });
});
