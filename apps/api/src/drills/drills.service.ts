import { BadRequestException, Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { Client, ScheduleAlreadyRunning, ScheduleNotFoundError } from '@temporalio/client';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import type { DrillReport } from '../../../../domain/drill/report';
import { renderReportHtml } from '../../../../domain/drill/report-html';
import { faultUnavailable } from '../../../../activities/drills/sandbox';
import { scheduledDrill, type ScheduledDrillInput } from '../../../../workflows/scheduled-drill.workflow';
import { findChromium, renderPdf } from '../../../shared/chromium';
import type { YingjiConfig } from '../../../shared/config';
import { AuditTrail } from '../auth/audit-trail';
import type { Caller } from '../auth/caller';
import { YINGJI_CONFIG } from '../config.token';
import { IncidentsService } from '../incidents/incidents.service';
import { PlansService } from '../plans/plans.service';
import { TEMPORAL_CLIENT } from '../temporal/tokens';
import { DrillScheduleDto, LaunchDrillDto } from './dto/launch-drill.dto';

const SCHEDULE_PREFIX = 'drill-schedule-';

/** Drills: launched like incidents (they are incidents in a drill mode), then measured, scored and reported. */
@Injectable()
export class DrillsService {
  constructor(
    private readonly db: DataSource,
    private readonly plans: PlansService,
    private readonly incidents: IncidentsService,
    private readonly audit: AuditTrail,
    @Inject(YINGJI_CONFIG) private readonly config: YingjiConfig,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  async launch(dto: LaunchDrillDto, caller: Caller) {
    const plan = await this.plans.parsedPlan(dto.planId, dto.planVersion);
    const facts = dto.facts ?? plan.drill?.facts ?? {};
    if (dto.mode === 'live-drill' && !plan.drill?.faults?.length) {
      throw new UnprocessableEntityException(`plan ${plan.id} v${plan.version} has no drill.faults: a live drill needs at least one fault to inject (or run it as a tabletop)`);
    }
    const unbuilt = dto.mode === 'live-drill' ? (plan.drill?.faults ?? []).map((f) => faultUnavailable(String(f.kind))).filter(Boolean) : [];
    if (unbuilt.length) throw new UnprocessableEntityException(`plan ${plan.id} drill.faults: ${unbuilt.join('; ')}`);
    // Answers once the drill is recorded (the workflow's launch answer waits for it), so the caller's
    // next GET /drills/:id finds it.
    return this.incidents.start(
      { plan, facts, mode: dto.mode, timeScale: dto.timeScale, level: dto.level, drill: { keepSandbox: dto.keepSandbox ?? false, unannounced: dto.unannounced ?? false } },
      caller,
    );
  }

  list(planId?: string) {
    return this.db.query(
      `SELECT d.id, d.plan_id AS "planId", d.plan_version AS "planVersion", d.mode, d.unannounced, d.state, i.state AS "incidentState", i.stage,
              d.started_at AS "startedAt", d.finished_at AS "finishedAt", d.score->'total' AS score, d.score->>'grade' AS grade,
              (d.facts->>'rtoMs')::bigint AS "rtoMs", (d.loss->>'total')::int AS "lostInvoices", d.sandbox, d.sandbox_state AS "sandboxState"
         FROM drills d JOIN incidents i ON i.id = d.id
        WHERE ($1::text IS NULL OR d.plan_id = $1) ORDER BY d.started_at DESC LIMIT 200`,
      [planId ?? null],
    );
  }

  async get(id: string) {
    const [d] = await this.db.query(`SELECT * FROM drills WHERE id = $1`, [id]);
    if (!d) throw new NotFoundException(`drill "${id}" not found`);
    const accepted = await this.db.query(
      `SELECT finding_id AS "findingId", step_id AS "stepId", text, owner, to_char(due_date, 'YYYY-MM-DD') AS due FROM review_findings WHERE incident_id = $1 ORDER BY id`,
      [id],
    );
    return {
      id: d.id,
      planId: d.plan_id,
      planVersion: d.plan_version,
      mode: d.mode,
      unannounced: d.unannounced,
      state: d.state,
      sandbox: d.sandbox,
      sandboxState: d.sandbox_state,
      faults: d.faults,
      faultAt: d.fault_at,
      loss: d.loss,
      facts: d.facts,
      score: d.score,
      findings: d.findings,
      acceptedFindings: accepted,
      startedAt: d.started_at,
      finishedAt: d.finished_at,
    };
  }

  /** The report's data: this drill's facts, score and findings, and every earlier scored drill of the plan. */
  async report(id: string): Promise<DrillReport> {
    const d = await this.get(id);
    if (!d.score || !d.facts) throw new UnprocessableEntityException(`drill ${id} has no score yet: it is scored when its plan's steps are done (state: ${d.state})`);
    const earlier = await this.db.query(
      `SELECT id, started_at, score, facts FROM drills WHERE plan_id = $1 AND score IS NOT NULL AND (started_at < $2 OR id = $3) ORDER BY started_at, id`,
      [d.planId, d.startedAt, id],
    );
    return {
      drill: d.facts,
      score: d.score,
      findings: d.findings,
      acceptedFindings: d.acceptedFindings,
      trend: earlier.map((e: { id: string; started_at: Date; score: { total: number; grade: string }; facts: { rtoMs?: number; loss?: { total: number } } }) => ({
        drillId: e.id,
        startedAt: new Date(e.started_at).toISOString(),
        score: e.score.total,
        grade: e.score.grade,
        rtoMs: e.facts?.rtoMs,
        lostInvoices: e.facts?.loss?.total,
      })),
      generatedAt: new Date().toISOString(),
    };
  }

  async reportHtml(id: string): Promise<string> {
    return renderReportHtml(await this.report(id));
  }

  async reportPdf(id: string): Promise<Buffer> {
    if (!findChromium()) throw new UnprocessableEntityException('PDF reports need headless Chromium (Debian package "chromium"; scripts/ensure-chromium.sh installs it, CHROMIUM_PATH points at another): the HTML report is available');
    const html = await this.reportHtml(id);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-report-'));
    try {
      const file = path.join(dir, `${id}.pdf`);
      await renderPdf(html, file);
      return fs.readFileSync(file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** A Temporal Schedule that starts the drill on a cron; unannounced ones start at a random moment after it. */
  async schedule(dto: DrillScheduleDto, caller: Caller) {
    const plan = await this.plans.parsedPlan(dto.planId);
    if (dto.mode === 'live-drill' && !plan.drill?.faults?.length) throw new UnprocessableEntityException(`plan ${plan.id} has no drill.faults to inject in a live drill`);
    const scheduleId = `${SCHEDULE_PREFIX}${plan.id}-${dto.mode}${dto.unannounced ? '-unannounced' : ''}`;
    const args: ScheduledDrillInput = {
      planId: plan.id,
      mode: dto.mode,
      level: dto.level,
      timeScale: dto.timeScale,
      keepSandbox: dto.keepSandbox,
      unannounced: dto.unannounced,
      scheduledBy: caller.person,
    };
    try {
      await this.temporal.schedule.create({
        scheduleId,
        spec: { cronExpressions: [dto.cron], jitter: dto.jitterMinutes ? `${dto.jitterMinutes}m` : undefined },
        action: { type: 'startWorkflow', workflowType: scheduledDrill, workflowId: scheduleId, taskQueue: this.config.taskQueue, args: [args] },
        memo: { planId: plan.id, mode: dto.mode, unannounced: dto.unannounced ?? false, createdBy: caller.person },
      });
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) throw new BadRequestException(`a ${dto.mode} drill schedule for ${plan.id} already exists (${scheduleId}): delete it first`);
      throw err;
    }
    await this.audit.ok(caller, 'drill-schedule.create', { type: 'drill-schedule', id: scheduleId }, { planId: plan.id, cron: dto.cron, mode: dto.mode, unannounced: dto.unannounced ?? false });
    return { scheduleId, planId: plan.id, cron: dto.cron, mode: dto.mode, unannounced: dto.unannounced ?? false };
  }

  async schedules() {
    const out = [];
    for await (const s of this.temporal.schedule.list()) {
      if (!s.scheduleId.startsWith(SCHEDULE_PREFIX)) continue;
      out.push({ scheduleId: s.scheduleId, memo: s.memo, nextActionTimes: s.info.nextActionTimes.slice(0, 3), recentActions: s.info.recentActions.slice(-3).map((a) => a.action.workflow.workflowId) });
    }
    return out;
  }

  async deleteSchedule(scheduleId: string, caller: Caller) {
    if (!scheduleId.startsWith(SCHEDULE_PREFIX)) throw new NotFoundException(`"${scheduleId}" is not a drill schedule`);
    try {
      await this.temporal.schedule.getHandle(scheduleId).delete();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw new NotFoundException(`drill schedule "${scheduleId}" not found (already deleted?)`);
      throw err;
    }
    await this.audit.ok(caller, 'drill-schedule.delete', { type: 'drill-schedule', id: scheduleId });
  }
}
