// `${NAME}` in plans and the team directory: only YINGJI_PLAN_* variables, for every caller that
// loads them (the CLI's validate, the team directory the worker reads), whatever else the process
// environment holds. The API's publish is tested against the real stack in plans-api.test.ts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planCommands } from '../../apps/cli/src/plan-commands';
import { createResponsibilityActivities } from '../../activities/responsibility/responsibility.activities';
import { loadDirectory } from '../../domain/responsibility/directory';
import { formatProblem, parsePlan } from '../../domain/plan/parse-plan';
import { planVariables } from '../../domain/yaml/plan-variables';

const root = path.join(__dirname, '..', '..');
const hello = fs.readFileSync(path.join(root, 'plans', 'hello-drill.yaml'), 'utf8');
const teams = fs.readFileSync(path.join(root, 'plans', 'teams.example.yaml'), 'utf8');
const SECRET = 'postgres://yingji:s3cret-password@db.internal:5432/yingji';
const REFUSAL = 'only variables named YINGJI_PLAN_* may be used in a plan (used here as ${DATABASE_URL}); set YINGJI_PLAN_DATABASE_URL instead';

/** Sets variables in process.env for one test, as a deployment would. */
function withEnv(vars: Record<string, string | undefined>, fn: () => Promise<void> | void) {
  return async () => {
    const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    for (const [k, v] of Object.entries(vars)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    try {
      await fn();
    } finally {
      for (const [k, v] of Object.entries(before)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

describe('planVariables', () => {
  it('keeps only YINGJI_PLAN_* names from an environment', () => {
    expect(planVariables({ DATABASE_URL: SECRET, YINGJI_PLAN_TITLE: 't', YINGJI_PLAN_: 'x', yingji_plan_x: 'y', YINGJI_PLANX: 'z', HOME: '/root' })).toEqual({ YINGJI_PLAN_TITLE: 't' });
  });
});

describe('yingji plan validate', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-variables-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function validate(text: string): Promise<{ out: string; err: string; exitCode: number | undefined }> {
    const file = path.join(dir, 'p.yaml');
    fs.writeFileSync(file, text);
    const out: string[] = [];
    const err: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    const error = jest.spyOn(console, 'error').mockImplementation((s: string) => void err.push(s));
    const exitBefore = process.exitCode;
    process.exitCode = undefined; // what an earlier test in this process left is not this command's
    try {
      await planCommands().parseAsync(['validate', file], { from: 'user' });
      return { out: out.join('\n'), err: err.join('\n'), exitCode: process.exitCode as number | undefined };
    } finally {
      log.mockRestore();
      error.mockRestore();
      process.exitCode = exitBefore;
    }
  }

  it(
    'refuses ${DATABASE_URL} with file:line:col, never printing its value, the same whether it is set or not',
    withEnv({ DATABASE_URL: SECRET }, async () => {
      const text = hello.replace('title: 你好演练 Hello drill', 'title: "${DATABASE_URL}"');
      const set = await validate(text);
      expect(set.exitCode).toBe(1);
      expect(set.err).toBe(`${path.relative(process.cwd(), path.join(dir, 'p.yaml'))}:7:9 title: ${REFUSAL}`);
      expect(set.out + set.err).not.toContain('s3cret');
      delete process.env.DATABASE_URL;
      expect(await validate(text)).toEqual(set);
    }),
  );

  it(
    'substitutes a YINGJI_PLAN_ variable from the environment',
    withEnv({ YINGJI_PLAN_DRILL_TITLE: '你好演练 Hello drill (staging)' }, async () => {
      const res = await validate(hello.replace('title: 你好演练 Hello drill', 'title: "${YINGJI_PLAN_DRILL_TITLE}"'));
      expect(res.err).toBe('');
      expect(res.exitCode).toBeUndefined();
      expect(res.out).toMatch(/^ok {2}hello-drill v1 {2}1 steps/);
    }),
  );
});

describe('the team directory (operator config) follows the same rule', () => {
  const contact = 'it-ops@example.com';

  it(
    'refuses ${DATABASE_URL} in a contact and reads ${YINGJI_PLAN_*}',
    withEnv({ DATABASE_URL: SECRET, YINGJI_PLAN_IT_OPS_EMAIL: 'oncall@example.com' }, () => {
      const refused = loadDirectory(teams.replace(`email: ${contact}`, 'email: "${DATABASE_URL}"'), { file: 't.yaml', env: process.env });
      expect(refused.ok).toBe(false);
      if (refused.ok) return;
      expect(refused.problems.map(formatProblem)).toEqual([`t.yaml:37:25 teams.it-ops.contacts.email: ${REFUSAL}`]);
      const read = loadDirectory(teams.replace(`email: ${contact}`, 'email: "${YINGJI_PLAN_IT_OPS_EMAIL}"'), { file: 't.yaml', env: planVariables(process.env) });
      expect(read.ok && read.directory.teams['it-ops'].contacts.email).toBe('oncall@example.com');
    }),
  );

  it(
    'the worker\'s directory reading refuses it too, without the value in the error',
    withEnv({ DATABASE_URL: SECRET }, async () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'teams-')), 'teams.yaml');
      fs.writeFileSync(file, teams.replace(`email: ${contact}`, 'email: "${DATABASE_URL}"'));
      const plan = parsePlan(hello, { file: 'hello-drill.yaml' });
      if (!plan.ok) throw new Error('hello-drill.yaml does not parse');
      const activities = createResponsibilityActivities(file);
      const failure = activities.resolveAssignments({ plan: plan.plan, level: 'IV' });
      await expect(failure).rejects.toThrow(REFUSAL);
      await expect(failure).rejects.not.toThrow('s3cret');
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }),
  );
});
