// The facts an incident or drill starts with: the caller's, plus those the plan takes from a source
// (`facts: { taxDeadlineHours: { from: declaration-calendar } }`) computed at `now`. A fact the
// caller gives wins: a commander may know better (a local extension of the deadline, a drill
// rehearsing the last hours before it).
import { taxDeadlineHours } from '../einvoice/declaration-calendar';
import type { Plan } from './plan.types';

const COMPUTE: Record<string, Record<string, (now: Date) => number>> = {
  'declaration-calendar': { taxDeadlineHours },
};

/** `given` with every fact the plan sources and the caller did not give, computed at `now`. Throws if a source cannot answer (e.g. a date outside the calendar). */
export function launchFacts(plan: Pick<Plan, 'facts'>, given: Record<string, unknown>, now: Date): Record<string, unknown> {
  const out = { ...given };
  for (const [name, { from }] of Object.entries(plan.facts ?? {})) {
    if (name in given) continue;
    const compute = COMPUTE[from]?.[name];
    if (!compute) throw new Error(`fact "${name}": no source "${from}" gives it`);
    try {
      out[name] = compute(now);
    } catch (err) {
      throw new Error(`fact "${name}" from ${from}: ${(err as Error).message}`);
    }
  }
  return out;
}
