import { ConflictException, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource, Repository } from 'typeorm';
import { parsePlan, formatProblem } from '../../../../domain/plan/parse-plan';
import type { Plan } from '../../../../domain/plan/plan.types';
import { appendAudit } from '../../../../activities/records/audit-log';
import { PlanVersionEntity } from './plan-version.entity';

export interface PublishResult {
  planId: string;
  version: number;
  sha256: string;
  /** False when this exact text was already published under this id and version. */
  created: boolean;
}

@Injectable()
export class PlansService {
  constructor(
    @InjectRepository(PlanVersionEntity) private readonly versions: Repository<PlanVersionEntity>,
    private readonly db: DataSource,
  ) {}

  /**
   * Validates and stores a plan version. A stored version is never changed: the same id and
   * version with other content, or a version not above the latest, is refused (409).
   */
  async publish(text: string, file: string, by: string): Promise<PublishResult> {
    const parsed = parsePlan(text, { file, env: process.env });
    if (!parsed.ok) {
      throw new UnprocessableEntityException({
        message: `${file} has ${parsed.problems.length} problem(s): ${parsed.problems.map(formatProblem).join('; ')}`,
        problems: parsed.problems,
      });
    }
    const plan = parsed.plan;
    const sha256 = createHash('sha256').update(text).digest('hex');
    return this.db.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`plan:${plan.id}`]);
      const same = await em.findOne(PlanVersionEntity, { where: { planId: plan.id, version: plan.version } });
      if (same) {
        if (same.sha256 === sha256) return { planId: plan.id, version: plan.version, sha256, created: false };
        throw new ConflictException(`plan ${plan.id} version ${plan.version} is already published with different content; publish it as a new version`);
      }
      const latest = await em.findOne(PlanVersionEntity, { where: { planId: plan.id }, order: { version: 'DESC' } });
      if (latest && latest.version >= plan.version) {
        throw new ConflictException(`plan ${plan.id} version ${plan.version} is not above the latest published version ${latest.version}`);
      }
      await em.query(
        `INSERT INTO plan_versions (plan_id, version, title, source_text, sha256, parsed, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [plan.id, plan.version, plan.title, text, sha256, JSON.stringify(plan), by],
      );
      await appendAudit(em, {
        at: new Date(),
        actor: by,
        action: 'plan.publish',
        subjectType: 'plan',
        subjectId: `${plan.id}@${plan.version}`,
        outcome: 'ok',
        detail: { sha256 },
      });
      return { planId: plan.id, version: plan.version, sha256, created: true };
    });
  }

  /** Publishes every shipped plan file whose id and version are not stored yet. */
  async publishShipped(dir: string, by = 'yingji'): Promise<PublishResult[]> {
    const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('teams')).sort();
    const results: PublishResult[] = [];
    for (const f of files) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      results.push(await this.publish(text, f, by));
    }
    return results;
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
}
