// The facts a task's step `provides` (plan-format): read from the exact plan version the incident
// runs (GET /plans/:id/versions/:v, its YAML), so the form asks for what the workflow will accept.
import { parse } from 'yaml';
import { api } from '../api';

interface PlanText {
  steps?: Array<{ id?: unknown; provides?: unknown }>;
}

const plans = new Map<string, Promise<PlanText>>();
const incidents = new Map<string, Promise<{ planId: string; planVersion: number }>>();

function planOf(incidentId: string): Promise<{ planId: string; planVersion: number }> {
  let p = incidents.get(incidentId);
  if (!p) {
    p = api.get<{ incident: { planId: string; planVersion: number } }>(`/incidents/${encodeURIComponent(incidentId)}`).then((d) => d.incident);
    p.catch(() => incidents.delete(incidentId));
    incidents.set(incidentId, p);
  }
  return p;
}

function planText(planId: string, version: number): Promise<PlanText> {
  const key = `${planId}@${version}`;
  let p = plans.get(key);
  if (!p) {
    p = api.get<string>(`/plans/${encodeURIComponent(planId)}/versions/${version}`).then((text) => (parse(text) ?? {}) as PlanText);
    p.catch(() => plans.delete(key));
    plans.set(key, p);
  }
  return p;
}

/** The fact names the step of this task provides (none when the step lists none). */
export async function factsProvided(incidentId: string, stepId: string): Promise<string[]> {
  const { planId, planVersion } = await planOf(incidentId);
  const step = ((await planText(planId, planVersion)).steps ?? []).find((s) => s.id === stepId);
  return Array.isArray(step?.provides) ? step.provides.filter((f): f is string => typeof f === 'string') : [];
}

/**
 * A fact as typed into the form, as the CLI reads `--fact`: several lines are a list of texts,
 * true/false a yes/no, a plain number a number, anything else the text itself; empty is left out.
 */
export function factValue(raw: string): string | number | boolean | string[] | undefined {
  const lines = raw
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) return undefined;
  if (lines.length > 1) return lines;
  const v = lines[0];
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return v;
}
