import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { isReachable, loadDirectory } from './directory';
import type { TeamDirectory } from './directory';
import { partyFor, resolveResponsibility } from './resolve-responsibility';
import { possibleLevels } from '../plan/graph';
import { formatProblem, parsePlan } from '../plan/parse-plan';
import type { Plan } from '../plan/plan.types';

const plansDir = join(__dirname, '..', '..', 'plans');
const exampleText = readFileSync(join(plansDir, 'teams.example.yaml'), 'utf8');

function example(): TeamDirectory {
  const res = loadDirectory(exampleText, { file: 'teams.example.yaml' });
  if (!res.ok) throw new Error(res.problems.map(formatProblem).join('\n'));
  return res.directory;
}
function plan(file: string): Plan {
  const res = parsePlan(readFileSync(join(plansDir, file), 'utf8'), { file });
  if (!res.ok) throw new Error(res.problems.map(formatProblem).join('\n'));
  return res.plan;
}
const shippedPlans = readdirSync(plansDir).filter((f) => f.endsWith('.yaml') && !f.startsWith('teams'));

describe('loadDirectory', () => {
  it('reads the example directory', () => {
    const d = example();
    expect(Object.keys(d.teams).sort()).toEqual(['app-dev', 'dba', 'finance', 'it-ops', 'legal', 'management', 'security', 'service-desk', 'tax-sync']);
    expect(d.teams['it-ops']).toMatchObject({ lead: 'zhang-wei', members: ['zhang-wei', 'li-na', 'wang-qiang'], roles: { commander: ['zhang-wei', 'li-na'] } });
    expect(d.people['gao-peng']).toMatchObject({ available: false });
    expect(isReachable(d.people['gao-peng'])).toBe(false);
    expect(isReachable(d.people['zhang-wei'])).toBe(true);
  });

  const problemsOf = (text: string) => {
    const res = loadDirectory(text, { file: 't.yaml' });
    return res.ok ? [] : res.problems.map(formatProblem);
  };
  const mutate = (a: string, b: string) => {
    expect(exampleText).toContain(a);
    return problemsOf(exampleText.replace(a, b));
  };

  it('reports unknown people with a suggestion', () => {
    expect(mutate('lead: chen-jing', 'lead: chen-jin')).toEqual(['t.yaml:40:11 teams.dba.lead: unknown person "chen-jin" (did you mean "chen-jing"?)']);
  });
  it('reports role holders who are not members', () => {
    expect(mutate('roles: { commander: [zhao-min] }', 'roles: { commander: [zhou-li] }')).toEqual([
      't.yaml:47:26 teams.tax-sync.roles.commander[0]: "zhou-li" holds a role in team "tax-sync" but is not one of its members ("zhao-min" and "sun-hao")',
    ]);
  });
  it('reports unknown channels and bad addresses', () => {
    expect(mutate('contacts: { email: dba@example.com }', 'contacts: { emial: dba@example.com }')).toEqual([
      't.yaml:42:17 teams.dba.contacts.emial: unknown channel "emial" (did you mean "email"?); channels are email, webhook, sms, phone, wecom, dingtalk, feishu, slack',
    ]);
    expect(mutate('email: legal@example.com', 'email: legal.example.com')).toEqual(['t.yaml:64:24 teams.legal.contacts.email: "legal.example.com" is not an email address']);
  });
  it('reports a missing lead, a plan given as a directory, and garbage', () => {
    expect(mutate('    lead: he-yun\n', '')).toEqual(['t.yaml:61:5 teams.legal.lead: missing required field "lead"']);
    expect(mutate('kind: TeamDirectory', 'kind: EmergencyPlan')).toEqual(['t.yaml:7:7 kind: this is a plan, not a team directory (kind must be "TeamDirectory")']);
    expect(problemsOf('')).toEqual(['t.yaml:1:1: the file is empty; a team directory starts with "apiVersion: yingji/v1" and "kind: TeamDirectory"']);
    expect(problemsOf('[1, 2').length).toBe(1);
  });
});

describe('resolveResponsibility', () => {
  const dir = example();

  describe.each(shippedPlans)('%s with the example directory', (file) => {
    const p = plan(file);
    it.each(possibleLevels(p))('resolves every role at level %s', (level) => {
      const res = resolveResponsibility(p, level, dir);
      if (!res.ok) throw new Error(JSON.stringify(res.problems, null, 2));
      const r = res.responsibility;
      for (const role of [...Object.keys(p.roles), 'commander']) expect(r.roles[role]?.people.length).toBeGreaterThan(0);
      for (const step of p.steps.filter((s) => !s.levels || s.levels.includes(level))) {
        const sr = r.steps[step.id];
        if (step.owner) {
          expect(sr.owner?.people.length).toBeGreaterThan(0);
          expect(sr.ownerLead?.people).toHaveLength(1);
        }
        if (step.type === 'notify') expect(sr.to).toHaveLength(step.to.length);
      }
      // Nobody unavailable is ever assigned.
      for (const party of Object.values(r.roles)) for (const person of party.people) expect(dir.people[person.id].available).toBe(true);
    });
  });

  it('maps roles to teams and people', () => {
    const r = resolveResponsibility(plan('einvoice-db-crash.yaml'), 'II', dir);
    if (!r.ok) throw new Error('not ok');
    const { roles, steps } = r.responsibility;
    expect(roles.commander).toMatchObject({ team: 'it-ops', selectedBy: 'commander' });
    expect(roles.commander.people.map((p) => p.id)).toEqual(['zhang-wei', 'li-na']);
    // gao-peng (dba) is on leave.
    expect(roles.dba.people.map((p) => p.id)).toEqual(['chen-jing', 'liu-yang']);
    expect(roles.management).toMatchObject({ team: 'management', selectedBy: 'members' });
    expect(steps.isolate.ownerLead).toMatchObject({ role: 'owner-lead', team: 'dba', selectedBy: 'lead' });
    expect(steps['tell-finance'].to?.map((t) => t.role)).toEqual(['finance', 'commander']);
    expect(partyFor(r.responsibility, 'owner-lead', 'isolate')?.people[0].id).toBe('chen-jing');
    expect(partyFor(r.responsibility, 'finance')?.teamContacts).toEqual({ email: 'finance@example.com' });
    expect(steps.verify).toBeDefined();
    expect(resolveResponsibility(plan('einvoice-db-crash.yaml'), 'IV', dir).responsibility.steps.verify).toBeUndefined();
  });

  it('binds management to a role when the plan declares it', () => {
    const r = resolveResponsibility(plan('einvoice-data-leak.yaml'), 'I', dir);
    expect(r.responsibility.roles.management).toMatchObject({ team: 'management', selectedBy: 'executive' });
    expect(r.responsibility.roles.management.people.map((p) => p.id)).toEqual(['luo-xin']);
  });

  it('uses the lead of the plan owner team for an undeclared commander', () => {
    const p = { ...plan('hello-drill.yaml'), roles: { oncall: { team: 'it-ops' } } };
    const r = resolveResponsibility(p, 'IV', dir);
    expect(r.responsibility.roles.commander).toMatchObject({ team: 'it-ops', selectedBy: 'lead' });
    expect(r.responsibility.roles.commander.people.map((x) => x.id)).toEqual(['zhang-wei']);
  });

  it('names the role and team when nobody can be reached', () => {
    const d: TeamDirectory = JSON.parse(JSON.stringify(dir));
    d.people['chen-jing'].available = false;
    d.people['liu-yang'].contacts = {};
    const r = resolveResponsibility(plan('einvoice-db-crash.yaml'), 'II', d);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems[0]).toEqual({
      role: 'dba',
      team: 'dba',
      message: 'role "dba" has no reachable person in team "dba": its members (chen-jing, liu-yang, gao-peng) are unavailable or have no contact address',
    });
    // The dba lead is also every dba step's owner-lead, used by the escalation chain.
    expect(r.problems.filter((p) => p.role === 'owner-lead').map((p) => p.step)).toEqual(['isolate', 'check-backup', 'failover-standby', 'restore-invoices', 'verify']);
  });

  it('names a missing team, with a suggestion, and a team role nobody holds', () => {
    const d: TeamDirectory = JSON.parse(JSON.stringify(dir));
    d.teams['tax-synk'] = d.teams['tax-sync'];
    delete d.teams['tax-sync'];
    d.teams['it-ops'].roles = {};
    const r = resolveResponsibility(plan('einvoice-db-crash.yaml'), 'I', d);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.message)).toEqual([
      'role "commander": nobody in team "it-ops" holds the role "commander"',
      'role "tax": team "tax-sync" is not in the team directory (did you mean "tax-synk"?)',
    ]);
  });

  it('only needs management where the plan uses it', () => {
    const d: TeamDirectory = JSON.parse(JSON.stringify(dir));
    delete d.teams.management;
    const hello = plan('hello-drill.yaml');
    expect(resolveResponsibility(hello, 'IV', d).ok).toBe(true);
    const r = resolveResponsibility(plan('einvoice-db-crash.yaml'), 'IV', d);
    expect(!r.ok && r.problems.map((p) => p.message)).toEqual(['role "management": team "management" is not in the team directory']);
  });
});
