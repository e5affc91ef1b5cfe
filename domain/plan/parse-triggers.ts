// The `triggers` section of a plan file (plan-format.md): which alerts start the plan, how, and the
// facts they bring. Read with positions like the rest of the plan; called by parse-plan.ts once the
// level rules, sourced facts and drill facts are known, since a trigger may only set a fact the plan
// uses, converted to the kind the plan uses it as.
import type { Node } from 'yaml';
import { checkFacts, evaluateCondition } from './conditions';
import { compileLabelRegex, LABEL_NAME_RE } from './label-matchers';
import { LEVELS } from './plan.types';
import type { FactKind, LabelMatcher, Level, LevelRule, Trigger, TriggerFact } from './plan.types';
import { FACT_RE } from './vocabulary';
import { listWords, suggestion } from '../text/did-you-mean';
import type { Field, Path, YamlReader } from '../yaml/reader';

/** A fact the plan uses, its kind, and where that kind comes from (`levels[1].when.gte`). */
export interface KnownFact {
  kind: FactKind;
  where: string;
}

const LAUNCH = ['auto', 'propose'] as const;
const SOURCES = ['value', 'label', 'annotation', 'detail'] as const;
const KIND_WORDS: Record<FactKind, string> = { number: 'a number', text: 'text', boolean: 'true or false' };
const EXAMPLE = '- match: { alertname: InvoiceDatabaseDown }\n    launch: auto';

function kindOf(v: unknown): FactKind | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return 'number';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'boolean') return 'boolean';
  return undefined;
}

export function readTriggers(r: YamlReader, f: Field, known: ReadonlyMap<string, KnownFact>): Trigger[] | undefined {
  const items = r.list(f.value, f.path, `a list of triggers, e.g.\n  ${EXAMPLE}`);
  if (!items) return undefined;
  if (items.length === 0) {
    r.problem(f.value, f.path, 'the list of triggers is empty; leave "triggers" out when no alert starts this plan');
    return undefined;
  }
  const out = items.map((item, i) => readTrigger(r, item, [...f.path, i], known));
  return out.every((t): t is Trigger => t !== undefined) ? out : undefined;
}

function readTrigger(r: YamlReader, node: Node | null, path: Path, known: ReadonlyMap<string, KnownFact>): Trigger | undefined {
  const fields = r.fields(node, path, { allowed: ['match', 'launch', 'level', 'facts'], required: ['match'], what: 'a trigger: { match: { alertname: NAME }, launch: auto | propose }' });
  if (!fields) return undefined;
  let ok = true;
  const mf = fields.get('match');
  const match = mf ? readMatch(r, mf) : undefined;
  if (!match) ok = false;
  const lf = fields.get('launch');
  const launch = lf ? r.word(lf.value, lf.path, LAUNCH, '"auto" (start the plan at once) or "propose" (a commander confirms in triage)') : 'propose';
  if (!launch) ok = false;
  const vf = fields.get('level');
  const level = vf ? r.word<Level>(vf.value, vf.path, LEVELS, 'a level: I, II, III or IV') : undefined;
  if (vf && !level) ok = false;
  const ff = fields.get('facts');
  const facts = ff ? readFacts(r, ff, known) : undefined;
  if (ff && !facts) ok = false;
  if (!ok || !match || !launch) return undefined;
  return { match, launch, ...(level ? { level } : {}), ...(facts ? { facts } : {}) };
}

/** `{ alertname: X, instance: { regex: "db-.*" }, severity: [critical, warning] }` */
function readMatch(r: YamlReader, f: Field): Record<string, LabelMatcher> | undefined {
  const map = r.map(f.value, f.path, 'a map of alert labels to match, e.g. { alertname: InvoiceDatabaseDown }');
  if (!map) return undefined;
  if (map.items.length === 0) {
    r.problem(f.value, f.path, 'a trigger needs at least one label to match, e.g. { alertname: InvoiceDatabaseDown }');
    return undefined;
  }
  const out: Record<string, LabelMatcher> = {};
  let ok = true;
  for (const pair of map.items) {
    const key = pair.key as Node | null;
    const name = r.kind(key) === 'text' ? String((key as unknown as { value: string }).value) : undefined;
    if (name === undefined || !LABEL_NAME_RE.test(name)) {
      r.problem(key ?? map, name ? [...f.path, name] : f.path, name ? `"${name}" is not a label name: use letters, digits and _, not starting with a digit` : `label names must be text, found ${r.found(key)}`);
      ok = false;
      continue;
    }
    const m = readMatcher(r, (pair.value as Node | null) ?? null, [...f.path, name], key);
    if (m) out[name] = m;
    else ok = false;
  }
  return ok ? out : undefined;
}

function scalarText(r: YamlReader, node: Node | null, path: Path, at?: Node | null): string | undefined {
  const k = r.kind(node);
  if (k === 'text') return r.str(node, path, 'a label value', at);
  if (k === 'number' || k === 'boolean') return String(r.plain(node, path));
  r.problem(node, path, `expected a label value (text), found ${r.found(node)}`, at);
  return undefined;
}

function readMatcher(r: YamlReader, node: Node | null, path: Path, key: Node | null): LabelMatcher | undefined {
  const k = r.kind(node);
  if (k === 'list') {
    const items = r.list(node, path)!;
    if (items.length === 0) {
      r.problem(node, path, 'the list of values must not be empty', key);
      return undefined;
    }
    const values = items.map((item, i) => scalarText(r, item, [...path, i]));
    if (!values.every((v): v is string => v !== undefined)) return undefined;
    return { oneOf: values };
  }
  if (k === 'map') {
    const fields = r.fields(node, path, { allowed: ['regex'], required: ['regex'], what: 'a regex matcher: { regex: "invoice-db.*" }' }, key);
    const rf = fields?.get('regex');
    if (!rf) return undefined;
    const source = r.str(rf.value, rf.path, 'a regex (RE2, anchored: it must match the whole value)');
    if (source === undefined) return undefined;
    const c = compileLabelRegex(source);
    if (!c.ok) {
      r.problem(rf.value, rf.path, c.message);
      return undefined;
    }
    return { regex: source };
  }
  const v = scalarText(r, node, path, key);
  return v === undefined ? undefined : { equals: v };
}

/** `{ invoicesAffected: { value: 25000 }, outageMinutes: { label: outage_minutes, default: 0 } }` */
function readFacts(r: YamlReader, f: Field, known: ReadonlyMap<string, KnownFact>): Record<string, TriggerFact> | undefined {
  const map = r.map(f.value, f.path, 'a map of facts and where the alert gives them, e.g. { outageMinutes: { label: outage_minutes, default: 0 } }');
  if (!map) return undefined;
  const out: Record<string, TriggerFact> = {};
  let ok = true;
  for (const pair of map.items) {
    const key = pair.key as Node | null;
    const name = r.kind(key) === 'text' ? String((key as unknown as { value: string }).value) : undefined;
    if (name === undefined || !FACT_RE.test(name)) {
      r.problem(key ?? map, name ? [...f.path, name] : f.path, name ? `"${name}" is not a fact name: use letters, digits and _` : `fact names must be text, found ${r.found(key)}`);
      ok = false;
      continue;
    }
    const fact = readFact(r, name, key, (pair.value as Node | null) ?? null, [...f.path, name], known);
    if (fact) out[name] = fact;
    else ok = false;
  }
  return ok ? out : undefined;
}

function readFact(r: YamlReader, name: string, key: Node | null, node: Node | null, path: Path, known: ReadonlyMap<string, KnownFact>): TriggerFact | undefined {
  const fields = r.fields(node, path, { allowed: [...SOURCES, 'default'], what: 'where the fact comes from: { value: 25000 }, { label: NAME }, { annotation: NAME } or { detail: NAME }' }, key);
  if (!fields) return undefined;
  const given = SOURCES.filter((s) => fields.has(s));
  if (given.length !== 1) {
    r.problem(node, path, given.length === 0 ? `say where fact "${name}" comes from: value, label, annotation or detail` : `fact "${name}" comes from one place, but this names ${listWords(given, 'and')}`, key);
    return undefined;
  }
  const fact = known.get(name);
  if (!fact) {
    const names = [...known.keys()];
    r.problem(key, path, `the plan does not use a fact "${name}"${suggestion(name, names)}; a trigger sets facts the level rules compare, sourced facts or drill facts${names.length ? `: here ${listWords(names, 'and')}` : ' (this plan has none)'}`);
    return undefined;
  }
  const source = given[0];
  const sf = fields.get(source)!;
  const df = fields.get('default');
  const typed = (vf: Field, what: string): string | number | boolean | undefined => {
    const v = r.plain(vf.value, vf.path);
    if (v === undefined) return undefined;
    if (kindOf(v) !== fact.kind) {
      r.problem(vf.value, vf.path, `${what} of fact "${name}" must be ${KIND_WORDS[fact.kind]} (${fact.where}), found ${r.found(vf.value)}`);
      return undefined;
    }
    return v as string | number | boolean;
  };
  if (source === 'value') {
    if (df) {
      r.problem(df.key, df.path, 'a constant value needs no default');
      return undefined;
    }
    const value = typed(sf, 'the value');
    return value === undefined ? undefined : { kind: fact.kind, value };
  }
  const from = source === 'label' ? r.pattern(sf.value, sf.path, LABEL_NAME_RE, 'a label name (letters, digits and _)') : r.str(sf.value, sf.path, `the name of an ${source}`);
  if (from === undefined) return undefined;
  const def = df ? typed(df, 'the default') : undefined;
  if (df && def === undefined) return undefined;
  const base = { kind: fact.kind, ...(def === undefined ? {} : { default: def }) };
  if (source === 'label') return { ...base, label: from };
  if (source === 'annotation') return { ...base, annotation: from };
  return { ...base, detail: from };
}

const SAMPLES: Record<FactKind, readonly unknown[]> = { number: [0, 10_000], boolean: [false, true], text: ['', 'x'] };

/**
 * The first fact the level rules read that a trigger without a `level` does not set (nor a source
 * computes), so an incident it launches could not be classified; undefined when every value it may
 * bring classifies. Facts read from the alert are tried with a low and a high sample.
 */
export function factMissingForLevels(rules: LevelRule[], t: Trigger, sourced: readonly string[]): { fact: string; rule: number } | undefined {
  if (t.level) return undefined;
  const facts = Object.entries(t.facts ?? {});
  for (const i of [0, 1]) {
    const sample: Record<string, unknown> = Object.fromEntries(sourced.map((n) => [n, i === 0 ? 0 : 10_000]));
    for (const [name, f] of facts) sample[name] = 'value' in f ? f.value : SAMPLES[f.kind][i];
    for (let j = 0; j < rules.length; j++) {
      const err = checkFacts(rules[j].when, sample);
      if (err?.code === 'unknown-fact') return { fact: err.fact, rule: j };
      if (err || evaluateCondition(rules[j].when, sample)) break;
    }
  }
  return undefined;
}
