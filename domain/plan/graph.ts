// The step graph of a plan: dependency order, cycles, branches, level filters, and which steps a
// running incident should start or skip next. Pure and deterministic (ties go to file order), so
// workflow code can call it on every change and replay gives the same answers.
//
// Semantics (plan-format.md, made precise):
// - A step waits for every step in its `after` (finished or skipped both count).
// - A step named in a decision option's `next` is *gated*: it also waits for that decision, runs if
//   the decision picked (one of) the option(s) naming it, and is skipped otherwise.
// - A step skipped because its branch was not taken is *dead*. A step that is not gated and whose
//   `after` steps are all dead is dead too (it is only reachable through the branch). A join step,
//   whose `after` lists steps of several branches, runs as soon as those are finished or skipped.
// - `levels` limits a step to some levels; at other levels it is skipped but not dead, so the steps
//   after it still run. It is skipped in its place (once the steps it waits for are finished), so
//   ordering through it is kept. A decision that is skipped takes no option: its gated steps are dead.
// - A dead step is skipped at once.
import { LEVELS } from './plan.types';
import type { DecisionStep, Level, Plan, Step } from './plan.types';
import type { PathSeg } from '../yaml/reader';

export type StepState = 'pending' | 'running' | 'done' | 'skipped';

export interface Gate {
  decision: string;
  option: string;
}

export interface PlanGraph {
  /** Step ids in file order. */
  ids: string[];
  /** A topological order (ties in file order); steps in cycles are left out. */
  order: string[];
  /** What each step waits for: its `after` plus the decisions that gate it (file order). */
  predecessors: Record<string, string[]>;
  successors: Record<string, string[]>;
  /** The decision options that lead to a step (empty for ungated steps). */
  gatedBy: Record<string, Gate[]>;
  /** Steps that wait for nothing: they start as soon as the incident is classified. */
  roots: string[];
  /** Each cycle as a path that returns to its start: `[a, b, a]`. */
  cycles: string[][];
}

/** A problem with the graph, positioned by its path in the plan (`steps[3].after[0]`). */
export interface GraphIssue {
  path: PathSeg[];
  message: string;
}

type GraphPlan = Pick<Plan, 'steps'> & Partial<Pick<Plan, 'levels'>>;

const own = <T>(r: Record<string, T>, k: string): T | undefined => (Object.prototype.hasOwnProperty.call(r, k) ? r[k] : undefined);

function indexSteps(plan: GraphPlan): Map<string, { step: Step; index: number }> {
  const byId = new Map<string, { step: Step; index: number }>();
  plan.steps.forEach((step, index) => {
    if (!byId.has(step.id)) byId.set(step.id, { step, index });
  });
  return byId;
}

/** Builds the graph; references to unknown steps are ignored (the parser reports them). */
export function planGraph(plan: GraphPlan): PlanGraph {
  const byId = indexSteps(plan);
  const ids = [...byId.keys()];
  const pred = new Map<string, string[]>(ids.map((id) => [id, []]));
  const gatedBy: Record<string, Gate[]> = Object.fromEntries(ids.map((id) => [id, [] as Gate[]]));
  const addEdge = (from: string, to: string) => {
    const p = pred.get(to);
    if (p && byId.has(from) && !p.includes(from)) p.push(from);
  };
  for (const { step } of byId.values()) {
    for (const a of step.after ?? []) addEdge(a, step.id);
    if (step.type === 'decision') {
      for (const opt of step.options ?? []) {
        for (const n of opt.next ?? []) {
          if (!byId.has(n)) continue;
          addEdge(step.id, n);
          if (!gatedBy[n].some((g) => g.decision === step.id && g.option === opt.id)) gatedBy[n].push({ decision: step.id, option: opt.id });
        }
      }
    }
  }
  const fileIndex = (id: string) => byId.get(id)!.index;
  const predecessors: Record<string, string[]> = {};
  const successors: Record<string, string[]> = Object.fromEntries(ids.map((id) => [id, [] as string[]]));
  for (const id of ids) {
    predecessors[id] = [...pred.get(id)!].sort((a, b) => fileIndex(a) - fileIndex(b));
    for (const p of predecessors[id]) successors[p].push(id);
  }
  for (const id of ids) successors[id].sort((a, b) => fileIndex(a) - fileIndex(b));

  // Kahn's algorithm, always taking the earliest step in the file that is ready.
  const remaining = new Map(ids.map((id) => [id, predecessors[id].length]));
  const order: string[] = [];
  const ready = ids.filter((id) => remaining.get(id) === 0);
  while (ready.length > 0) {
    ready.sort((a, b) => fileIndex(a) - fileIndex(b));
    const id = ready.shift()!;
    order.push(id);
    for (const s of successors[id]) {
      const left = remaining.get(s)! - 1;
      remaining.set(s, left);
      if (left === 0) ready.push(s);
    }
  }

  return {
    ids,
    order,
    predecessors,
    successors,
    gatedBy,
    roots: ids.filter((id) => predecessors[id].length === 0),
    cycles: findCycles(ids, successors, fileIndex),
  };
}

/** One shortest cycle per strongly connected component, starting at its earliest step. */
function findCycles(ids: string[], successors: Record<string, string[]>, fileIndex: (id: string) => number): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  const strongConnect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of successors[v]) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      components.push(comp);
    }
  };
  for (const id of ids) if (!index.has(id)) strongConnect(id);

  const cycles: string[][] = [];
  for (const comp of components) {
    if (comp.length === 1 && !successors[comp[0]].includes(comp[0])) continue;
    const members = new Set(comp);
    const start = [...comp].sort((a, b) => fileIndex(a) - fileIndex(b))[0];
    // Breadth-first from start back to start, inside the component.
    const prev = new Map<string, string>();
    const queue = [start];
    let closing: string | undefined;
    while (queue.length > 0 && closing === undefined) {
      const v = queue.shift()!;
      for (const w of successors[v]) {
        if (!members.has(w)) continue;
        if (w === start) {
          closing = v;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    const path = [start];
    for (let v = closing!; v !== start; v = prev.get(v)!) path.splice(1, 0, v);
    path.push(start);
    cycles.push(path);
  }
  return cycles.sort((a, b) => fileIndex(a[0]) - fileIndex(b[0]));
}

/** Whether a step takes part at a level (its `levels` filter). */
export function isStepActiveAt(step: Step, level: Level): boolean {
  return !step.levels || step.levels.includes(level);
}

/** The steps that take part at a level, in file order. */
export function stepsAtLevel(plan: Pick<Plan, 'steps'>, level: Level): Step[] {
  return plan.steps.filter((s) => isStepActiveAt(s, level));
}

/** Levels the plan's rules can give: every rule up to (and including) the first `{ always: true }`. */
export function possibleLevels(plan: Partial<Pick<Plan, 'levels'>>): Level[] {
  if (!plan.levels || plan.levels.length === 0) return [...LEVELS];
  const out = new Set<Level>();
  for (const rule of plan.levels) {
    out.add(rule.level);
    if ((rule.when as { always?: unknown }).always === true) break;
  }
  return LEVELS.filter((l) => out.has(l));
}

/** Where in the plan the edge `from -> to` is written. */
function edgePath(plan: GraphPlan, byId: Map<string, { step: Step; index: number }>, from: string, to: string): PathSeg[] {
  const target = byId.get(to)!;
  const k = target.step.after?.indexOf(from) ?? -1;
  if (k >= 0) return ['steps', target.index, 'after', k];
  const source = byId.get(from)!;
  if (source.step.type === 'decision') {
    const options = source.step.options ?? [];
    for (let j = 0; j < options.length; j++) {
      const n = options[j].next?.indexOf(to) ?? -1;
      if (n >= 0) return ['steps', source.index, 'options', j, 'next', n];
    }
  }
  return ['steps', target.index];
}

/**
 * Problems with the step graph: cycles (with their path), and steps that can never run at any level
 * the rules can give (their `levels` never happen, or the branch leading to them never runs where
 * they are active). Unreachability is only checked when there is no cycle.
 */
export function analyzePlanGraph(plan: GraphPlan): GraphIssue[] {
  const byId = indexSteps(plan);
  const g = planGraph(plan);
  const issues: GraphIssue[] = [];
  for (const cycle of g.cycles) {
    const n = cycle.length;
    issues.push({
      path: edgePath(plan, byId, cycle[n - 2], cycle[n - 1]),
      message: `steps wait for each other in a circle, so none of them can start: ${cycle.join(' -> ')} (each waits for the one before it)`,
    });
  }
  if (g.cycles.length > 0) return issues;

  const levels = possibleLevels(plan);
  const runsAt = new Map<string, Set<Level>>(g.ids.map((id) => [id, new Set<Level>()]));
  const aliveAt = new Map<string, Set<Level>>(g.ids.map((id) => [id, new Set<Level>()]));
  for (const level of levels) {
    for (const id of g.order) {
      const step = byId.get(id)!.step;
      const gates = g.gatedBy[id];
      const after = (step.after ?? []).filter((a) => byId.has(a));
      const alive =
        gates.length > 0 ? gates.some((gate) => runsAt.get(gate.decision)!.has(level)) : after.length === 0 || after.some((a) => aliveAt.get(a)!.has(level));
      if (alive) aliveAt.get(id)!.add(level);
      if (alive && isStepActiveAt(step, level)) runsAt.get(id)!.add(level);
    }
  }
  for (const id of g.order) {
    if (runsAt.get(id)!.size > 0) continue;
    const { step, index } = byId.get(id)!;
    const active = levels.filter((l) => isStepActiveAt(step, l));
    const gates = g.gatedBy[id];
    if (active.length === 0) {
      const ls = step.levels ?? [];
      issues.push({
        path: ['steps', index, 'levels'],
        message: `step "${id}" can never run: it is limited to level${ls.length === 1 ? '' : 's'} ${ls.join(', ') || '(none)'}, which the level rules never give (they give ${levels.join(', ')})`,
      });
    } else if (gates.length > 0) {
      // Only the first step of a dead branch is reported, not everything after it.
      if (gates.every((gate) => runsAt.get(gate.decision)!.size === 0)) continue;
      const decisions = [...new Set(gates.map((gate) => gate.decision))];
      issues.push({
        path: ['steps', index],
        message: `step "${id}" can never run: the decision${decisions.length === 1 ? '' : 's'} leading to it (${decisions.join(', ')}) never run${decisions.length === 1 ? 's' : ''} at a level where it is active (${active.join(', ')})`,
      });
    } else {
      const after = (step.after ?? []).filter((a) => byId.has(a));
      if (after.every((a) => runsAt.get(a)!.size === 0 && aliveAt.get(a)!.size === 0)) continue;
      issues.push({
        path: ['steps', index],
        message: `step "${id}" can never run: every step it waits for is on a branch that is never taken at a level where it is active (${active.join(', ')})`,
      });
    }
  }
  return issues;
}

export interface ReadySteps {
  /** Steps to start now, in dependency order. */
  start: string[];
  /** Steps to mark skipped now (on a branch not taken, or not at this level and their turn has come), in dependency order. */
  skip: string[];
  /** True when, after the skips, every step is done or skipped. */
  finished: boolean;
  /** True when nothing runs, nothing can start and not everything is finished (should not happen for a valid plan). */
  stuck: boolean;
}

/**
 * What to do next in a running incident: which pending steps to start and which to mark skipped,
 * given the level, each step's state (missing = pending) and the option each finished decision took.
 * Record a decision's option before (or together with) marking the decision `done`.
 * Throws on inconsistent input (a done decision without a valid option): a bug in the caller.
 */
export function readySteps(
  plan: GraphPlan,
  level: Level,
  state: Readonly<Record<string, StepState>>,
  decisions: Readonly<Record<string, string>>,
): ReadySteps {
  const byId = indexSteps(plan);
  const g = planGraph(plan);
  if (g.cycles.length > 0) throw new Error(`plan steps form a cycle: ${g.cycles[0].join(' -> ')}`);
  const current = new Map<string, StepState>(g.ids.map((id) => [id, own(state, id) ?? 'pending']));

  for (const [id, { step }] of byId) {
    if (step.type !== 'decision' || current.get(id) !== 'done') continue;
    const chosen = own(decisions, id);
    if (chosen === undefined) throw new Error(`decision step "${id}" is done but no option was recorded for it`);
    if (!(step as DecisionStep).options.some((o) => o.id === chosen)) {
      throw new Error(`decision step "${id}" has no option "${chosen}" (options: ${(step as DecisionStep).options.map((o) => o.id).join(', ')})`);
    }
  }

  // Gate status: open (a gating option was chosen), closed (every gating decision went elsewhere
  // or was skipped), or waiting.
  const gate = (id: string): 'none' | 'open' | 'closed' | 'waiting' => {
    const gates = g.gatedBy[id];
    if (gates.length === 0) return 'none';
    let closed = true;
    for (const { decision, option } of gates) {
      const s = current.get(decision);
      if (s === 'done' && own(decisions, decision) === option) return 'open';
      if (!(s === 'skipped' || (s === 'done' && own(decisions, decision) !== option))) closed = false;
    }
    return closed ? 'closed' : 'waiting';
  };
  const dead = new Map<string, boolean>();
  const start: string[] = [];
  const skip: string[] = [];
  for (const id of g.order) {
    const step = byId.get(id)!.step;
    const gs = gate(id);
    const after = (step.after ?? []).filter((a) => byId.has(a));
    dead.set(id, gs === 'closed' || (gs === 'none' && after.length > 0 && after.every((a) => dead.get(a))));
    if (current.get(id) !== 'pending') continue;
    if (dead.get(id)) {
      current.set(id, 'skipped');
      skip.push(id);
      continue;
    }
    if (gs === 'waiting') continue;
    const waitsFor = g.predecessors[id];
    if (!waitsFor.every((p) => current.get(p) === 'done' || current.get(p) === 'skipped')) continue;
    if (isStepActiveAt(step, level)) start.push(id);
    else {
      // Skipped in its place, so the steps after it still wait for the ones before it.
      current.set(id, 'skipped');
      skip.push(id);
    }
  }
  const finished = [...current.values()].every((s) => s === 'done' || s === 'skipped');
  const running = [...current.values()].some((s) => s === 'running');
  return { start, skip, finished, stuck: !finished && !running && start.length === 0 };
}

/** The option ids of a decision step (for validating a commander's choice before recording it). */
export function decisionOptions(plan: Pick<Plan, 'steps'>, stepId: string): string[] | undefined {
  const step = plan.steps.find((s) => s.id === stepId);
  return step?.type === 'decision' ? step.options.map((o) => o.id) : undefined;
}
