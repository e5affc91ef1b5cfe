import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { loadDirectory } from './directory';
import type { TeamDirectory } from './directory';
import { checkReachability } from './reachability';
import type { RoleReach } from './reachability';
import { formatProblem, parsePlan } from '../plan/parse-plan';
import type { Plan } from '../plan/plan.types';

const plansDir = join(__dirname, '..', '..', 'plans');

function example(): TeamDirectory {
  const res = loadDirectory(readFileSync(join(plansDir, 'teams.example.yaml'), 'utf8'), { file: 'teams.example.yaml' });
  if (!res.ok) throw new Error(res.problems.map(formatProblem).join('\n'));
  return res.directory;
}
function plan(file: string): Plan {
  const res = parsePlan(readFileSync(join(plansDir, file), 'utf8'), { file });
  if (!res.ok) throw new Error(res.problems.map(formatProblem).join('\n'));
  return res.plan;
}
const roleOf = (roles: RoleReach[], role: string, team?: string): RoleReach => {
  const r = roles.find((x) => x.role === role && (team === undefined || x.team === team));
  if (!r) throw new Error(`no role ${role} ${team ?? ''}`);
  return r;
};
const shippedPlans = readdirSync(plansDir).filter((f) => f.endsWith('.yaml') && !f.startsWith('teams'));

describe('checkReachability', () => {
  let dir: TeamDirectory;
  beforeEach(() => {
    dir = example();
  });

  it.each(shippedPlans)('%s reaches every role at every level with the example directory', (file) => {
    const report = checkReachability(plan(file), dir);
    expect(report.unreachable).toEqual([]);
    expect(report.roles.length).toBeGreaterThan(0);
    for (const r of report.roles) expect(r.people.some((p) => p.channels.length > 0)).toBe(true);
  });

  it('resolves each role to people and the plan channels they are reachable on', () => {
    const report = checkReachability(plan('einvoice-db-crash.yaml'), dir, 'II');
    expect(report.levels).toEqual(['II']);
    expect(report.channels).toEqual(['email', 'wecom']);
    const commander = roleOf(report.roles, 'commander');
    expect(commander).toMatchObject({ team: 'it-ops', selectedBy: 'commander', reachable: true, planAddresses: { email: ['ops-oncall@example.com'] } });
    expect(commander.people.map((p) => [p.id, p.channels])).toEqual([
      ['zhang-wei', ['email', 'wecom']],
      ['li-na', ['email', 'wecom']],
    ]);
    // gao-peng (dba) is on leave: named with why, while the role still reaches two people.
    const dba = roleOf(report.roles, 'dba');
    expect(dba.people.find((p) => p.id === 'gao-peng')).toEqual({ id: 'gao-peng', name: '高鹏 Gao Peng', channels: [], why: 'unavailable (available: false)' });
    expect(report.warnings.map((w) => w.message)).toContain('gao-peng (高鹏 Gao Peng) in role "dba" cannot be reached: unavailable (available: false)');
    // owner-lead is the lead of each step owner's team that escalation may call.
    expect(roleOf(report.roles, 'owner-lead', 'dba')).toMatchObject({ selectedBy: 'lead', reachable: true });
    expect(roleOf(report.roles, 'owner-lead', 'dba').people.map((p) => p.id)).toEqual(['chen-jing']);
    expect(roleOf(report.roles, 'management').people.map((p) => p.id)).toEqual(['luo-xin', 'song-yu']);
  });

  it('names a role whose team has nobody available, and each person with why', () => {
    dir.people['chen-jing'].available = false;
    dir.people['liu-yang'].available = false;
    const report = checkReachability(plan('einvoice-db-crash.yaml'), dir, 'II');
    expect(report.unreachable).toEqual([
      {
        role: 'dba',
        team: 'dba',
        message: 'role "dba" (team dba) reaches nobody: chen-jing unavailable (available: false); liu-yang unavailable (available: false); gao-peng unavailable (available: false)',
      },
      { role: 'owner-lead', team: 'dba', message: 'role "owner-lead" (team dba) reaches nobody: chen-jing unavailable (available: false)' },
    ]);
  });

  it('warns about a channel the plan names that nobody in a role has', () => {
    // tell-finance goes to finance on email and wecom; only wu-gang has wecom.
    delete dir.people['wu-gang'].contacts.wecom;
    const report = checkReachability(plan('einvoice-db-crash.yaml'), dir, 'II');
    expect(report.unreachable).toEqual([]);
    expect(roleOf(report.roles, 'finance').gaps).toEqual(['wecom']);
    expect(report.warnings).toContainEqual({ role: 'finance', team: 'finance', channel: 'wecom', message: 'nobody in role "finance" (team finance) can be reached on wecom' });
  });

  it('says which contacts a person has when none is on the role channels', () => {
    dir.people['zhou-li'].contacts = { phone: '+86 10 5555 0108' };
    dir.people['wu-gang'].contacts = { slack: 'wugang' };
    const report = checkReachability(plan('einvoice-db-crash.yaml'), dir, 'II');
    // The plan's own mailbox for finance takes messages, but nobody can take a task or acknowledge.
    expect(roleOf(report.roles, 'finance')).toMatchObject({ reachable: false, planAddresses: { email: ['finance@example.com'] } });
    expect(report.unreachable.map((u) => u.message)).toContain(
      'role "finance" (team finance) reaches nobody: zhou-li has no contact for email or wecom, only phone; wu-gang has no contact for email or wecom, only slack',
    );
    dir.people['wu-gang'].contacts = { email: 'wu.gang@example.com' };
    const again = checkReachability(plan('einvoice-db-crash.yaml'), dir, 'II');
    expect(again.unreachable).toEqual([]);
    expect(again.warnings.map((w) => w.message)).toEqual(
      expect.arrayContaining(['zhou-li (周丽 Zhou Li) in role "finance" cannot be reached: has no contact for email or wecom, only phone', 'nobody in role "finance" (team finance) can be reached on wecom']),
    );
  });

  it('counts a mobile phone for SMS and says why a landline does not', () => {
    const p = plan('einvoice-missing-invoices.yaml');
    expect(roleOf(checkReachability(p, dir, 'IV').roles, 'tax').gaps).toEqual(['sms']);
    dir.people['sun-hao'].contacts.phone = '13800138000';
    expect(roleOf(checkReachability(p, dir, 'IV').roles, 'tax').people.find((x) => x.id === 'sun-hao')?.channels).toEqual(['email', 'sms']);
    dir.people['zhou-li'].contacts = { phone: '+86 10 5555 0108' };
    dir.people['wu-gang'].contacts = { phone: '+86 10 5555 0109' };
    const finance = roleOf(checkReachability({ ...p, notify: { channels: { sms: {} } } }, dir, 'IV').roles, 'finance');
    expect(finance.people[0].why).toBe('has no contact for sms, only phone (phone +86 10 5555 0108 is not a mobile, so no SMS)');
  });

  it('names a team missing from the directory, with a suggestion, and a team role nobody holds', () => {
    dir.teams['tax-synk'] = dir.teams['tax-sync'];
    delete dir.teams['tax-sync'];
    dir.teams['it-ops'].roles = {};
    const report = checkReachability(plan('einvoice-db-crash.yaml'), dir, 'I');
    expect(report.unreachable.map((u) => u.message)).toEqual([
      'role "commander" (team it-ops) reaches nobody: nobody in team "it-ops" holds the role "commander"',
      'role "tax" (team tax-sync) reaches nobody: team "tax-sync" is not in the team directory (did you mean "tax-synk"?)',
      'role "owner-lead" (team tax-sync) reaches nobody: team "tax-sync" is not in the team directory (did you mean "tax-synk"?)',
    ]);
  });

  it('counts any contact when the plan names no channel at all', () => {
    const report = checkReachability(plan('hello-drill.yaml'), dir);
    expect(report.channels).toEqual([]);
    expect(roleOf(report.roles, 'oncall').people.map((p) => [p.id, p.channels])).toEqual([
      ['zhang-wei', ['email', 'phone', 'wecom']],
      ['li-na', ['email', 'phone', 'wecom']],
      ['wang-qiang', ['email', 'wecom']],
    ]);
    dir.people['zhang-wei'].contacts = {};
    dir.people['li-na'].available = false;
    expect(checkReachability(plan('hello-drill.yaml'), dir).unreachable.map((u) => u.message)).toEqual([
      'role "commander" (team it-ops) reaches nobody: zhang-wei has no contact address; li-na unavailable (available: false)',
    ]);
  });
});
