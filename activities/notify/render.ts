// Filling a plan message's `{placeholders}` for the notify channels. The syntax and the rule that a
// placeholder without a value stays visible live in one place, domain/plan/message.ts (the parser
// checks placeholder names against it); this is the flat-variables form of it. Pure.
import { renderMessage as renderPlanMessage } from '../../domain/plan/message';

function asText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString();
  if (Array.isArray(v)) return v.map((x) => asText(x) ?? '').join(', ');
  return JSON.stringify(v);
}

/**
 * `renderMessage('发票库故障，{level}级，预计恢复 {rto}', { level: 'II', rto: '4h' })`.
 * `{fact.NAME}` reads `vars.facts.NAME` (or a flat `'fact.NAME'` key); `{{` and `}}` are literal
 * braces. A placeholder with no value (missing, undefined or null) is left as written, e.g. `{rpo}`,
 * so a gap shows in the message instead of silently disappearing.
 */
export function renderMessage(template: string, vars: Readonly<Record<string, unknown>>): string {
  const values: Record<string, string | undefined> = {};
  const facts: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) {
    if (k === 'facts' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [fk, fv] of Object.entries(v as Record<string, unknown>)) facts[fk] ??= asText(fv);
    } else if (k.startsWith('fact.')) {
      facts[k.slice(5)] = asText(v);
    } else {
      values[k] = asText(v);
    }
  }
  return renderPlanMessage(template, { values, facts });
}
