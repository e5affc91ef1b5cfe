// A drill's effects: its record, the sandbox, the faults, the comparison with the pre-fault copy,
// and the score. Each is idempotent under retry and writes its moment to the incident's timeline.
import { ApplicationFailure } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { drillFindings } from '../../domain/drill/findings';
import { scoreDrill } from '../../domain/drill/score';
import type { YingjiConfig } from '../../apps/shared/config';
import type { Plan } from '../../domain/plan/plan.types';
import { nonRetryable } from '../failures';
import { invoiceStats } from '../invoices/stats';
import { recordEvent } from '../records/timeline';
import { measureDrill } from './measure';
import { createSandbox, dropSandbox, FaultSpec, injectFault, measureLoss, restoredFrom, sandboxUrl, startSandbox } from './sandbox';

export interface DrillOpened {
  drillId: string;
  planId: string;
  planVersion: number;
  mode: 'tabletop' | 'live-drill';
  unannounced: boolean;
  sandbox?: string;
  keepSandbox: boolean;
  by: string;
  at: string;
}

export function createDrillActivities(ds: DataSource, config: Pick<YingjiConfig, 'invoiceDatabaseUrl' | 'drillDatabaseUrl'>) {
  const servers = { invoiceUrl: config.invoiceDatabaseUrl, sandboxServerUrl: config.drillDatabaseUrl };
  const event = (drillId: string, key: string, kind: string, message: string, data: Record<string, unknown> = {}, at = new Date()) =>
    ds.transaction((em) =>
      recordEvent(em, { key: `${drillId}:drill:${key}`, incidentId: drillId, at, kind, actor: 'yingji', message, data }, { action: kind, subjectType: 'drill', subjectId: drillId, detail: data }),
    );

  return {
    /** The latest published version of a plan, for a scheduled drill. */
    async loadDrillPlan(req: { planId: string }): Promise<Plan> {
      const [row] = await ds.query(`SELECT parsed FROM plan_versions WHERE plan_id = $1 ORDER BY version DESC LIMIT 1`, [req.planId]);
      if (!row) throw ApplicationFailure.nonRetryable(`plan "${req.planId}" is not published`, 'UnknownPlan');
      return row.parsed as Plan;
    },

    async openDrill(d: DrillOpened): Promise<void> {
      await ds.query(
        `INSERT INTO drills (id, plan_id, plan_version, mode, unannounced, sandbox, keep_sandbox, state, started_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $9) ON CONFLICT (id) DO NOTHING`,
        [d.drillId, d.planId, d.planVersion, d.mode, d.unannounced, d.sandbox ?? null, d.keepSandbox, d.at, d.by],
      );
      const kind = d.mode === 'tabletop' ? '桌面演练 tabletop drill' : `实战演练 live drill${d.unannounced ? ' (突击 unannounced)' : ''}`;
      await event(d.drillId, 'opened', 'drill.opened', `演练 DRILL: ${kind} of ${d.planId} v${d.planVersion}${d.sandbox ? ` in sandbox ${d.sandbox}` : ''}`, { mode: d.mode, sandbox: d.sandbox }, new Date(d.at));
    },

    /** Copies production's invoices into the sandbox and keeps a pre-fault copy; production is only read. */
    async prepareDrillSandbox(req: { drillId: string; sandbox: string }): Promise<{ rows: number; byClass: Record<string, number> }> {
      let counts;
      try {
        counts = await createSandbox(servers, req.sandbox);
      } catch (err) {
        throw nonRetryable(err, 'SandboxFailed');
      }
      await ds.query(`UPDATE drills SET sandbox_state = 'ready' WHERE id = $1`, [req.drillId]);
      await event(req.drillId, 'sandbox', 'drill.sandbox', `Sandbox ${req.sandbox} holds a copy of ${counts.rows} invoices (pre-fault copy kept)`, counts);
      return counts;
    },

    async injectDrillFault(req: { drillId: string; sandbox: string; index: number; fault: FaultSpec }): Promise<{ at: string; detail: string }> {
      let applied;
      try {
        applied = await injectFault(servers, req.sandbox, req.index, req.fault, req.drillId);
      } catch (err) {
        throw nonRetryable(err, 'FaultFailed');
      }
      const at = new Date();
      const entry = { index: req.index, kind: applied.kind, target: applied.target, rows: applied.rows, detail: applied.detail, at: at.toISOString() };
      const [rows] = await ds.query(
        `UPDATE drills SET fault_at = COALESCE(fault_at, $2),
                faults = CASE WHEN faults @> $4::jsonb THEN faults ELSE faults || $3::jsonb END
          WHERE id = $1 RETURNING faults`,
        [req.drillId, at, JSON.stringify([entry]), JSON.stringify([{ index: req.index }])],
      );
      const stored = (rows[0]?.faults as Array<typeof entry> | undefined)?.find((f) => f.index === req.index) ?? entry;
      await event(req.drillId, `fault:${req.index}`, 'drill.fault', `故障注入 Fault injected: ${applied.detail}`, { ...applied, index: req.index }, new Date(stored.at));
      return { at: stored.at, detail: applied.detail };
    },

    /** The end of a stop-database fault: the sandbox takes connections again. */
    async restartDrillSandbox(req: { drillId: string; sandbox: string }): Promise<void> {
      await startSandbox(servers, req.sandbox);
      await event(req.drillId, 'restarted', 'drill.sandbox-restarted', `Sandbox ${req.sandbox} takes connections again`);
    },

    /** Invoices lost: the pre-fault copy against the recovered sandbox, by priority class. */
    async measureDrillLoss(req: { drillId: string; sandbox: string }) {
      const [d] = await ds.query(`SELECT fault_at, started_at FROM drills WHERE id = $1`, [req.drillId]);
      const faultAt = new Date(d.fault_at ?? d.started_at).toISOString();
      const backups = await restoredFrom(servers, req.sandbox);
      const [pit] = backups.length ? await ds.query(`SELECT max(point_in_time) AS at FROM backup_catalog WHERE id = ANY($1)`, [backups]) : [];
      const recoveredTo = pit?.at ? new Date(pit.at).toISOString() : undefined;
      const loss = await measureLoss(servers, req.sandbox, faultAt, new Date(d.started_at).toISOString(), recoveredTo);
      await ds.query(`UPDATE drills SET loss = $2 WHERE id = $1`, [req.drillId, JSON.stringify(loss)]);
      await event(
        req.drillId,
        'loss',
        'drill.loss',
        loss.total ? `数据丢失 ${loss.total} invoices lost (P0 ${loss.p0})${loss.unreadable ? `: sandbox unreadable (${loss.unreadable})` : ''}` : '无数据丢失 No invoice lost: the sandbox matches the pre-fault copy',
        { ...loss },
      );
      return loss;
    },

    /** Measures, scores and lists findings; run after the act stage and again when the drill ends. */
    async assessDrill(req: { drillId: string; final: boolean }): Promise<{ total: number; grade: string; findings: number }> {
      const facts = await measureDrill(ds, req.drillId);
      const score = scoreDrill(facts);
      const findings = drillFindings(facts);
      await ds.query(`UPDATE drills SET facts = $2, score = $3, findings = $4, scored_at = now(), state = $5 WHERE id = $1`, [
        req.drillId,
        JSON.stringify(facts),
        JSON.stringify(score),
        JSON.stringify(findings),
        req.final ? 'scored' : 'running',
      ]);
      if (req.final) await event(req.drillId, 'scored', 'drill.scored', `演练得分 Drill score ${score.total} ${score.grade}; ${findings.length} finding(s)`, { total: score.total, grade: score.grade });
      return { total: score.total, grade: score.grade, findings: findings.length };
    },

    /** Drops (or keeps) the sandbox; a drill whose plan could not finish is marked failed, not left running. */
    async finishDrill(req: { drillId: string; sandbox?: string; keepSandbox: boolean; failed?: boolean }): Promise<void> {
      let sandboxState: string | null = null;
      if (req.sandbox) {
        if (req.keepSandbox) {
          const stats = await invoiceStats(sandboxUrl(servers, req.sandbox)).catch(() => undefined);
          sandboxState = 'kept';
          await event(req.drillId, 'kept', 'drill.sandbox-kept', `Sandbox ${req.sandbox} kept for inspection${stats ? ` (${stats.total} invoices)` : ''}`);
        } else {
          await dropSandbox(servers, req.sandbox);
          sandboxState = 'dropped';
          await event(req.drillId, 'dropped', 'drill.sandbox-dropped', `Sandbox ${req.sandbox} dropped`);
        }
      }
      await ds.query(
        `UPDATE drills SET finished_at = COALESCE(finished_at, now()), sandbox_state = COALESCE($2, sandbox_state),
                state = CASE WHEN $3 AND state = 'running' THEN 'failed' ELSE state END WHERE id = $1`,
        [req.drillId, sandboxState, req.failed ?? false],
      );
    },
  };
}

export type DrillActivities = ReturnType<typeof createDrillActivities>;
