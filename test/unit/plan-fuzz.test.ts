// Property tests: the validator never throws, whatever is done to a valid plan. Every result is
// either a valid plan or a non-empty list of positioned problems, each with a path.
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { parsePlan } from '../../domain/plan/parse-plan';
import type { ParsePlanResult } from '../../domain/plan/parse-plan';

const plansDir = join(__dirname, '..', '..', 'plans');
const texts = readdirSync(plansDir)
  .filter((f) => f.endsWith('.yaml') && !f.startsWith('teams'))
  .sort()
  .map((f) => readFileSync(join(plansDir, f), 'utf8'));

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Seg = string | number;
const parsed = texts.map((t) => parse(t) as Json);

/** Every path in a value (not the root), depth first. */
function paths(v: Json, prefix: Seg[] = [], out: Seg[][] = []): Seg[][] {
  const children: Array<[Seg, Json]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : v !== null && typeof v === 'object' ? Object.entries(v) : [];
  for (const [seg, child] of children) {
    out.push([...prefix, seg]);
    paths(child, [...prefix, seg], out);
  }
  return out;
}
function parentOf(root: Json, path: Seg[]): Json {
  let cur: Json = root;
  for (const seg of path.slice(0, -1)) cur = (cur as Record<Seg, Json>)[seg];
  return cur;
}
function at(root: Json, path: Seg[]): Json {
  return (parentOf(root, path) as Record<Seg, Json>)[path[path.length - 1]];
}

type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'retype'; at: number; value: Json }
  | { kind: 'rename'; at: number; to: string; everywhere: boolean }
  | { kind: 'shuffle'; at: number; seed: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'add-key'; at: number; key: string; value: Json };

const ids = fc.constantFrom('isolate', 'verify', 'commander', 'dba', 'owner-lead', 'management', 'restore', 'I', 'IV', '15m', 'always', 'fact', 'x');
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('retype' as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> }),
  fc.record({ kind: fc.constant('rename' as const), at: fc.nat(), to: fc.oneof(ids, fc.string({ maxLength: 12 })), everywhere: fc.boolean() }),
  fc.record({ kind: fc.constant('shuffle' as const), at: fc.nat(), seed: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('add-key' as const), at: fc.nat(), key: fc.oneof(ids, fc.string({ maxLength: 8 })), value: fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Json> }),
);

function apply(root: Json, m: Mutation): void {
  const all = paths(root);
  if (all.length === 0) return;
  const path = all[m.at % all.length];
  const parent = parentOf(root, path) as Record<Seg, Json> & Json[];
  const last = path[path.length - 1];
  switch (m.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      return;
    case 'retype':
      parent[last] = m.value;
      return;
    case 'rename': {
      const strings = all.filter((p) => typeof at(root, p) === 'string');
      if (strings.length === 0) return;
      const target = strings[m.at % strings.length];
      const old = at(root, target);
      for (const p of m.everywhere ? strings.filter((s) => at(root, s) === old) : [target]) (parentOf(root, p) as Record<Seg, Json>)[p[p.length - 1]] = m.to;
      return;
    }
    case 'shuffle': {
      const arrays = all.filter((p) => Array.isArray(at(root, p)));
      if (arrays.length === 0) return;
      const arr = at(root, arrays[m.at % arrays.length]) as Json[];
      for (let i = arr.length - 1, s = m.seed; i > 0; i--, s = Math.floor(s / 7) + i) {
        const j = s % (i + 1);
        [arr[i], arr[j]] = [arr[j], arr[i]];
      }
      return;
    }
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice(last as number, 0, JSON.parse(JSON.stringify(parent[last as number])) as Json);
      return;
    case 'add-key': {
      const maps = all.filter((p) => { const v = at(root, p); return v !== null && typeof v === 'object' && !Array.isArray(v); });
      if (maps.length === 0) return;
      (at(root, maps[m.at % maps.length]) as Record<string, Json>)[m.key] = m.value;
    }
  }
}

function checkResult(res: ParsePlanResult, requirePath: boolean): void {
  if (res.ok) {
    expect(JSON.parse(JSON.stringify(res.plan))).toEqual(res.plan);
    return;
  }
  expect(res.problems.length).toBeGreaterThan(0);
  for (const p of res.problems) {
    expect(p.line).toBeGreaterThanOrEqual(1);
    expect(p.column).toBeGreaterThanOrEqual(1);
    expect(p.message.length).toBeGreaterThan(0);
    expect(p.message).not.toMatch(/internal error/);
    if (requirePath) expect(p.path.length).toBeGreaterThan(0);
  }
}

describe('validator under mutation', () => {
  it('never throws on structurally mutated plans; every problem has a path', () => {
    fc.assert(
      fc.property(fc.nat(texts.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, mutations) => {
        const data = structuredClone(parsed[which]);
        for (const m of mutations) apply(data, m);
        checkResult(parsePlan(stringify(data), { file: 'mutated.yaml', env: {} }), true);
      }),
      { numRuns: 1500, seed: 20251123 },
    );
  });

  it('never throws on text-level damage (cut, inserted or swapped characters)', () => {
    const junk = fc.constantFrom('{', '}', '[', ']', ':', '- ', '\n', '  ', '"', "'", '&a', '*a', '${X}', '#', '\t', '!!', '|', '>', ',', '?', '\u0000');
    fc.assert(
      fc.property(fc.nat(texts.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(20), junk), { minLength: 1, maxLength: 5 }), (which, edits) => {
        let text = texts[which];
        for (const [pos, cut, insert] of edits) {
          const p = pos % (text.length + 1);
          text = text.slice(0, p) + insert + text.slice(p + cut);
        }
        checkResult(parsePlan(text, { file: 'damaged.yaml', env: {} }), false);
      }),
      { numRuns: 800, seed: 20251124 },
    );
  });

  it('keeps unmutated plans valid (the mutation harness round-trips)', () => {
    for (const text of texts) expect(parsePlan(stringify(parse(text)), { env: {} }).ok).toBe(true);
  });
});
