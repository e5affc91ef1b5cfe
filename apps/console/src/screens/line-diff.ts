// A line diff between two plan versions: the longest common subsequence of lines, kept tiny on
// purpose (plans are at most 256 KiB; the common head and tail are cut off before the table).
export interface DiffLine {
  kind: 'same' | 'added' | 'removed';
  text: string;
  /** Line number in the old text (same, removed) and in the new one (same, added). */
  oldLine?: number;
  newLine?: number;
}

export function lineDiff(oldText: string, newText: string): DiffLine[] {
  const a = oldText.split('\n');
  const b = newText.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  // lcs[i][j]: length of the common subsequence of x[i..] and y[j..].
  const lcs = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1));
  for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);

  const out: DiffLine[] = a.slice(0, head).map((text, k) => ({ kind: 'same', text, oldLine: k + 1, newLine: k + 1 }));
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      out.push({ kind: 'same', text: x[i], oldLine: head + i + 1, newLine: head + j + 1 });
      i++;
      j++;
    } else if (i < x.length && (j === y.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push({ kind: 'removed', text: x[i], oldLine: head + i + 1 });
      i++;
    } else {
      out.push({ kind: 'added', text: y[j], newLine: head + j + 1 });
      j++;
    }
  }
  for (let k = 0; k < tail; k++) out.push({ kind: 'same', text: a[a.length - tail + k], oldLine: a.length - tail + k + 1, newLine: b.length - tail + k + 1 });
  return out;
}

/** Only the changed lines with `context` unchanged lines around each change; `null` marks a gap. */
export function withContext(lines: DiffLine[], context = 3): Array<DiffLine | null> {
  const keep = lines.map(() => false);
  lines.forEach((l, k) => {
    if (l.kind === 'same') return;
    for (let d = Math.max(0, k - context); d <= Math.min(lines.length - 1, k + context); d++) keep[d] = true;
  });
  const out: Array<DiffLine | null> = [];
  lines.forEach((l, k) => {
    if (keep[k]) out.push(l);
    else if (out.length === 0 || out[out.length - 1] !== null) out.push(null);
  });
  return out;
}
