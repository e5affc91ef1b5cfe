// What a value must be for PostgreSQL to store it and a terminal to print it: checked by the API at
// the door and again by the incident workflow's validators (a message may come straight to Temporal).
export const INPUT_LIMITS = {
  /** Objects and arrays nested deeper than this are refused (no request of ours needs more than 5). */
  depth: 32,
  /** Any one string; fields with their own, smaller limit say so in their DTO. */
  stringLength: 20_000,
  /** Keys of any one object. */
  keys: 1_000,
} as const;

// NUL cannot be stored in PostgreSQL text or jsonb; other C0/C1 controls (tab, CR, LF excepted)
// rewrite terminals and logs; a lone surrogate is not Unicode and is silently mangled by UTF-8.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// Keys that reach an object's prototype when merged or transformed.
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Why a string cannot be accepted, or undefined when it can. */
export function textProblem(s: string, maxLength: number = INPUT_LIMITS.stringLength): string | undefined {
  const c = CONTROL.exec(s);
  if (c) return `contains the control character U+${c[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at position ${c.index}`;
  if (!s.isWellFormed()) return 'contains a lone surrogate (not valid Unicode)';
  if (s.length > maxLength) return `is ${s.length} characters long; the limit is ${maxLength}`;
  return undefined;
}

/** The first problem anywhere in a parsed JSON value, named by its path (`findings[0].due`). */
export function valueProblem(value: unknown, root: string): string | undefined {
  // Iterative, so a deeply nested body cannot overflow the stack while being checked.
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: root, depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const why = textProblem(v);
      if (why) return `${path} ${why}`;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= INPUT_LIMITS.depth) return `${path} nests deeper than ${INPUT_LIMITS.depth} levels`;
    if (Array.isArray(v)) {
      v.forEach((x, i) => stack.push({ v: x, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    const keys = Object.keys(v);
    if (keys.length > INPUT_LIMITS.keys) return `${path} has ${keys.length} keys; the limit is ${INPUT_LIMITS.keys}`;
    for (const k of keys) {
      const at = `${path}.${k}`;
      if (PROTOTYPE_KEYS.has(k)) return `${at}: "${k}" is not allowed as a key`;
      const why = textProblem(k);
      if (why) return `a key of ${path} ${why}`;
      stack.push({ v: (v as Record<string, unknown>)[k], path: at, depth: depth + 1 });
    }
  }
  return undefined;
}
