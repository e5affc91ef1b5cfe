// Conditions (`when`) are data, never code: evaluated here against an incident's facts.
import type { Condition } from './plan.types';

export const COMPARISONS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in'] as const;
export type Comparison = (typeof COMPARISONS)[number];
export const CONDITION_KINDS = ['fact', 'all', 'any', 'not', 'always'] as const;

const SYMBOL: Record<Comparison, string> = { eq: '=', ne: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤', in: 'in' };

export type FactCondition = Extract<Condition, { fact: string }>;

/** Why facts cannot be evaluated: a fact the condition reads is missing, or has the wrong type. */
export interface FactError {
  code: 'unknown-fact' | 'mistyped-fact';
  fact: string;
  message: string;
}

export function isFactCondition(c: Condition): c is FactCondition {
  return typeof (c as { fact?: unknown }).fact === 'string';
}

/** The comparison a fact condition uses (exactly one, checked when the plan is parsed). */
export function comparisonOf(c: FactCondition): Comparison {
  return COMPARISONS.find((op) => op in c) ?? 'eq';
}

/** Every fact condition in `c`, depth first, in writing order. */
export function factConditions(c: Condition): FactCondition[] {
  if (isFactCondition(c)) return [c];
  if ('all' in c) return c.all.flatMap(factConditions);
  if ('any' in c) return c.any.flatMap(factConditions);
  if ('not' in c) return factConditions(c.not);
  return [];
}

/** Names of the facts a condition reads, without repeats. */
export function conditionFacts(c: Condition): string[] {
  return [...new Set(factConditions(c).map((f) => f.fact))];
}

type Kind = 'number' | 'text' | 'boolean';

function kindOf(v: unknown): Kind | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return 'number';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'boolean') return 'boolean';
  return undefined;
}

/** The kind of value a fact condition compares with (`gte: 10` is a number). */
export function operandKind(c: FactCondition): Kind | undefined {
  const op = comparisonOf(c);
  const v = (c as Record<string, unknown>)[op];
  if (op === 'in') return Array.isArray(v) && v.length > 0 ? kindOf(v[0]) : undefined;
  return kindOf(v);
}

const A: Record<Kind, string> = { number: 'a number', text: 'text', boolean: 'true or false' };

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? `[${v.map(show).join(', ')}]` : String(v);
}

/**
 * Checks the facts a condition reads: every fact that is present must be of the kind it is compared
 * with (a mistyped fact is always an error), and the condition must be decided by the facts present.
 * A missing fact is an error unless the outcome is the same whatever its value (`any` with another
 * part true, `all` with another part false): never a silent false. Order of parts does not matter.
 */
export function checkFacts(c: Condition, facts: Readonly<Record<string, unknown>>): FactError | undefined {
  for (const leaf of factConditions(c)) {
    if (!present(facts, leaf.fact)) continue;
    const value = facts[leaf.fact];
    const want = operandKind(leaf);
    const got = kindOf(value);
    if (want !== undefined && got !== want) {
      const op = comparisonOf(leaf);
      return {
        code: 'mistyped-fact',
        fact: leaf.fact,
        message: `fact "${leaf.fact}" is ${show(value)} (${got ? A[got] : typeof value}), but the level rules compare it with ${A[want]} (${op} ${show((leaf as Record<string, unknown>)[op])})`,
      };
    }
  }
  if (evaluate3(c, facts) === undefined) {
    const missing = factConditions(c).find((leaf) => !present(facts, leaf.fact))!;
    return { code: 'unknown-fact', fact: missing.fact, message: `unknown fact "${missing.fact}": the level rules need it, but the incident's facts do not include it` };
  }
  return undefined;
}

function present(facts: Readonly<Record<string, unknown>>, fact: string): boolean {
  return Object.prototype.hasOwnProperty.call(facts, fact) && facts[fact] !== undefined && facts[fact] !== null;
}

/** Three-valued evaluation: undefined when missing facts leave the outcome open. */
function evaluate3(c: Condition, facts: Readonly<Record<string, unknown>>): boolean | undefined {
  if (isFactCondition(c)) {
    if (!present(facts, c.fact)) return undefined;
    const v = facts[c.fact];
    const op = comparisonOf(c);
    const x = (c as Record<string, unknown>)[op];
    switch (op) {
      case 'eq':
        return v === x;
      case 'ne':
        return v !== x;
      case 'gt':
        return (v as number) > (x as number);
      case 'gte':
        return (v as number) >= (x as number);
      case 'lt':
        return (v as number) < (x as number);
      case 'lte':
        return (v as number) <= (x as number);
      case 'in':
        return (x as unknown[]).includes(v);
    }
  }
  if ('all' in c) {
    const parts = c.all.map((p) => evaluate3(p, facts));
    return parts.includes(false) ? false : parts.includes(undefined) ? undefined : true;
  }
  if ('any' in c) {
    const parts = c.any.map((p) => evaluate3(p, facts));
    return parts.includes(true) ? true : parts.includes(undefined) ? undefined : false;
  }
  if ('not' in c) {
    const v = evaluate3(c.not, facts);
    return v === undefined ? undefined : !v;
  }
  return (c as { always?: unknown }).always === true;
}

/** Evaluates a condition whose facts passed `checkFacts` (facts that do not matter may be missing). */
export function evaluateCondition(c: Condition, facts: Readonly<Record<string, unknown>>): boolean {
  return evaluate3(c, facts) === true;
}

/** The condition in words: `invoicesAffected ≥ 100000 or outageMinutes ≥ 240`. */
export function describeCondition(c: Condition): string {
  if (isFactCondition(c)) {
    const op = comparisonOf(c);
    return `${c.fact} ${SYMBOL[op]} ${show((c as Record<string, unknown>)[op])}`;
  }
  const group = (parts: Condition[], word: string) => (parts.length === 1 ? describeCondition(parts[0]) : parts.map((p) => (isFactCondition(p) ? describeCondition(p) : `(${describeCondition(p)})`)).join(` ${word} `));
  if ('all' in c) return group(c.all, 'and');
  if ('any' in c) return group(c.any, 'or');
  if ('not' in c) return `not (${describeCondition(c.not)})`;
  return 'always';
}

/**
 * Why a condition that evaluated to true did so, with the facts' values: for `any`, only the
 * parts that were true. E.g. `invoicesAffected is 25000 (≥ 10000)`.
 */
export function explainMatch(c: Condition, facts: Readonly<Record<string, unknown>>): string {
  if (isFactCondition(c)) {
    const op = comparisonOf(c);
    return `${c.fact} is ${show(facts[c.fact])} (${SYMBOL[op]} ${show((c as Record<string, unknown>)[op])})`;
  }
  if ('all' in c) return c.all.map((x) => explainMatch(x, facts)).join(' and ');
  if ('any' in c) return c.any.filter((x) => evaluate3(x, facts) === true).map((x) => explainMatch(x, facts)).join(' or ');
  if ('not' in c) return `not (${describeCondition(c.not)})`;
  return 'no earlier rule matched (catch-all)';
}
