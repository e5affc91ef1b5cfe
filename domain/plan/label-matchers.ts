// Label matchers of plan triggers, read as Prometheus and Alertmanager read theirs: a regex is
// anchored (it must match the whole value) and RE2 (no lookaround, no backreferences), so a matcher
// copied from an Alertmanager route means the same thing here.
import type { FactKind, LabelMatcher } from './plan.types';

/** Prometheus label names. */
export const LABEL_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
export const LABEL_NAME_RE = new RegExp(LABEL_NAME_PATTERN);

const NOT_RE2: Array<[RegExp, string]> = [
  [/\(\?<?[=!]/, 'lookaround ((?=, (?!, (?<=, (?<!)'],
  [/\\[1-9]|\\k</, 'backreferences (\\1, \\k<name>)'],
];

/** The anchored RegExp for `source`, or why it is not a valid (RE2) regex. */
export function compileLabelRegex(source: string): { ok: true; re: RegExp } | { ok: false; message: string } {
  for (const [re, what] of NOT_RE2) {
    if (re.test(source)) return { ok: false, message: `"${source}" uses ${what}, which Prometheus regexes (RE2) do not have` };
  }
  try {
    return { ok: true, re: new RegExp(`^(?:${source})$`) };
  } catch (e) {
    const why = (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '');
    return { ok: false, message: `"${source}" is not a valid regex: ${why}` };
  }
}

// Plans are few and their regexes fixed: compile each once, not once per alert of a storm.
const compiled = new Map<string, RegExp | null>();

/** True when `value` (undefined: the label is absent) satisfies the matcher. */
export function labelMatches(m: LabelMatcher, value: string | undefined): boolean {
  if (value === undefined) return false;
  if ('equals' in m) return value === m.equals;
  if ('oneOf' in m) return m.oneOf.includes(value);
  let re = compiled.get(m.regex);
  if (re === undefined) {
    const c = compileLabelRegex(m.regex);
    re = c.ok ? c.re : null;
    if (compiled.size < 1000) compiled.set(m.regex, re);
  }
  return re !== null && re.test(value);
}

/** `alertname = InvoiceDatabaseDown`, `instance =~ invoice-db.*`, `severity in [critical, warning]` */
export function describeMatcher(name: string, m: LabelMatcher): string {
  if ('equals' in m) return `${name} = ${m.equals}`;
  if ('oneOf' in m) return `${name} in [${m.oneOf.join(', ')}]`;
  return `${name} =~ ${m.regex}`;
}

const TRUE = ['true', 'yes', '1'];
const FALSE = ['false', 'no', '0'];

/**
 * `raw` (a label or annotation is text; a detail may already be typed) as a value of `kind`, or
 * undefined when it is not one: "25000" is a number, "true"/"yes"/"1" a boolean.
 */
export function convertFactValue(kind: FactKind, raw: unknown): string | number | boolean | undefined {
  if (kind === 'text') return typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
  if (kind === 'number') {
    if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
    if (typeof raw !== 'string' || !/^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(raw)) return undefined;
    const n = Number(raw);
    return Number.isFinite(n) ? n : undefined;
  }
  if (typeof raw === 'boolean') return raw;
  if (typeof raw !== 'string') return undefined;
  const s = raw.trim().toLowerCase();
  return TRUE.includes(s) ? true : FALSE.includes(s) ? false : undefined;
}
