// Publishing answers who the plan cannot reach through the deployment's team directory, without
// refusing the plan: the stored version is the same with or without warnings.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planCheckCommand } from '../../apps/cli/src/plan-check';
import { PROJECT_ROOT } from '../../apps/shared/config';
import { As, Harness, startHarness } from './support/harness';

const plansDir = path.join(PROJECT_ROOT, 'plans');
const hello = fs.readFileSync(path.join(plansDir, 'hello-drill.yaml'), 'utf8');

describe('warnings at publish', () => {
  let h: Harness;
  let admin: As;
  const publish = (text: string) => admin.post('/plans').set('content-type', 'application/yaml').send(text);

  beforeAll(async () => {
    h = await startHarness();
    admin = await h.as('plan-owner', ['admin']);
  });
  afterAll(() => h?.close());

  it('has no warnings for the shipped plans with the example directory', async () => {
    for (const f of fs.readdirSync(plansDir).filter((x) => x.endsWith('.yaml') && !x.startsWith('teams'))) {
      const res = await publish(fs.readFileSync(path.join(plansDir, f), 'utf8')).expect(201);
      expect({ file: f, warnings: res.body.warnings }).toEqual({ file: f, warnings: [] });
    }
  });

  it('publishes a plan whose role reaches nobody, and names the role and why', async () => {
    const text = hello.replace('id: hello-drill', 'id: night-shift-drill').replace('oncall: { team: it-ops }', 'oncall: { team: it-ops, role: night-shift }');
    expect(text).toContain('role: night-shift');
    const res = await publish(text).expect(201);
    expect(res.body).toMatchObject({ planId: 'night-shift-drill', version: 1, created: true });
    expect(res.body.warnings).toEqual(['role "oncall" (team it-ops) reaches nobody: nobody in team "it-ops" holds the role "night-shift"']);
    expect((await admin.get('/plans/night-shift-drill').expect(200)).body).toMatchObject({ version: 1 });
    // The same text again: still stored once, still warned.
    expect((await publish(text).expect(200)).body).toMatchObject({ created: false, warnings: res.body.warnings });
  });

  it('`yingji plan check <id>` reads the published plan through the API and names the same role', async () => {
    const saved = { url: process.env.YINGJI_API_URL, token: process.env.YINGJI_TOKEN };
    process.env.YINGJI_API_URL = h.baseUrl;
    process.env.YINGJI_TOKEN = admin.token;
    const out: string[] = [];
    const err: string[] = [];
    try {
      await planCheckCommand({ out: (l) => out.push(l), err: (l) => err.push(l) }).parseAsync(['night-shift-drill', '--directory', h.config.directoryFile], { from: 'user' });
      expect(process.exitCode).toBe(1);
      expect(out[0]).toMatch(/^night-shift-drill v1 at level IV/);
      expect(err).toEqual(['unreachable: role "oncall" (team it-ops) reaches nobody: nobody in team "it-ops" holds the role "night-shift"']);
    } finally {
      process.exitCode = undefined;
      for (const [k, v] of [['YINGJI_API_URL', saved.url], ['YINGJI_TOKEN', saved.token]] as const) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('says when the directory itself has a bad contact, and still publishes', async () => {
    const original = h.config.directoryFile;
    const bad = path.join(h.config.dataDir, 'teams-bad-phone.yaml');
    fs.mkdirSync(h.config.dataDir, { recursive: true });
    fs.writeFileSync(bad, fs.readFileSync(original, 'utf8').replace('phone: "+86 10 5555 0102"', 'phone: "+86 10 5555"'));
    h.config.directoryFile = bad;
    try {
      const res = await publish(hello.replace('id: hello-drill', 'id: bad-directory-drill')).expect(201);
      expect(res.body.warnings).toEqual([
        'the team directory teams-bad-phone.yaml has 1 problem(s), so who the plan reaches was not checked; first: teams-bad-phone.yaml:11:82 people.li-na.contacts.phone: "+86 10 5555" is not a valid phone number: write a Chinese number (13800138000, +86 10 5555 0100) or an E.164 number with its country code (+44 20 7946 0958)',
      ]);
    } finally {
      h.config.directoryFile = original;
    }
  });
});
