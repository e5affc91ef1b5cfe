// Which plan an alert starts: the plans' `triggers` (plan-format.md) tried against one alert.
// Pure: the intake (apps/api/src/alerts) stores, deduplicates and groups alerts, then asks here.
import { convertFactValue, describeMatcher, labelMatches } from '../plan/label-matchers';
import type { Plan, Trigger, TriggerFact } from '../plan/plan.types';

export interface IncomingAlert {
  source: 'alertmanager' | 'events';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Events v2 `payload.severity`; an Alertmanager alert carries it as a label. */
  severity?: string;
  summary?: string;
  /** Events v2 `payload.custom_details`, read by `{ detail: NAME }` facts. */
  values?: Record<string, unknown>;
}

export interface TriggerMatch {
  planId: string;
  planVersion: number;
  /** Index in plan.triggers. */
  trigger: number;
  launch: 'auto' | 'propose';
  facts: Record<string, unknown>;
  level?: string;
  /** `triggers[0] of einvoice-db-crash: alertname = InvoiceDatabaseDown` */
  reason: string;
}

/** A fact a matching trigger needs but cannot read from the alert; names the fact and where it looked. */
export class TriggerFactError extends Error {
  override readonly name = 'TriggerFactError';
  constructor(
    readonly planId: string,
    readonly trigger: number,
    readonly fact: string,
    message: string,
  ) {
    super(message);
  }
}

/** The value of label `name`; `severity` falls back to an Events v2 event's severity. */
function labelValue(alert: IncomingAlert, name: string): string | undefined {
  const v = alert.labels?.[name];
  if (v !== undefined) return v;
  return name === 'severity' ? alert.severity : undefined;
}

function triggerMatches(t: Trigger, alert: IncomingAlert): boolean {
  return Object.entries(t.match).every(([name, m]) => labelMatches(m, labelValue(alert, name)));
}

/** `label "outage_minutes"`, or undefined for a constant. */
function where(f: TriggerFact): { kind: string; what: string } | undefined {
  if ('label' in f) return { kind: 'label', what: `label "${f.label}"` };
  if ('annotation' in f) return { kind: 'annotation', what: `annotation "${f.annotation}"` };
  if ('detail' in f) return { kind: 'detail', what: `detail "${f.detail}"` };
  return undefined;
}

function readFact(f: TriggerFact, alert: IncomingAlert): unknown {
  if ('label' in f) return alert.labels?.[f.label];
  if ('annotation' in f) return alert.annotations?.[f.annotation];
  if ('detail' in f) return alert.values?.[f.detail];
  return f.value;
}

const KIND_WORDS = { number: 'a number', text: 'text', boolean: 'true or false' } as const;

function triggerFacts(plan: Plan, index: number, t: Trigger, alert: IncomingAlert): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(t.facts ?? {})) {
    const src = where(f);
    if (!src) {
      out[name] = 'value' in f ? f.value : undefined;
      continue;
    }
    const raw = readFact(f, alert);
    const at = `triggers[${index}] of ${plan.id}: fact "${name}"`;
    if (raw === undefined || raw === null || raw === '') {
      if ('default' in f && f.default !== undefined) {
        out[name] = f.default;
        continue;
      }
      throw new TriggerFactError(plan.id, index, name, `${at} needs the alert's ${src.what}, which the alert does not have (give the fact a default, or the alert the ${src.kind})`);
    }
    const v = convertFactValue(f.kind, raw);
    if (v === undefined) throw new TriggerFactError(plan.id, index, name, `${at}: the alert's ${src.what} is ${JSON.stringify(raw)}, not ${KIND_WORDS[f.kind]}`);
    out[name] = v;
  }
  return out;
}

/**
 * The first plan (in the given order, e.g. newest published versions sorted by plan id) whose
 * trigger matches, trying each plan's triggers from the top; facts extracted and typed as the plan
 * uses them. Throws a TriggerFactError naming the fact when a matching trigger needs a fact the
 * alert cannot give.
 */
export function matchTriggers(plans: Plan[], alert: IncomingAlert): TriggerMatch | undefined {
  for (const plan of plans) {
    const triggers = plan.triggers ?? [];
    for (let i = 0; i < triggers.length; i++) {
      const t = triggers[i];
      if (!triggerMatches(t, alert)) continue;
      // By label name: a stored plan (jsonb) does not keep the order the matchers were written in.
      const matched = Object.entries(t.match)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, m]) => {
          const shown = 'equals' in m ? '' : ` (${labelValue(alert, name)})`;
          return describeMatcher(name, m) + shown;
        });
      return {
        planId: plan.id,
        planVersion: plan.version,
        trigger: i,
        launch: t.launch,
        facts: triggerFacts(plan, i, t, alert),
        ...(t.level ? { level: t.level } : {}),
        reason: `triggers[${i}] of ${plan.id}: ${matched.join(', ')}`,
      };
    }
  }
  return undefined;
}
