// "Did you mean ...?" suggestions for misspelled names (step ids, roles, actions, fields).

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("isolaet"). */
export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: m + 1 }, (_, j) => j);
  for (let i = 1; i <= n; i++) {
    const cur: number[] = [i];
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur.push(d);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[m];
}

/**
 * The closest candidate to `input`, if it is close enough to be a likely typo: same letters in a
 * different case, or an edit distance of at most 1 (short names), 2 (up to 10 letters) or 3.
 * Ties go to the candidate sharing the longest start and end, then to the earlier one.
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const lower = input.toLowerCase();
  const limit = input.length <= 4 ? 1 : input.length <= 10 ? 2 : 3;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    if (c === input) continue;
    const other = c.toLowerCase();
    const d = other === lower ? 0 : editDistance(lower, other);
    if (d > limit) continue;
    // Equal distances: prefer the candidate sharing more of its start and end ("ge" -> "gte", not "ne").
    const score = d * 100 - Math.min(99, sharedEnds(lower, other));
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

function sharedEnds(a: string, b: string): number {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  return p + s;
}

/** ` (did you mean "x"?)` or an empty string. */
export function suggestion(input: string, candidates: Iterable<string>): string {
  const s = didYouMean(input, candidates);
  return s === undefined ? '' : ` (did you mean "${s}"?)`;
}

/** `"a", "b" or "c"` for messages. */
export function listWords(words: readonly string[], conjunction = 'or'): string {
  const quoted = words.map((w) => `"${w}"`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} ${conjunction} ${quoted[quoted.length - 1]}`;
}
