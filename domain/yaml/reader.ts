// Reading YAML with positions: every value keeps where it came from, so a problem can name the file,
// line, column and path (`steps[2].after[0]`) of the mistake. Shared by the plan parser and the
// team directory loader. Pure: the caller passes the text and the environment, of which only the
// plan variables (YINGJI_PLAN_*, plan-variables.ts) are ever read.
import { Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument, visit, YAMLMap } from 'yaml';
import type { Problem } from '../plan/plan.types';
import { didYouMean, listWords, suggestion } from '../text/did-you-mean';
import { isPlanVariableName, notAPlanVariable, planVariables } from './plan-variables';
import type { PlanVariables } from './plan-variables';

export type { Problem };

export type PathSeg = string | number;
export type Path = readonly PathSeg[];

const SIMPLE_KEY = /^[A-Za-z0-9_-]+$/;

/** `steps[2].after[0]`, `roles.dba.team`, `notify.channels.email.to["a b"]`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (SIMPLE_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** `file:line:col path: message` (the path is left out when empty). */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}${p.path ? ` ${p.path}` : ''}: ${p.message}`;
}

/** Problems in reading order: by line, then column, then path. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export type ValueKind = 'map' | 'list' | 'text' | 'number' | 'boolean' | 'nothing' | 'other';

export interface Field {
  name: string;
  key: Node;
  value: Node | null;
  path: PathSeg[];
}

/** An environment to take `${NAME}` from; only its YINGJI_PLAN_* names are read. */
export type Env = Readonly<Record<string, string | undefined>>;

const ENV_REF = /\$\{([^}]*)\}|\$\{/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_DEPTH = 64;
const MAX_ALIAS_EXPANSIONS = 1000;
/** Past this many problems a file is not worth reading on, and every further one costs a suggestion search. */
export const MAX_PROBLEMS = 100;

/** Thrown by the reader at the problem after MAX_PROBLEMS; the parsers return what was found and this. */
export class TooManyProblems extends Error {
  readonly problem: Problem;
  constructor(
    at: Omit<Problem, 'message'>,
    /** The problems found before, in reading order. */
    readonly found: Problem[],
  ) {
    super(`more than ${MAX_PROBLEMS} problems; the check stopped here: fix the ones above first`);
    this.problem = { ...at, message: this.message };
  }
}

/** Hints for the YAML mistakes people make most, keyed by the `yaml` library's error codes. */
const YAML_HINTS: Record<string, string> = {
  BLOCK_AS_IMPLICIT_KEY: 'a value on this line contains ": "; put each field on its own line, or quote the text',
  MULTIPLE_DOCS: 'a file holds one YAML document; remove the second "---"',
  TAB_AS_INDENT: 'tabs cannot indent YAML; use spaces',
  BAD_INDENT: 'the indentation does not line up with the lines above',
  MISSING_CHAR: 'a bracket, brace or quote is not closed',
};

export class YamlReader {
  readonly problems: Problem[] = [];
  private readonly lines = new LineCounter();
  readonly doc: Document.Parsed;
  private aliasExpansions = 0;
  /** Whatever the caller passed, only the plan variables are kept. */
  private readonly variables: PlanVariables;

  constructor(
    readonly text: string,
    readonly file: string,
    env: Env,
  ) {
    this.variables = planVariables(env);
    // uniqueKeys off: the library compares every key with every other (seconds for a map of 15,000
    // keys); repeatedKeys() finds the same in one pass.
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: false, strict: true });
  }

  /** Offsets of keys written a second time in the same map (scalar keys, compared by value). */
  private repeatedKeys(): Array<{ pos: [number, number]; code: 'DUPLICATE_KEY'; message: string }> {
    const out: Array<{ pos: [number, number]; code: 'DUPLICATE_KEY'; message: string }> = [];
    visit(this.doc, {
      Map: (_, map) => {
        const seen = new Set<unknown>();
        for (const pair of map.items) {
          if (!isScalar(pair.key)) continue;
          if (seen.has(pair.key.value)) out.push({ pos: [pair.key.range?.[0] ?? 0, pair.key.range?.[1] ?? 0], code: 'DUPLICATE_KEY', message: 'repeated key' });
          seen.add(pair.key.value);
        }
      },
    });
    return out;
  }

  /**
   * Reports YAML syntax errors and warnings. After one, the rest of the file cannot be read reliably,
   * so only repeated keys and the first other error are reported. Returns false when there were any.
   */
  checkSyntax(): boolean {
    const errs = [...this.doc.errors, ...this.doc.warnings, ...this.repeatedKeys()].sort((a, b) => a.pos[0] - b.pos[0]);
    if (errs.length === 0) return true;
    const duplicates = errs.filter((e) => e.code === 'DUPLICATE_KEY');
    const first = errs.find((e) => e.code !== 'DUPLICATE_KEY');
    for (const e of duplicates) {
      const key = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^:\s,{}[\]]+)/.exec(this.text.slice(e.pos[0]))?.[1] ?? '?';
      this.problemAt(e.pos[0], this.pathAtOffset(e.pos[0]), `the field "${key}" is written twice; keep one`);
    }
    if (first) {
      const src = this.text.slice(Math.max(0, first.pos[0] - 1), first.pos[0] + 1);
      let offset = first.pos[0];
      let message = `YAML syntax error: ${first.message.replace(/ at line \d+, column \d+[\s\S]*$/, '')}`;
      if (first.code === 'UNEXPECTED_TOKEN' && src.startsWith('${')) {
        message = 'YAML syntax error: "${...}" inside { } or [ ] must be quoted, e.g. url: "${YINGJI_PLAN_WEBHOOK_URL}"';
        offset -= 1;
      } else if (first.code === 'TAG_RESOLVE_FAILED' || /Unresolved tag/.test(first.message)) {
        message = `YAML tags such as "${this.text.slice(first.pos[0], first.pos[1])}" are not used in these files`;
      } else if (first.code === 'MULTIPLE_DOCS') {
        message = `YAML syntax error: ${YAML_HINTS.MULTIPLE_DOCS}`;
      } else if (YAML_HINTS[first.code]) {
        message += ` (${YAML_HINTS[first.code]})`;
      }
      // Where the reader got to, up to the first key that is not a plain name (garbage after the mistake).
      const at = this.pathAtOffset(offset);
      const cut = at.findIndex((seg) => typeof seg === 'string' && !SIMPLE_KEY.test(seg));
      this.problemAt(offset, cut < 0 ? at : at.slice(0, cut), message);
    }
    return false;
  }

  get root(): Node | null {
    return this.doc.contents as Node | null;
  }

  // ---- positions ----

  position(offset: number): { line: number; column: number } {
    const safe = Math.max(0, Math.min(offset, this.text.length));
    const { line, col } = this.lines.linePos(safe);
    return { line: Math.max(1, line), column: Math.max(1, col) };
  }

  problemAt(offset: number, path: Path, message: string): void {
    const { line, column } = this.position(offset);
    if (this.problems.length >= MAX_PROBLEMS) throw new TooManyProblems({ file: this.file, line, column, path: formatPath(path) }, sortProblems(this.problems));
    this.problems.push({ file: this.file, line, column, path: formatPath(path), message });
  }

  /** Report at the first place `needle` is written inside a scalar node (or at the node). */
  problemInside(node: Node | null, needle: string, path: Path, message: string): void {
    const start = node?.range?.[0] ?? 0;
    const idx = this.text.slice(start, node?.range?.[1] ?? start).indexOf(needle);
    this.problemAt(idx >= 0 ? start + idx : start, path, message);
  }

  /** Report at a node (falling back to another node, then the start of the file). */
  problem(node: Node | null | undefined, path: Path, message: string, fallback?: Node | null): void {
    const offset = node?.range?.[0] ?? fallback?.range?.[0] ?? 0;
    this.problemAt(offset, path, message);
  }

  /** The node at a path from the root (or the nearest existing parent), for problems found after parsing. */
  nodeAt(path: Path): Node | null {
    return this.descend(this.root, path);
  }

  /** The node at a path below `from` (or the nearest existing parent); a key stands in for an empty value. */
  descend(from: Node | null, path: Path): Node | null {
    let node: Node | null = from;
    for (const seg of path) {
      const cur = this.deref(node);
      if (typeof seg === 'number' && isSeq(cur) && seg >= 0 && seg < cur.items.length) {
        node = (cur.items[seg] as Node | null) ?? node;
      } else if (typeof seg === 'string' && isMap(cur)) {
        const pair = cur.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
        if (!pair) return node;
        node = (pair.value as Node | null) ?? (pair.key as Node);
      } else {
        return node;
      }
    }
    return node;
  }

  /** Path to the deepest value containing `offset` (keys count as their pair). */
  pathAtOffset(offset: number): PathSeg[] {
    const path: PathSeg[] = [];
    let node: unknown = this.root;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      if (isSeq(node)) {
        const i = node.items.findIndex((it) => contains(it, offset));
        if (i < 0) break;
        path.push(i);
        node = node.items[i];
      } else if (isMap(node)) {
        const pair = node.items.find((p) => contains(p.key, offset) || contains(p.value, offset));
        if (!pair || !isScalar(pair.key)) break;
        path.push(String(pair.key.value));
        if (contains(pair.key, offset)) break;
        node = pair.value;
      } else break;
    }
    return path;
  }

  // ---- values ----

  deref(node: unknown): Node | null {
    if (isAlias(node)) {
      if (++this.aliasExpansions > MAX_ALIAS_EXPANSIONS) return null;
      const target = node.resolve(this.doc);
      return (target as Node | undefined) ?? null;
    }
    if (isPair(node)) return null;
    return (node as Node | null | undefined) ?? null;
  }

  kind(raw: unknown): ValueKind {
    const node = this.deref(raw);
    if (node === null) return 'nothing';
    if (isMap(node)) return 'map';
    if (isSeq(node)) return 'list';
    if (isScalar(node)) {
      const v = node.value;
      if (v === null || v === undefined) return 'nothing';
      if (typeof v === 'string') return 'text';
      if (typeof v === 'number') return 'number';
      if (typeof v === 'boolean') return 'boolean';
    }
    return 'other';
  }

  /** "a list", `the text "abc"`, "the number 3", "nothing"... for "expected X, found Y". */
  found(raw: unknown): string {
    const node = this.deref(raw);
    switch (this.kind(node)) {
      case 'map':
        return 'a map of fields';
      case 'list':
        return 'a list';
      case 'nothing':
        return 'nothing';
      case 'text': {
        const s = String((node as { value: unknown }).value);
        return `the text "${s.length > 40 ? `${s.slice(0, 37)}...` : s}"`;
      }
      case 'number':
        return `the number ${String((node as { value: unknown }).value)}`;
      case 'boolean':
        return `the value ${String((node as { value: unknown }).value)}`;
      default:
        return 'a value of an unsupported kind';
    }
  }

  /** The map at `node`, or a problem ("expected a map of fields ..."). */
  map(raw: Node | null, path: Path, what = 'a map of fields', at?: Node | null): YAMLMap<unknown, unknown> | undefined {
    const node = this.deref(raw);
    if (isMap(node)) return node;
    this.problem(raw, path, `expected ${what}, found ${this.found(node)}`, at);
    return undefined;
  }

  /**
   * The fields of a map, checking their names: unknown names (with a suggestion), names that are
   * not text, and missing required fields (reported at the start of the map).
   */
  fields(
    raw: Node | null,
    path: Path,
    spec: { allowed: readonly string[]; required?: readonly string[]; what?: string; requiredHint?: (name: string) => string; unknownHint?: (name: string) => string | undefined },
    at?: Node | null,
  ): Map<string, Field> | undefined {
    const map = this.map(raw, path, spec.what, at);
    if (!map) return undefined;
    const out = new Map<string, Field>();
    const suggested = new Set<string>();
    for (const pair of map.items) {
      const key = pair.key as Node | null;
      if (!isScalar(key) || typeof key.value !== 'string') {
        this.problem(key ?? map, path, `field names must be text, found ${this.found(key)}`);
        continue;
      }
      const name = key.value;
      if (!spec.allowed.includes(name)) {
        const hint = spec.unknownHint?.(name);
        const s = suggestion(name, spec.allowed);
        const guess = didYouMean(name, spec.allowed);
        if (guess !== undefined) suggested.add(guess);
        this.problem(key, [...path, name], hint ?? `unknown field "${name}"${s || `; fields here are ${listWords(spec.allowed, 'and')}`}`);
        continue;
      }
      out.set(name, { name, key, value: (pair.value as Node | null) ?? null, path: [...path, name] });
    }
    for (const name of spec.required ?? []) {
      // A misspelled field ("ownr") is reported once, as unknown with its suggestion.
      if (!out.has(name) && !suggested.has(name) && !map.items.some((p) => isScalar(p.key) && p.key.value === name)) {
        this.problem(map, [...path, name], `missing required field "${name}"${spec.requiredHint ? spec.requiredHint(name) : ''}`, raw);
      }
    }
    return out;
  }

  /** The items of a list, or a problem. */
  list(raw: Node | null, path: Path, what = 'a list', at?: Node | null): Array<Node | null> | undefined {
    const node = this.deref(raw);
    if (isSeq(node)) return node.items.map((n) => (n as Node | null) ?? null);
    this.problem(raw, path, `expected ${what}, found ${this.found(node)}`, at);
    return undefined;
  }

  /** Text, with `${NAME}` replaced from the environment (a missing variable is a problem there). */
  str(raw: Node | null, path: Path, what = 'text', at?: Node | null): string | undefined {
    const node = this.deref(raw);
    if (!isScalar(node) || typeof node.value !== 'string') {
      this.problem(raw, path, `expected ${what}, found ${this.found(node)}`, at);
      return undefined;
    }
    return this.substitute(node.value, raw ?? node, path);
  }

  /** Text that must match a pattern; `describe` says what is expected in words. */
  pattern(raw: Node | null, path: Path, re: RegExp, describe: string, at?: Node | null): string | undefined {
    const s = this.str(raw, path, describe, at);
    if (s === undefined) return undefined;
    if (!re.test(s)) {
      this.problem(raw, path, `"${s}" is not ${describe}`, at);
      return undefined;
    }
    return s;
  }

  /** One of a fixed set of words, with a suggestion for near misses. */
  word<T extends string>(raw: Node | null, path: Path, allowed: readonly T[], what?: string, at?: Node | null): T | undefined {
    const expected = what ?? listWords(allowed);
    const node = this.deref(raw);
    if (isScalar(node) && typeof node.value === 'string') {
      const s = this.substitute(node.value, raw ?? node, path);
      if (s === undefined) return undefined;
      if ((allowed as readonly string[]).includes(s)) return s as T;
      this.problem(raw, path, `unknown value "${s}"${suggestion(s, allowed)}; expected ${expected}`, at);
      return undefined;
    }
    this.problem(raw, path, `expected ${expected}, found ${this.found(node)}`, at);
    return undefined;
  }

  bool(raw: Node | null, path: Path, at?: Node | null): boolean | undefined {
    const node = this.deref(raw);
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    this.problem(raw, path, `expected true or false, found ${this.found(node)}`, at);
    return undefined;
  }

  /** A whole number of at least `min`. */
  int(raw: Node | null, path: Path, min: number, what?: string, at?: Node | null): number | undefined {
    const node = this.deref(raw);
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min) return v;
    this.problem(raw, path, `expected ${what ?? `a whole number of ${min} or more`}, found ${this.found(node)}`, at);
    return undefined;
  }

  /** Plain data (for free-form values): strings get `${NAME}` substitution. */
  plain(raw: Node | null, path: Path, depth = 0): unknown {
    const node = this.deref(raw);
    if (depth > MAX_DEPTH) {
      this.problem(raw, path, 'values are nested too deeply');
      return undefined;
    }
    if (node === null) return null;
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (!isScalar(key) || (typeof key.value !== 'string' && typeof key.value !== 'number')) {
          this.problem(key ?? node, path, `field names must be text, found ${this.found(key)}`);
          continue;
        }
        const name = String(key.value);
        out[name] = this.plain((pair.value as Node | null) ?? null, [...path, name], depth + 1);
      }
      return out;
    }
    if (isSeq(node)) return node.items.map((it, i) => this.plain((it as Node | null) ?? null, [...path, i], depth + 1));
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'string') return this.substitute(v, raw ?? node, path);
      if (v === null || v === undefined || typeof v === 'boolean') return v ?? null;
      if (typeof v === 'number' && Number.isFinite(v)) return v;
    }
    this.problem(raw, path, `expected text, a number, true/false, a list or a map, found ${this.found(node)}`);
    return undefined;
  }

  /** `${NAME}` substitution; returns undefined (after reporting) when a variable is missing or malformed. */
  substitute(value: string, node: Node, path: Path): string | undefined {
    if (!value.includes('${')) return value;
    let ok = true;
    const start = node.range?.[0] ?? 0;
    const source = this.text.slice(start, node.range?.[1] ?? start);
    const out = value.replace(ENV_REF, (whole: string, name: string | undefined) => {
      const idx = source.indexOf(whole);
      const offset = idx >= 0 ? start + idx : start;
      if (name === undefined) {
        ok = false;
        this.problemAt(offset, path, '"${" starts a variable reference but has no closing "}"');
        return whole;
      }
      if (!ENV_NAME.test(name)) {
        ok = false;
        this.problemAt(offset, path, `"${whole}" is not a valid variable reference: names use letters, digits and _`);
        return whole;
      }
      // Refused by name alone, before any lookup: the answer never says whether such a variable exists.
      if (!isPlanVariableName(name)) {
        ok = false;
        this.problemAt(offset, path, notAPlanVariable(name));
        return whole;
      }
      const v = this.variables[name];
      if (v === undefined) {
        ok = false;
        this.problemAt(offset, path, `environment variable ${name} is not set (used here as ${whole})`);
        return whole;
      }
      return v;
    });
    return ok ? out : undefined;
  }
}

function contains(node: unknown, offset: number): boolean {
  const r = (node as { range?: [number, number, number] } | null)?.range;
  return !!r && r[0] <= offset && offset < Math.max(r[2], r[0] + 1);
}
