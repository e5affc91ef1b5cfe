// Every shipped plan validates (validator and JSON Schema); every file of the broken-plan corpus gives
// exactly the expected problems, and the schema rejects those a schema can express.
// Regenerate plans/plan.schema.json after changing the vocabulary or actions:
//   UPDATE_PLAN_SCHEMA=1 npx jest --selectProjects unit test/unit/plan-files.test.ts
import { readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { formatProblem, parsePlan } from '../../domain/plan/parse-plan';
import { loadDirectoryFile, loadPlanDirectory } from '../../domain/plan/load-plans';
import { buildPlanSchema } from '../../domain/plan/plan-schema';

const root = join(__dirname, '..', '..');
const plansDir = join(root, 'plans');
const brokenDir = join(root, 'test', 'plans', 'broken');
const schemaPath = join(plansDir, 'plan.schema.json');

const planFiles = readdirSync(plansDir)
  .filter((f) => f.endsWith('.yaml') && !f.startsWith('teams'))
  .sort();
const brokenFiles = readdirSync(brokenDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

interface Expectation {
  mistake: string;
  /** rejects: the schema rejects it too; validator-only: only the validator can see it; not-yaml: not valid YAML at all. */
  schema: 'rejects' | 'validator-only' | 'not-yaml';
  problems: string[];
}
const expected = JSON.parse(readFileSync(join(brokenDir, 'expected.json'), 'utf8')) as Record<string, Expectation>;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validateSchema = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);

describe('plans/plan.schema.json', () => {
  it('is the schema built from the vocabulary and action registry', () => {
    const built = `${JSON.stringify(buildPlanSchema(), null, 2)}\n`;
    if (process.env.UPDATE_PLAN_SCHEMA) writeFileSync(schemaPath, built);
    expect(readFileSync(schemaPath, 'utf8')).toBe(built);
  });
});

describe('shipped plans', () => {
  it('include the five e-invoice plans', () => {
    expect(planFiles).toEqual(
      expect.arrayContaining([
        'einvoice-db-crash.yaml',
        'einvoice-data-corruption.yaml',
        'einvoice-missing-invoices.yaml',
        'einvoice-tax-platform-outage.yaml',
        'einvoice-data-leak.yaml',
      ]),
    );
  });

  describe.each(planFiles)('%s', (file) => {
    const text = readFileSync(join(plansDir, file), 'utf8');

    it('passes the validator with no environment variables set', () => {
      const res = parsePlan(text, { file, env: {} });
      if (!res.ok) throw new Error(res.problems.map(formatProblem).join('\n'));
      expect(res.plan.id).toBe(file.replace(/\.yaml$/, ''));
    });

    it('passes the JSON Schema', () => {
      const ok = validateSchema(parse(text));
      if (!ok) throw new Error(JSON.stringify(validateSchema.errors, null, 2));
    });

    it('points editors at the schema on its first line and has a bilingual title, Chinese first', () => {
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./plan.schema.json');
      const res = parsePlan(text, { file, env: {} });
      if (!res.ok) return;
      expect(res.plan.title).toMatch(/^[\u4e00-\u9fff].*[A-Za-z]/);
    });

    if (file.startsWith('einvoice-')) {
      it('has a drill with facts, faults and expectations', () => {
        const res = parsePlan(text, { file, env: {} });
        if (!res.ok) throw new Error('invalid');
        expect(res.plan.drill?.facts).toBeDefined();
        expect(res.plan.drill?.faults?.length).toBeGreaterThan(0);
        expect(res.plan.drill?.expect?.length).toBeGreaterThan(0);
      });
    }
  });

  it('load from the folder with the file loader, with the example team directory', () => {
    const loaded = loadPlanDirectory(plansDir, {});
    expect(loaded.map((l) => l.path.split(/[\\/]/).pop())).toEqual(planFiles);
    for (const l of loaded) expect(l.result.ok).toBe(true);
    expect(loadDirectoryFile(join(plansDir, 'teams.example.yaml')).ok).toBe(true);
  });

  it('differ in structure (no plan is another with the names changed)', () => {
    const shape = (file: string) => {
      const res = parsePlan(readFileSync(join(plansDir, file), 'utf8'), { file });
      if (!res.ok) throw new Error(file);
      return JSON.stringify(res.plan.steps.map((s) => [s.type, (s.after ?? []).length, s.type === 'decision' ? s.options.length : 0, !!s.levels]));
    };
    const shapes = planFiles.filter((f) => f.startsWith('einvoice-')).map(shape);
    expect(new Set(shapes).size).toBe(shapes.length);
  });
});

describe('broken-plan corpus (test/plans/broken)', () => {
  it('has at least 25 files, each described in expected.json', () => {
    expect(brokenFiles.length).toBeGreaterThanOrEqual(25);
    expect(Object.keys(expected).sort()).toEqual(brokenFiles);
  });

  describe.each(brokenFiles)('%s', (file) => {
    const text = readFileSync(join(brokenDir, file), 'utf8');
    const exp = expected[file];

    it('gives exactly the expected problems', () => {
      const res = parsePlan(text, { file, env: {} });
      expect(res.ok).toBe(false);
      if (res.ok) return;
      expect(res.problems.map(formatProblem)).toEqual(exp.problems);
      expect(exp.problems).toHaveLength(1);
    });

    it(`schema: ${exp?.schema}`, () => {
      if (exp.schema === 'not-yaml') {
        expect(() => parse(text)).toThrow();
        return;
      }
      expect(validateSchema(parse(text))).toBe(exp.schema === 'validator-only');
    });
  });
});
