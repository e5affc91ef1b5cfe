import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { formatProblem, parsePlan, planSizeProblem } from '../../../../domain/plan/parse-plan';
import type { Plan, Problem } from '../../../../domain/plan/plan.types';
import { planVariables } from '../../../../domain/yaml/plan-variables';
import { appendAudit } from '../../../../activities/records/audit-log';

export interface PublishResult {
  planId: string;
  version: number;
  sha256: string;
  /** False when this exact text was already published under this id and version. */
  created: boolean;
  /** Roles that reach nobody with the current team directory (never a reason to refuse); absent when not checked. */
  warnings?: string[];
}

export class PlanProblems extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    super(`${file} has ${problems.length} problem(s):\n${problems.map(formatProblem).join('\n')}`);
  }
}

/** Over the size limit: refused before any parsing (413). */
export class PlanTooLarge extends PlanProblems {}

export class PlanConflict extends Error {}

/**
 * Validates and stores a plan version. A stored version is never changed: the same id and version
 * with other content, or a version not above the latest, is refused. Used by the API and `yingji up`.
 * `${NAME}` takes only the plan variables (YINGJI_PLAN_*) of this process, never its secrets.
 */
export async function publishPlanText(
  db: DataSource,
  text: string,
  file: string,
  by: string,
  variables = planVariables(process.env),
  warn?: (plan: Plan) => string[],
): Promise<PublishResult> {
  const tooLarge = planSizeProblem(text, file);
  if (tooLarge) throw new PlanTooLarge(file, [tooLarge]);
  const parsed = parsePlan(text, { file, env: variables });
  if (!parsed.ok) throw new PlanProblems(file, parsed.problems);
  const plan = parsed.plan;
  const sha256 = createHash('sha256').update(text).digest('hex');
  const stored = await store(db, plan, text, sha256, by);
  return warn ? { ...stored, warnings: warn(plan) } : stored;
}

function store(db: DataSource, plan: Plan, text: string, sha256: string, by: string): Promise<PublishResult> {
  return db.transaction(async (em) => {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`plan:${plan.id}`]);
    const same: Array<{ sha256: string }> = await em.query(`SELECT sha256 FROM plan_versions WHERE plan_id = $1 AND version = $2`, [plan.id, plan.version]);
    if (same.length) {
      if (same[0].sha256 === sha256) return { planId: plan.id, version: plan.version, sha256, created: false };
      throw new PlanConflict(`plan ${plan.id} version ${plan.version} is already published with different content; publish it as a new version`);
    }
    const latest: Array<{ version: number }> = await em.query(`SELECT max(version) AS version FROM plan_versions WHERE plan_id = $1`, [plan.id]);
    if (latest[0]?.version !== null && latest[0]?.version !== undefined && latest[0].version >= plan.version) {
      throw new PlanConflict(`plan ${plan.id} version ${plan.version} is not above the latest published version ${latest[0].version}`);
    }
    await em.query(
      `INSERT INTO plan_versions (plan_id, version, title, source_text, sha256, parsed, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [plan.id, plan.version, plan.title, text, sha256, JSON.stringify(plan), by],
    );
    await appendAudit(em, {
      at: new Date(), actor: by, action: 'plan.publish', subjectType: 'plan', subjectId: `${plan.id}@${plan.version}`, outcome: 'ok', detail: { sha256 },
    });
    return { planId: plan.id, version: plan.version, sha256, created: true };
  });
}
