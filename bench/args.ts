// The benches' options (`--rows 100000`), parsed by node:util's parseArgs: a whole number each,
// or the bench stops naming the option. A bench may also take list options (`--stacks dev,cluster`):
// items from a fixed set, all of them (in the set's order) when the option is absent.
import { parseArgs } from 'node:util';

export function numberOptions<K extends string>(defaults: Record<K, number>): Record<K, number> {
  return benchOptions(defaults, {});
}

export function benchOptions<K extends string, L extends string, C extends string>(
  numbers: Record<K, number>,
  lists: Record<L, readonly C[]>,
): Record<K, number> & Record<L, C[]> {
  const names = [...Object.keys(numbers), ...Object.keys(lists)];
  const { values } = parseArgs({ options: Object.fromEntries(names.map((k) => [k, { type: 'string' as const }])), strict: true });
  const out = { ...numbers } as Record<K, number> & Record<L, C[]>;
  for (const k of Object.keys(numbers) as K[]) {
    const raw = values[k];
    if (raw === undefined) continue;
    const n = Number(String(raw).replace(/[_,]/g, ''));
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${k} must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
    (out as Record<K, number>)[k] = n;
  }
  for (const k of Object.keys(lists) as L[]) {
    const choices = lists[k];
    const raw = values[k];
    const items = raw === undefined ? [...choices] : String(raw).split(',').map((s) => s.trim());
    const bad = items.filter((s) => !choices.includes(s as C));
    if (!items.length || bad.length || new Set(items).size !== items.length) {
      throw new Error(`--${k} must be one or more of ${choices.join(', ')} (comma-separated, each once), got ${JSON.stringify(raw)}`);
    }
    (out as Record<L, C[]>)[k] = items as C[];
  }
  return out;
}
