// Incident classification: the level (I 特别重大 ... IV 一般) from the incident's facts and the plan's
// rules, first match from the top; a commander may override it with a reason, which is kept.
import { checkFacts, describeCondition, evaluateCondition, explainMatch } from '../plan/conditions';
import { LEVELS } from '../plan/plan.types';
import type { Level, LevelRule, Plan } from '../plan/plan.types';

export const LEVEL_NAMES: Readonly<Record<Level, { zh: string; en: string }>> = {
  I: { zh: '特别重大', en: 'Especially serious' },
  II: { zh: '重大', en: 'Serious' },
  III: { zh: '较大', en: 'Relatively serious' },
  IV: { zh: '一般', en: 'General' },
};

/** `II 重大 Serious` */
export function levelLabel(level: Level): string {
  return `${level} ${LEVEL_NAMES[level].zh} ${LEVEL_NAMES[level].en}`;
}

export function isLevel(v: unknown): v is Level {
  return typeof v === 'string' && (LEVELS as readonly string[]).includes(v);
}

/** A commander's decision to run the incident at another level than the rules gave. */
export interface LevelOverride {
  level: Level;
  reason: string;
  /** Who decided (a person id). */
  by: string;
}

export interface Classification {
  /** The level the incident runs at (the override's, if any). */
  level: Level;
  /** The level the rules gave. */
  computedLevel: Level;
  /** Index in `plan.levels` of the rule that matched. */
  ruleIndex: number;
  rule: LevelRule;
  /** Why the rule matched, with the facts' values: `levels[1] → II 重大 Serious: invoicesAffected is 25000 (≥ 10000)`. */
  description: string;
  /** One line for the timeline: the description, plus the override if any. */
  reason: string;
  overridden?: { from: Level; to: Level; reason: string; by: string };
}

export type ClassificationErrorCode = 'unknown-fact' | 'mistyped-fact' | 'no-rule-matched' | 'invalid-override';

export class ClassificationError extends Error {
  override readonly name = 'ClassificationError';
  constructor(
    readonly code: ClassificationErrorCode,
    message: string,
    /** The fact at fault, for unknown and mistyped facts. */
    readonly fact?: string,
    readonly ruleIndex?: number,
  ) {
    super(message);
  }
}

/**
 * Classifies an incident. Rules are tried from the top; the first whose condition holds wins; rules
 * below the match are not tried. In a rule that is tried, a fact of the wrong kind is an error, and so
 * is a missing fact unless the rule's outcome does not depend on it (`any` with another part true):
 * the ClassificationError names the fact. A missing fact never counts as a silent false.
 */
export function classifyIncident(plan: Pick<Plan, 'levels'>, facts: Readonly<Record<string, unknown>>, override?: LevelOverride): Classification {
  const rules = plan.levels;
  const safeFacts = facts ?? {};
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    const err = checkFacts(rule.when, safeFacts);
    if (err) throw new ClassificationError(err.code, `levels[${i}] (level ${rule.level}): ${err.message}`, err.fact, i);
    if (!evaluateCondition(rule.when, safeFacts)) continue;
    const description = `levels[${i}] → ${levelLabel(rule.level)}: ${explainMatch(rule.when, safeFacts)}`;
    const result: Classification = { level: rule.level, computedLevel: rule.level, ruleIndex: i, rule, description, reason: description };
    if (override === undefined) return result;
    checkOverride(override);
    return {
      ...result,
      level: override.level,
      reason: `${description}; overridden to ${levelLabel(override.level)} by ${override.by}: ${override.reason}`,
      overridden: { from: rule.level, to: override.level, reason: override.reason, by: override.by },
    };
  }
  throw new ClassificationError(
    'no-rule-matched',
    `no level rule matched (${rules.map((r) => `${r.level}: ${describeCondition(r.when)}`).join('; ')}); the last rule should be { always: true }`,
  );
}

/** Like classifyIncident, but returns the error instead of throwing it. */
export function tryClassifyIncident(
  plan: Pick<Plan, 'levels'>,
  facts: Readonly<Record<string, unknown>>,
  override?: LevelOverride,
): { ok: true; classification: Classification } | { ok: false; error: ClassificationError } {
  try {
    return { ok: true, classification: classifyIncident(plan, facts, override) };
  } catch (e) {
    if (e instanceof ClassificationError) return { ok: false, error: e };
    throw e;
  }
}

/** Applies a commander's override to an earlier classification (keeps the computed level and rule). */
export function overrideClassification(c: Classification, override: LevelOverride): Classification {
  checkOverride(override);
  const from = c.computedLevel;
  return {
    ...c,
    level: override.level,
    reason: `${c.description}; overridden to ${levelLabel(override.level)} by ${override.by}: ${override.reason}`,
    overridden: { from, to: override.level, reason: override.reason, by: override.by },
  };
}

function checkOverride(o: LevelOverride): void {
  if (!o || !isLevel(o.level)) throw new ClassificationError('invalid-override', `an override needs a level: I, II, III or IV (got ${JSON.stringify(o?.level)})`);
  if (typeof o.reason !== 'string' || o.reason.trim() === '') throw new ClassificationError('invalid-override', 'an override needs a reason');
  if (typeof o.by !== 'string' || o.by.trim() === '') throw new ClassificationError('invalid-override', 'an override needs the person who decided it (by)');
}
