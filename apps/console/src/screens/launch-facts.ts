// The facts a launch asks for: those a plan's level rules test (a parsed plan, GET /plans/:id).
export type Condition = { fact?: string; eq?: unknown; ne?: unknown; gt?: unknown; gte?: unknown; lt?: unknown; lte?: unknown; in?: unknown[]; all?: Condition[]; any?: Condition[]; not?: Condition };
export interface LaunchPlan {
  levels?: Array<{ when: Condition }>;
  facts?: Record<string, unknown>;
}
export interface FactField {
  name: string;
  kind: 'number' | 'yes-no' | 'text';
}

/** The facts the level rules test, in the order they appear; those the plan computes from a source are left to it. */
export function factFields(plan: LaunchPlan): FactField[] {
  const found = new Map<string, FactField['kind']>();
  const walk = (c: Condition | undefined) => {
    if (!c) return;
    for (const sub of [...(c.all ?? []), ...(c.any ?? []), ...(c.not ? [c.not] : [])]) walk(sub);
    if (!c.fact || found.has(c.fact) || c.fact in (plan.facts ?? {})) return;
    const compared = [c.eq, c.ne, ...(c.in ?? [])].filter((v) => v !== undefined);
    const numeric = [c.gt, c.gte, c.lt, c.lte].some((v) => v !== undefined) || (compared.length > 0 && compared.every((v) => typeof v === 'number'));
    const yesNo = compared.length > 0 && compared.every((v) => typeof v === 'boolean');
    found.set(c.fact, numeric ? 'number' : yesNo ? 'yes-no' : 'text');
  };
  for (const rule of plan.levels ?? []) walk(rule.when);
  return [...found].map(([name, kind]) => ({ name, kind }));
}
