import { ConflictException, Inject, Injectable, NotFoundException, PayloadTooLargeException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { Plan } from '../../../../domain/plan/plan.types';
import { draftNextVersion } from '../../../../domain/plan/draft-next';
import { PlanVersionEntity } from './plan-version.entity';
import type { YingjiConfig } from '../../../shared/config';
import { planVariables } from '../../../../domain/yaml/plan-variables';
import { YINGJI_CONFIG } from '../config.token';
import { PlanConflict, PlanProblems, PlanTooLarge, publishPlanText, PublishResult } from './publish';
import { parsePlan, planSizeProblem } from '../../../../domain/plan/parse-plan';
import type { Problem } from '../../../../domain/plan/plan.types';
import { reachabilityWarnings } from './reach-warnings';

@Injectable()
export class PlansService {
  constructor(
    @InjectRepository(PlanVersionEntity) private readonly versions: Repository<PlanVersionEntity>,
    private readonly db: DataSource,
    @Inject(YINGJI_CONFIG) private readonly config: YingjiConfig,
  ) {}

  async publish(text: string, file: string, by: string): Promise<PublishResult> {
    try {
      const variables = planVariables(process.env);
      // Roles that reach nobody are answered as warnings, never refused (reach-warnings.ts).
      return await publishPlanText(this.db, text, file, by, variables, (plan) => reachabilityWarnings(plan, this.config.directoryFile, variables));
    } catch (err) {
      // Same body as 422 (message and problems), so every client shows it the same way.
      if (err instanceof PlanTooLarge) throw new PayloadTooLargeException({ message: err.message, problems: err.problems });
      if (err instanceof PlanProblems) throw new UnprocessableEntityException({ message: err.message, problems: err.problems });
      if (err instanceof PlanConflict) throw new ConflictException(err.message);
      throw err;
    }
  }

  /**
   * What publishing this text would say, without storing anything: every problem at its line, or the
   * plan id and version it would publish (with the latest published one, so a stale version shows
   * before publishing). Problems are an answer here, not a refusal: the console marks them at their lines.
   */
  async validate(text: string, file: string): Promise<{ ok: boolean; problems: Problem[]; planId?: string; version?: number; latestVersion?: number | null; warnings?: string[] }> {
    const tooLarge = planSizeProblem(text, file);
    if (tooLarge) return { ok: false, problems: [tooLarge] };
    const variables = planVariables(process.env);
    const parsed = parsePlan(text, { file, env: variables });
    if (!parsed.ok) return { ok: false, problems: parsed.problems };
    const latest = await this.versions.findOne({ where: { planId: parsed.plan.id }, order: { version: 'DESC' }, select: ['version'] });
    return {
      ok: true,
      problems: [],
      planId: parsed.plan.id,
      version: parsed.plan.version,
      latestVersion: latest?.version ?? null,
      warnings: reachabilityWarnings(parsed.plan, this.config.directoryFile, variables),
    };
  }

  /** The given version, or the latest when none is given. */
  async get(planId: string, version?: number): Promise<PlanVersionEntity> {
    const found = version
      ? await this.versions.findOne({ where: { planId, version } })
      : await this.versions.findOne({ where: { planId }, order: { version: 'DESC' } });
    if (!found) {
      throw new NotFoundException(version ? `plan "${planId}" has no published version ${version}` : `plan "${planId}" is not published`);
    }
    return found;
  }

  async list(): Promise<Array<{ planId: string; title: string; latestVersion: number; versions: number[] }>> {
    const rows = await this.versions.find({ select: ['planId', 'version', 'title'], order: { planId: 'ASC', version: 'ASC' } });
    const byId = new Map<string, { planId: string; title: string; latestVersion: number; versions: number[] }>();
    for (const r of rows) {
      const entry = byId.get(r.planId) ?? { planId: r.planId, title: r.title, latestVersion: r.version, versions: [] };
      entry.versions.push(r.version);
      entry.latestVersion = r.version;
      entry.title = r.title;
      byId.set(r.planId, entry);
    }
    return [...byId.values()];
  }

  async parsedPlan(planId: string, version?: number): Promise<Plan> {
    return (await this.get(planId, version)).parsed;
  }

  /** The next version's draft: the latest text with the improvement items its runs' reviews accepted. */
  async draftNext(planId: string) {
    const latest = await this.get(planId);
    const items = await this.db.query(
      `SELECT f.incident_id AS source, f.step_id AS "stepId", f.text, f.owner, to_char(f.due_date, 'YYYY-MM-DD') AS due
         FROM review_findings f JOIN incidents i ON i.id = f.incident_id
        WHERE i.plan_id = $1 AND i.plan_version = $2 ORDER BY f.created_at, f.id`,
      [planId, latest.version],
    );
    const draft = draftNextVersion(latest.sourceText, items.map((i: Record<string, string | null>) => ({ ...i, stepId: i.stepId ?? undefined })));
    return { planId, fromVersion: latest.version, ...draft, items: items.length };
  }
}
