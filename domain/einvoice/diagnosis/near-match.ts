// Invoice numbers a person may have keyed instead of the real one: one digit off, or two adjacent
// digits swapped. Invoice numbers carry no check digit (invoice-number.ts), so these typos stay
// well-formed and only a near match reveals them. Variants are generated and looked up (199 per
// number) instead of comparing every pair, so a reconciliation stays linear in its rows.

export interface NumberDifference {
  difference: 'one-digit' | 'transposition';
  /** 1-based position of the first differing digit. */
  position: number;
}

/** How `b` differs from `a` if it is a near match; undefined when equal or further apart. */
export function numberDifference(a: string, b: string): NumberDifference | undefined {
  if (a.length !== b.length || a === b) return undefined;
  const diffs: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      diffs.push(i);
      if (diffs.length > 2) return undefined;
    }
  }
  if (diffs.length === 1) return { difference: 'one-digit', position: diffs[0] + 1 };
  const [i, j] = diffs;
  if (j === i + 1 && a[i] === b[j] && a[j] === b[i]) return { difference: 'transposition', position: i + 1 };
  return undefined;
}

/** Every number one digit off or one adjacent transposition away from `no` (digits only). */
export function* nearNumbers(no: string): Generator<string> {
  for (let i = 0; i < no.length; i++) {
    for (let d = 0; d <= 9; d++) {
      const c = String(d);
      if (c !== no[i]) yield no.slice(0, i) + c + no.slice(i + 1);
    }
    if (i + 1 < no.length && no[i] !== no[i + 1]) yield no.slice(0, i) + no[i + 1] + no[i] + no.slice(i + 2);
  }
}

/** The entries of `byNumber` near `no`, each with how it differs. */
export function findNear<T>(no: string, byNumber: ReadonlyMap<string, T>): { value: T; invoiceNo: string; how: NumberDifference }[] {
  const found: { value: T; invoiceNo: string; how: NumberDifference }[] = [];
  for (const other of nearNumbers(no)) {
    const value = byNumber.get(other);
    if (value !== undefined) found.push({ value, invoiceNo: other, how: numberDifference(no, other)! });
  }
  return found;
}
