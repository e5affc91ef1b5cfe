import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../apps/shared/config';
import { formatProblem, parsePlan } from '../../domain/plan/parse-plan';
import { As, Harness, startHarness, tableCounts } from './support/harness';

const hello = fs.readFileSync(path.join(PROJECT_ROOT, 'plans', 'hello-drill.yaml'), 'utf8');
const withVersion = (text: string, v: number) => text.replace(/^version: \d+$/m, `version: ${v}`);

// Publishing against the real PostgreSQL: versions only go up, a stored version never changes.
describe('publishing plans', () => {
  let h: Harness;
  let admin: As;
  let commander: As;
  const publish = (text: string) => admin.post('/plans').set('content-type', 'application/yaml').send(text);

  beforeAll(async () => {
    h = await startHarness();
    admin = await h.as('plan-owner', ['admin']);
    commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
  });
  afterAll(() => h?.close());

  it('publishes every shipped plan, and the same text again is a no-op (200)', async () => {
    for (const f of fs.readdirSync(path.join(PROJECT_ROOT, 'plans')).filter((x) => x.endsWith('.yaml') && !x.startsWith('teams'))) {
      const text = fs.readFileSync(path.join(PROJECT_ROOT, 'plans', f), 'utf8');
      expect((await publish(text).expect(201)).body.created).toBe(true);
      expect((await publish(text).expect(200)).body.created).toBe(false);
    }
  });

  it('returns the exact text published, and lists versions in order', async () => {
    await publish(withVersion(hello, 2)).expect(201);
    await publish(withVersion(hello, 5)).expect(201);
    const text = await admin.get('/plans/hello-drill/versions/2').expect(200);
    expect(text.headers['content-type']).toMatch(/^application\/yaml/);
    expect(text.text).toBe(withVersion(hello, 2));
    const list = (await admin.get('/plans').expect(200)).body;
    expect(list.find((p: { planId: string }) => p.planId === 'hello-drill')).toMatchObject({ versions: [1, 2, 5], latestVersion: 5 });
    expect((await admin.get('/plans/hello-drill').expect(200)).body).toMatchObject({ version: 5 });
    await admin.get('/plans/hello-drill/versions/3').expect(404);
  });

  it('refuses the same version with other content, and a version not above the latest (409), changing nothing', async () => {
    const before = await tableCounts(h.db);
    const changed = withVersion(hello, 2).replace('Hello drill', 'Hello drill (edited)');
    expect((await publish(changed).expect(409)).body.message).toBe('plan hello-drill version 2 is already published with different content; publish it as a new version');
    expect((await publish(withVersion(changed, 4)).expect(409)).body.message).toBe('plan hello-drill version 4 is not above the latest published version 5');
    expect(await tableCounts(h.db)).toEqual(before);
    expect((await admin.get('/plans/hello-drill/versions/2').expect(200)).text).toBe(withVersion(hello, 2));
  });

  it('answers an invalid plan with 422 and the validator\'s full problem list', async () => {
    const broken = hello.replace('owner: oncall', 'owner: oncal').replace('within: 5m', 'within: 5 minutes');
    const res = await publish(broken).expect(422);
    const expected = parsePlan(broken, { file: 'request-body.yaml', env: {} });
    expect(expected.ok).toBe(false);
    if (expected.ok) return;
    expect(res.body.problems).toEqual(expected.problems);
    expect(res.body.problems.map(formatProblem)).toEqual(expect.arrayContaining([expect.stringMatching(/steps\[0\]\.owner: .*"oncal".*did you mean "oncall"/)]));
  });

  it('launches the latest version unless one is given, and the incident records the version it runs', async () => {
    const latest = (await commander.post('/incidents', { planId: 'hello-drill' }).expect(201)).body.incident;
    expect(latest.planVersion).toBe(5);
    const pinned = (await commander.post('/incidents', { planId: 'hello-drill', planVersion: 2 }).expect(201)).body.incident;
    expect(pinned.planVersion).toBe(2);
    for (const plan of ['einvoice-db-crash', 'einvoice-data-corruption', 'einvoice-missing-invoices', 'einvoice-tax-platform-outage', 'einvoice-data-leak']) {
      const p = (await commander.get(`/plans/${plan}`).expect(200)).body;
      const launched = (await commander.post('/incidents', { planId: plan, facts: p.plan.drill?.facts ?? {} }).expect(201)).body.incident;
      expect(launched).toMatchObject({ planId: plan, planVersion: p.version });
    }
  });

  it('`yingji plan validate` exits 0 with a line per plan, 1 with every problem', () => {
    const cli = path.join(PROJECT_ROOT, 'bin', 'yingji.js');
    const ok = spawnSync(process.execPath, [cli, 'plan', 'validate', 'plans'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(6);
    expect(ok.stdout).toMatch(/^ok {2}einvoice-db-crash v\d+ {2}10 steps/m);
    const dir = path.join(h.config.dataDir);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'bad.yaml'), hello.replace('owner: oncall', 'owner: oncal'));
    const bad = spawnSync(process.execPath, [cli, 'plan', 'validate', path.join(dir, 'bad.yaml')], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/bad\.yaml:\d+:\d+ steps\[0\]\.owner: .*did you mean "oncall"/);
  });
});
