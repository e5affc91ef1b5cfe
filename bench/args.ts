// The benches' options (`--rows 100000`), parsed by node:util's parseArgs: a whole number each,
// or the bench stops naming the option.
import { parseArgs } from 'node:util';

export function numberOptions<K extends string>(defaults: Record<K, number>): Record<K, number> {
  const { values } = parseArgs({ options: Object.fromEntries(Object.keys(defaults).map((k) => [k, { type: 'string' as const }])), strict: true });
  const out = { ...defaults };
  for (const k of Object.keys(defaults) as K[]) {
    const raw = values[k];
    if (raw === undefined) continue;
    const n = Number(String(raw).replace(/[_,]/g, ''));
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${k} must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
    out[k] = n;
  }
  return out;
}
