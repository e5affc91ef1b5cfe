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
import { isTaxPlatformFault, simulatorFault } from '../../domain/drill/tax-faults';
import type { TaxPlatformFacts } from '../../domain/drill/drill.types';
import { taxPlatformConfig } from '../../apps/tax-platform/src/config';
import { measureDrill, measureTaxPlatform, RecordedFault } from './measure';
import { createSandbox, dropSandbox, FaultSpec, injectFault, issueDuringFault, measureLoss, restoredFrom, sandboxUrl, startSandbox } from './sandbox';
import { dropDrillTenant, seedDrillTenant, setDrillTenantFault, SimulatorAccess } from './tax-platform-tenant';

/** Plan actions that talk to the tax platform: in a live drill they use the drill's tenant. */
const TAX_PLATFORM_ACTIONS = ['reconcileInvoices', 'resyncTaxPlatform'];

/** A live drill of this plan needs its own simulator tenant: it has a tax-platform fault, or an action that calls the platform. */
export function needsTaxTenant(plan: Pick<Plan, 'steps' | 'drill'>): boolean {
  return (
    (plan.drill?.faults ?? []).some((f) => isTaxPlatformFault(String(f.kind))) ||
    plan.steps.some((s) => s.type === 'automated' && TAX_PLATFORM_ACTIONS.includes(s.action))
  );
}

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

export function createDrillActivities(ds: DataSource, config: Pick<YingjiConfig, 'invoiceDatabaseUrl' | 'drillDatabaseUrl' | 'taxPlatformUrl'>) {
  const servers = { invoiceUrl: config.invoiceDatabaseUrl, sandboxServerUrl: config.drillDatabaseUrl };
  // The simulator (or TAX_PLATFORM_URL's implementation) and its admin secret, from the environment.
  const sim = (): SimulatorAccess => ({ url: config.taxPlatformUrl, adminToken: taxPlatformConfig().adminToken });
  const planOfDrill = async (drillId: string): Promise<Plan> => {
    const [row] = await ds.query(`SELECT pv.parsed FROM drills d JOIN plan_versions pv ON pv.plan_id = d.plan_id AND pv.version = d.plan_version WHERE d.id = $1`, [drillId]);
    if (!row) throw new Error(`drill ${drillId} not found`);
    return row.parsed as Plan;
  };
  const event = (drillId: string, key: string, kind: string, message: string, data: Record<string, unknown> = {}, at = new Date()) =>
    ds.transaction((em) =>
      recordEvent(em, { key: `${drillId}:drill:${key}`, incidentId: drillId, at, kind, actor: 'yingji', message, data }, { action: kind, subjectType: 'drill', subjectId: drillId, detail: data }),
    );

  /**
   * The tax platform's side of a live drill with a tax-platform fault, while its sandbox is there;
   * records each fault's end (the platform's return) on the timeline once it has passed. When the
   * sandbox cannot be read any more, the last measurement stands.
   */
  async function measureTax(drillId: string): Promise<TaxPlatformFacts | undefined> {
    const [d] = await ds.query(
      `SELECT d.sandbox, d.faults, d.started_at, d.facts AS measured, i.time_scale, i.facts FROM drills d JOIN incidents i ON i.id = d.id WHERE d.id = $1`,
      [drillId],
    );
    const faults = ((d?.faults ?? []) as RecordedFault[]).filter((f) => isTaxPlatformFault(f.kind) && f.until);
    if (!d?.sandbox || faults.length === 0) return undefined;
    for (const f of faults) {
      if (Date.parse(f.until!) > Date.now()) continue;
      await event(drillId, `returned:${f.index}`, 'drill.platform-returned', `税务平台恢复 The tax platform is back in tenant ${d.sandbox}: fault ${f.kind} ended`, { kind: f.kind, tenant: d.sandbox }, new Date(f.until!));
    }
    try {
      return await measureTaxPlatform(sim(), sandboxUrl(servers, d.sandbox), {
        sandbox: d.sandbox,
        startedAt: new Date(d.started_at).toISOString(),
        timeScale: Math.max(1, Number(d.time_scale ?? 1)),
        facts: d.facts ?? {},
        faults,
      });
    } catch (err) {
      const earlier = (d.measured as { taxPlatform?: TaxPlatformFacts } | null)?.taxPlatform;
      if (earlier) return earlier;
      throw err;
    }
  }

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
      let tenant: { taxpayers: number; invoices: number } | undefined;
      try {
        counts = await createSandbox(servers, req.sandbox);
        // The drill's tenant of the tax platform, when the plan touches it: see seedDrillTenant.
        if (needsTaxTenant(await planOfDrill(req.drillId))) tenant = await seedDrillTenant(sim(), sandboxUrl(servers, req.sandbox), req.sandbox);
      } catch (err) {
        throw nonRetryable(err, 'SandboxFailed');
      }
      await ds.query(`UPDATE drills SET sandbox_state = 'ready' WHERE id = $1`, [req.drillId]);
      await event(req.drillId, 'sandbox', 'drill.sandbox', `Sandbox ${req.sandbox} holds a copy of ${counts.rows} invoices (pre-fault copy kept)`, counts);
      if (tenant) {
        await event(
          req.drillId,
          'tax-tenant',
          'drill.tax-tenant',
          `Tax-platform tenant ${req.sandbox} holds a copy of production's: ${tenant.invoices} invoices of the sandbox's ${tenant.taxpayers} taxpayers`,
          { tenant: req.sandbox, ...tenant },
        );
      }
      return counts;
    },

    async injectDrillFault(req: { drillId: string; sandbox: string; index: number; fault: FaultSpec }): Promise<{ at: string; detail: string }> {
      let applied;
      let at = new Date();
      let until: string | undefined;
      try {
        if (isTaxPlatformFault(req.fault.kind)) {
          // Already on (a retry after it was recorded): switching it on again would move its end.
          const [done] = await ds.query(`SELECT f FROM drills d, jsonb_array_elements(d.faults) f WHERE d.id = $1 AND (f->>'index')::int = $2`, [req.drillId, req.index]);
          if (done) return { at: done.f.at, detail: done.f.detail };
          const [inc] = await ds.query(`SELECT time_scale FROM incidents WHERE id = $1`, [req.drillId]);
          const played = simulatorFault(req.fault as unknown as Record<string, unknown>, Math.max(1, Number(inc?.time_scale ?? 1)));
          at = new Date();
          until = new Date(at.getTime() + played.wallMs).toISOString();
          await setDrillTenantFault(sim(), req.sandbox, played.setting, new Date(until));
          const traffic = typeof req.fault.invoices === 'number' ? await issueDuringFault(servers, req.sandbox, req.index, req.fault.invoices, req.drillId) : 0;
          const issuedText = traffic ? `; ${traffic} invoices issued in the sandbox meanwhile, pending until resynced` : '';
          applied = { kind: req.fault.kind, target: `tax-platform tenant ${req.sandbox}`, rows: traffic || undefined, detail: `${played.detail}, in tenant ${req.sandbox}, until ${until}${issuedText}` };
        } else {
          applied = await injectFault(servers, req.sandbox, req.index, req.fault, req.drillId);
          at = new Date();
        }
      } catch (err) {
        throw nonRetryable(err, 'FaultFailed');
      }
      const entry = { index: req.index, kind: applied.kind, target: applied.target, rows: applied.rows, detail: applied.detail, at: at.toISOString(), ...(until ? { until } : {}) };
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
      const facts = await measureDrill(ds, req.drillId, await measureTax(req.drillId));
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
          if (needsTaxTenant(await planOfDrill(req.drillId))) {
            // Left behind, a drill tenant harms nothing (its faults have lifted): say so rather than hold the drill open.
            const dropped = await dropDrillTenant(sim(), req.sandbox).then(
              () => undefined,
              (err: Error) => err.message,
            );
            await event(
              req.drillId,
              'tax-tenant-dropped',
              'drill.tax-tenant-dropped',
              dropped ? `Tax-platform tenant ${req.sandbox} could not be dropped: ${dropped}` : `Tax-platform tenant ${req.sandbox} dropped (its invoices, faults and counters)`,
            );
          }
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
