import { readFileSync } from 'fs';
import { join } from 'path';
import { analyzePlanGraph, decisionOptions, planGraph, possibleLevels, readySteps, stepsAtLevel } from './graph';
import type { StepState } from './graph';
import { formatProblem, parsePlan } from './parse-plan';
import type { Level, Plan, Step } from './plan.types';

const plansDir = join(__dirname, '..', '..', 'plans');
function shipped(name: string): Plan {
  const res = parsePlan(readFileSync(join(plansDir, `${name}.yaml`), 'utf8'), { file: `${name}.yaml` });
  if (!res.ok) throw new Error(res.problems.map(formatProblem).join('\n'));
  return res.plan;
}

const manual = (id: string, extra: Partial<Step> = {}): Step => ({ id, type: 'manual', owner: 'ops', ...extra }) as Step;
const decision = (id: string, options: Record<string, string[]>, extra: Partial<Step> = {}): Step =>
  ({ id, type: 'decision', owner: 'ops', options: Object.entries(options).map(([o, next]) => ({ id: o, next })), ...extra }) as Step;

/** Runs a plan to the end, finishing started steps in order and answering decisions from `choices`. */
function simulate(plan: Pick<Plan, 'steps'>, level: Level, choices: Record<string, string> = {}): { ran: string[]; skipped: string[] } {
  const state: Record<string, StepState> = {};
  const decisions: Record<string, string> = {};
  const ran: string[] = [];
  const skipped: string[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    const next = readySteps(plan, level, state, decisions);
    for (const id of next.skip) {
      state[id] = 'skipped';
      skipped.push(id);
    }
    if (next.finished) return { ran, skipped };
    if (next.stuck) throw new Error(`stuck: ${JSON.stringify(state)}`);
    if (next.start.length === 0) continue;
    // Run the first startable step to completion (one at a time keeps the order visible).
    const id = next.start[0];
    const step = plan.steps.find((s) => s.id === id)!;
    if (step.type === 'decision') decisions[id] = choices[id] ?? step.options[0].id;
    state[id] = 'done';
    ran.push(id);
  }
  throw new Error('did not finish');
}

describe('planGraph', () => {
  const plan = shipped('einvoice-db-crash');
  const g = planGraph(plan);

  it('orders steps topologically, ties in file order', () => {
    expect(g.order).toEqual([
      'isolate',
      'tell-finance',
      'check-backup',
      'choose-path',
      'failover-standby',
      'restore-invoices',
      'verify',
      'resync-platform',
      'test-issuing',
      'announce-restored',
    ]);
    for (const id of g.ids) for (const p of g.predecessors[id]) expect(g.order.indexOf(p)).toBeLessThan(g.order.indexOf(id));
  });

  it('records which option leads to a gated step, and the implicit wait for the decision', () => {
    expect(g.gatedBy['restore-invoices']).toEqual([{ decision: 'choose-path', option: 'restore' }]);
    expect(g.predecessors['restore-invoices']).toEqual(['choose-path']);
    expect(g.gatedBy.verify).toEqual([]);
    expect(g.roots).toEqual(['isolate']);
    expect(g.cycles).toEqual([]);
  });

  it('finds cycles with their path, once per cycle', () => {
    const steps = [manual('a', { after: ['c'] }), manual('b', { after: ['a'] }), manual('c', { after: ['b'] }), manual('d'), manual('e', { after: ['e'] })];
    expect(planGraph({ steps }).cycles).toEqual([
      ['a', 'b', 'c', 'a'],
      ['e', 'e'],
    ]);
    expect(analyzePlanGraph({ steps })).toEqual([
      { path: ['steps', 0, 'after', 0], message: 'steps wait for each other in a circle, so none of them can start: a -> b -> c -> a (each waits for the one before it)' },
      { path: ['steps', 4, 'after', 0], message: 'steps wait for each other in a circle, so none of them can start: e -> e (each waits for the one before it)' },
    ]);
  });

  it('finds cycles through decision options', () => {
    const steps = [decision('d', { x: ['a'], y: [] }, { after: ['a'] }), manual('a')];
    expect(analyzePlanGraph({ steps })[0]).toEqual({
      path: ['steps', 0, 'after', 0],
      message: 'steps wait for each other in a circle, so none of them can start: d -> a -> d (each waits for the one before it)',
    });
  });
});

describe('levels', () => {
  it('gives the levels the rules can produce, up to the catch-all', () => {
    expect(possibleLevels(shipped('einvoice-db-crash'))).toEqual(['I', 'II', 'III', 'IV']);
    expect(possibleLevels({ levels: [{ level: 'III', when: { fact: 'x', gt: 1 } }, { level: 'IV', when: { always: true } }] })).toEqual(['III', 'IV']);
  });

  it('filters steps by level', () => {
    const plan = shipped('einvoice-db-crash');
    expect(stepsAtLevel(plan, 'IV').map((s) => s.id)).not.toContain('verify');
    expect(stepsAtLevel(plan, 'III').map((s) => s.id)).toContain('verify');
  });

  it('reports steps that can never run', () => {
    const levels = [{ level: 'II' as Level, when: { fact: 'x', gt: 1 } }, { level: 'IV' as Level, when: { always: true as const } }];
    expect(analyzePlanGraph({ levels, steps: [manual('a', { levels: ['I', 'III'] })] })).toEqual([
      { path: ['steps', 0, 'levels'], message: 'step "a" can never run: it is limited to levels I, III, which the level rules never give (they give II, IV)' },
    ]);
    // The decision only runs at II; the step it leads to only at IV.
    const steps = [decision('d', { x: ['g'], y: [] }, { levels: ['II'] }), manual('g', { levels: ['IV'] }), manual('h', { after: ['g'] })];
    expect(analyzePlanGraph({ levels, steps })).toEqual([
      { path: ['steps', 1], message: 'step "g" can never run: the decision leading to it (d) never runs at a level where it is active (IV)' },
    ]);
  });

  it('finds nothing wrong in the shipped plans', () => {
    for (const name of ['einvoice-db-crash', 'einvoice-data-corruption', 'einvoice-missing-invoices', 'einvoice-tax-platform-outage', 'einvoice-data-leak', 'hello-drill']) {
      expect(analyzePlanGraph(shipped(name))).toEqual([]);
    }
  });
});

describe('readySteps', () => {
  const plan = shipped('einvoice-db-crash');

  it('starts the roots first', () => {
    expect(readySteps(plan, 'II', {}, {})).toEqual({ start: ['isolate'], skip: [], finished: false, stuck: false });
  });

  it('starts steps whose predecessors are done, in parallel', () => {
    expect(readySteps(plan, 'II', { isolate: 'done' }, {}).start).toEqual(['tell-finance', 'check-backup']);
  });

  it('waits for the decision, then skips the branch not taken', () => {
    const state: Record<string, StepState> = { isolate: 'done', 'tell-finance': 'done', 'check-backup': 'done' };
    expect(readySteps(plan, 'II', state, {}).start).toEqual(['choose-path']);
    expect(readySteps(plan, 'II', { ...state, 'choose-path': 'running' }, {})).toEqual({ start: [], skip: [], finished: false, stuck: false });
    expect(readySteps(plan, 'II', { ...state, 'choose-path': 'done' }, { 'choose-path': 'failover' })).toEqual({
      start: ['failover-standby'],
      skip: ['restore-invoices'],
      finished: false,
      stuck: false,
    });
  });

  it('runs a join step when the chosen branch is done (skipped steps count as finished)', () => {
    const state: Record<string, StepState> = { isolate: 'done', 'tell-finance': 'done', 'check-backup': 'done', 'choose-path': 'done', 'restore-invoices': 'skipped', 'failover-standby': 'done' };
    expect(readySteps(plan, 'II', state, { 'choose-path': 'failover' }).start).toEqual(['verify']);
  });

  it('runs the whole plan for each branch and level', () => {
    expect(simulate(plan, 'II', { 'choose-path': 'restore' })).toEqual({
      ran: ['isolate', 'tell-finance', 'check-backup', 'choose-path', 'restore-invoices', 'verify', 'resync-platform', 'test-issuing', 'announce-restored'],
      skipped: ['failover-standby'],
    });
    // At level IV verify is skipped in its place: the steps after it still wait for the branch.
    expect(simulate(plan, 'IV', { 'choose-path': 'failover' })).toEqual({
      ran: ['isolate', 'tell-finance', 'check-backup', 'choose-path', 'failover-standby', 'resync-platform', 'test-issuing', 'announce-restored'],
      skipped: ['restore-invoices', 'verify'],
    });
  });

  it('keeps the order through a step skipped by level', () => {
    const steps = [manual('a'), manual('b', { after: ['a'], levels: ['I'] }), manual('c', { after: ['b'] })];
    expect(readySteps({ steps }, 'IV', {}, {})).toMatchObject({ start: ['a'], skip: [] });
    expect(readySteps({ steps }, 'IV', { a: 'running' }, {})).toMatchObject({ start: [], skip: [] });
    expect(readySteps({ steps }, 'IV', { a: 'done' }, {})).toMatchObject({ start: ['c'], skip: ['b'] });
  });

  it('treats steps only reachable through a branch as part of it', () => {
    const steps = [decision('d', { x: ['x1'], y: ['y1'] }), manual('x1'), manual('x2', { after: ['x1'] }), manual('y1'), manual('join', { after: ['x2', 'y1'] })];
    expect(readySteps({ steps }, 'I', { d: 'done' }, { d: 'y' })).toMatchObject({ start: ['y1'], skip: ['x1', 'x2'] });
    expect(simulate({ steps }, 'I', { d: 'x' })).toEqual({ ran: ['d', 'x1', 'x2', 'join'], skipped: ['y1'] });
  });

  it('skips the branches of a decision that is itself skipped by level', () => {
    const steps = [decision('d', { x: ['x1'], y: ['y1'] }, { levels: ['I'] }), manual('x1'), manual('y1'), manual('after-all', { after: ['x1', 'y1'] })];
    expect(simulate({ steps }, 'III')).toEqual({ ran: [], skipped: ['d', 'x1', 'y1', 'after-all'] });
  });

  it('runs a step named by several options if any of them is chosen', () => {
    const steps = [decision('d', { x: ['both'], y: ['both', 'only-y'] }), manual('both'), manual('only-y')];
    expect(simulate({ steps }, 'I', { d: 'x' })).toEqual({ ran: ['d', 'both'], skipped: ['only-y'] });
  });

  it('refuses inconsistent input', () => {
    expect(() => readySteps(plan, 'II', { 'choose-path': 'done' }, {})).toThrow('decision step "choose-path" is done but no option was recorded for it');
    expect(() => readySteps(plan, 'II', { 'choose-path': 'done' }, { 'choose-path': 'both' })).toThrow('has no option "both"');
    expect(decisionOptions(plan, 'choose-path')).toEqual(['failover', 'restore']);
    expect(decisionOptions(plan, 'isolate')).toBeUndefined();
  });

  it('is deterministic and pure (same input, same output; input untouched)', () => {
    const state = Object.freeze({ isolate: 'done' as StepState });
    const a = readySteps(plan, 'I', state, {});
    const b = readySteps(plan, 'I', state, {});
    expect(a).toEqual(b);
  });

  it.each(['einvoice-db-crash', 'einvoice-data-corruption', 'einvoice-missing-invoices', 'einvoice-tax-platform-outage', 'einvoice-data-leak', 'hello-drill'])(
    '%s finishes at every level with every option of every decision',
    (name) => {
      const p = shipped(name);
      for (const level of possibleLevels(p)) {
        for (const d of p.steps.filter((s) => s.type === 'decision')) {
          for (const o of decisionOptions(p, d.id)!) {
            const { ran, skipped } = simulate(p, level, { [d.id]: o });
            expect(new Set([...ran, ...skipped]).size).toBe(p.steps.length);
          }
        }
        expect(simulate(p, level).ran.length).toBeGreaterThan(0);
      }
    },
  );
});
