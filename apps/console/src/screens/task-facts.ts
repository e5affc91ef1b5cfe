// What a task's step says in the plan (plan-format): the facts it `provides` and a decision's option
// titles, read from the exact plan version the incident runs (GET /plans/:id/versions/:v, its YAML),
// so the form asks for what the workflow will accept.
import { parse } from 'yaml';
import { api } from '../api';

interface PlanText {
  steps?: Array<{ id?: unknown; provides?: unknown; options?: unknown }>;
}

export interface StepInPlan {
  provides: string[];
  /** A decision's options with their titles, as the plan writes them. */
  options: Array<{ id: string; title?: string }>;
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

/** The task's step as its plan version writes it (the facts it provides, a decision's options). */
export async function stepInPlan(incidentId: string, stepId: string): Promise<StepInPlan> {
  const { planId, planVersion } = await planOf(incidentId);
  const step = ((await planText(planId, planVersion)).steps ?? []).find((s) => s.id === stepId);
  const provides = Array.isArray(step?.provides) ? step.provides.filter((f): f is string => typeof f === 'string') : [];
  const options = (Array.isArray(step?.options) ? step.options : [])
    .filter((o): o is { id: string; title?: unknown } => typeof o?.id === 'string')
    .map((o) => ({ id: o.id, ...(typeof o.title === 'string' ? { title: o.title } : {}) }));
  return { provides, options };
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
