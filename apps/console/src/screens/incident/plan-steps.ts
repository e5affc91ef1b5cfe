// The plan's steps as a graph: read from the exact YAML the incident runs (GET /plans/:id/versions/:v)
// and laid out in layers, each step one layer below the last step it waits for.
import { parse } from 'yaml';
import type { PlanStep } from './types';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

/** The steps of a published plan's text; a text that does not parse gives no steps (it was validated when published). */
export function planSteps(yamlText: string): PlanStep[] {
  const doc = parse(yamlText) as { steps?: unknown } | null;
  if (!doc || !Array.isArray(doc.steps)) return [];
  return doc.steps.map((raw: Record<string, unknown>) => ({
    id: String(raw.id),
    title: typeof raw.title === 'string' ? raw.title : undefined,
    type: String(raw.type),
    owner: typeof raw.owner === 'string' ? raw.owner : undefined,
    after: list(raw.after),
    within: typeof raw.within === 'string' ? raw.within : undefined,
    levels: raw.levels ? list(raw.levels) : undefined,
    options: Array.isArray(raw.options)
      ? raw.options.map((o: Record<string, unknown>) => ({ id: String(o.id), title: typeof o.title === 'string' ? o.title : undefined, next: list(o.next) }))
      : undefined,
  }));
}

/** What a step waits for: its `after`, and the decision whose option leads to it. */
export function waitsFor(step: PlanStep, steps: PlanStep[]): Array<{ id: string; via?: string }> {
  const fromDecisions = steps.flatMap((d) => (d.options ?? []).filter((o) => o.next.includes(step.id)).map((o) => ({ id: d.id, via: o.id })));
  return [...step.after.map((id) => ({ id })), ...fromDecisions];
}

/** Layers of the graph: layer 0 starts at once, each other step one below the deepest step it waits for. */
export function layers(steps: PlanStep[]): PlanStep[][] {
  const depth = new Map<string, number>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  const depthOf = (s: PlanStep, seen: Set<string>): number => {
    const known = depth.get(s.id);
    if (known !== undefined) return known;
    if (seen.has(s.id)) return 0; // a cycle cannot be published; guard anyway
    seen.add(s.id);
    const preds = waitsFor(s, steps).map((p) => byId.get(p.id)).filter((p): p is PlanStep => !!p);
    const d = preds.length ? 1 + Math.max(...preds.map((p) => depthOf(p, seen))) : 0;
    depth.set(s.id, d);
    return d;
  };
  const out: PlanStep[][] = [];
  for (const s of steps) (out[depthOf(s, new Set())] ??= []).push(s);
  return out.filter(Boolean);
}
