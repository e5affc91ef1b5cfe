// `yingji plan check` as a user runs it: the command parses its arguments, reads the plan and the
// directory files, prints roles, people and channels, and sets the exit code.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planCheckCommand } from '../../apps/cli/src/plan-check';

const plansDir = path.join(__dirname, '..', '..', 'plans');
const exampleDirectory = path.join(plansDir, 'teams.example.yaml');
const exampleText = fs.readFileSync(exampleDirectory, 'utf8');
const shippedPlans = fs.readdirSync(plansDir).filter((f) => f.endsWith('.yaml') && !f.startsWith('teams'));

async function check(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const cmd = planCheckCommand({ out: (l) => out.push(l), err: (l) => err.push(l) });
  cmd.exitOverride().configureOutput({ writeErr: (s) => err.push(s.trim()) });
  process.exitCode = undefined;
  try {
    await cmd.parseAsync(args, { from: 'user' });
    return { code: Number(process.exitCode ?? 0), out: out.join('\n'), err: err.join('\n') };
  } finally {
    process.exitCode = undefined;
  }
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-check-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
/** A copy of the example directory with each [text, replacement] applied. */
function directoryWith(...edits: Array<[string, string]>): string {
  let text = exampleText;
  for (const [a, b] of edits) {
    expect(text).toContain(a);
    text = text.replace(a, b);
  }
  const file = path.join(tmp, `teams-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

describe('yingji plan check', () => {
  it.each(shippedPlans)('passes %s with the example directory', async (file) => {
    const r = await check(path.join(plansDir, file), '--directory', exampleDirectory);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok {2}commander \(/m);
    expect(r.out).toMatch(/every role reaches at least one person$/);
  });

  it('prints role → people → channels, and who cannot be reached', async () => {
    const r = await check(path.join(plansDir, 'einvoice-db-crash.yaml'), '--level', 'II', '--directory', exampleDirectory);
    expect(r.out).toContain('einvoice-db-crash v');
    expect(r.out).toContain('ok  finance (finance, members) on email, wecom\n      zhou-li 周丽 Zhou Li: email\n      wu-gang 吴刚 Wu Gang: email, wecom');
    expect(r.out).toContain('gao-peng 高鹏 Gao Peng: unreachable, unavailable (available: false)');
  });

  it('exits 1 naming each role that reaches nobody and why', async () => {
    // Everyone left in dba is on leave.
    const dir = directoryWith(['lead: chen-jing', 'lead: gao-peng'], ['members: [chen-jing, liu-yang, gao-peng]', 'members: [gao-peng]']);
    const r = await check(path.join(plansDir, 'einvoice-db-crash.yaml'), '--level', 'II', '--directory', dir);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toEqual([
      'unreachable: role "dba" (team dba) reaches nobody: gao-peng unavailable (available: false)',
      'unreachable: role "owner-lead" (team dba) reaches nobody: gao-peng unavailable (available: false)',
    ]);
    expect(r.out).toMatch(/^NO {2}dba \(dba, members\) on email$/m);
  });

  it('reports a malformed email and a phone number that is not CN/E.164 with the person and the field', async () => {
    const dir = path.relative(process.cwd(), directoryWith(['email: li.na@example.com', 'email: li.na@@example.com'], ['phone: "+86 10 5555 0104"', 'phone: "+86 139 1234"']));
    const r = await check(path.join(plansDir, 'einvoice-db-crash.yaml'), '--directory', dir);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(`${dir}:11:56 people.li-na.contacts.email: "li.na@@example.com" is not an email address`);
    expect(r.err).toMatch(/:13:\d+ people\.chen-jing\.contacts\.phone: "\+86 139 1234" is not a valid phone number/);
  });

  it('prints the whole report as JSON', async () => {
    const r = await check(path.join(plansDir, 'einvoice-missing-invoices.yaml'), '--json', '--level', 'IV', '--directory', exampleDirectory);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ planId: 'einvoice-missing-invoices', levels: ['IV'], channels: ['email', 'sms'], unreachable: [] });
    // The example directory's phones are landlines: SMS reaches only the plan's own commander number.
    expect(report.warnings).toContainEqual({ role: 'finance', team: 'finance', channel: 'sms', message: 'nobody in role "finance" (team finance) can be reached on sms' });
  });

  it('refuses a plan file that is not valid, and a level that does not exist', async () => {
    const bad = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(bad, fs.readFileSync(path.join(plansDir, 'hello-drill.yaml'), 'utf8').replace('owner: oncall', 'owner: oncal'));
    const r = await check(bad, '--directory', exampleDirectory);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/steps\[0\]\.owner: .*did you mean "oncall"/);
    await expect(check(bad, '--level', 'V')).rejects.toThrow(/Allowed choices are I, II, III, IV/);
    const missing = await check('no/such/plan.yaml', '--directory', exampleDirectory);
    expect(missing).toMatchObject({ code: 1, err: 'no/such/plan.yaml: no such plan file (or a plan id such as einvoice-db-crash)' });
  });
});
