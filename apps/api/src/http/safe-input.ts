// Every value the API accepts is one PostgreSQL can store and a terminal can print: checked once,
// at the door, for the path, the query and the body, before any route, guard or workflow sees it.
import type { NextFunction, Request, Response } from 'express';

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

function problemOf(req: Request): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    return 'the request path has a malformed %-escape';
  }
  const inPath = textProblem(path);
  if (inPath) return `the request path ${inPath}`;
  const inQuery = valueProblem(req.query, 'query');
  if (inQuery) return inQuery;
  if (typeof req.body === 'string') {
    // A YAML or text body is as long as its route allows: only its characters are checked here.
    const why = textProblem(req.body, Infinity);
    return why && `the request body ${why}`;
  }
  return req.body === undefined ? undefined : valueProblem(req.body, 'body');
}

/** Express middleware: 400 naming the field and the problem; nothing further runs. */
export function safeInput(req: Request, res: Response, next: NextFunction): void {
  const problem = problemOf(req);
  if (!problem) return next();
  res.status(400).json({ statusCode: 400, error: 'Bad Request', message: problem });
}
