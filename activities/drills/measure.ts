// What a drill did, read back from the incident's read models (steps, tasks, timeline,
// notifications) and the drill row: the facts the score is computed from (domain/drill).
import type { DataSource } from 'typeorm';
import type { DrillFacts, DrillStepFacts, TaxPlatformFacts } from '../../domain/drill/drill.types';
import { serviceRestoredAt, taxServiceRestoredAt } from '../../domain/drill/measure';
import { drillDeadline, isTaxPlatformFault } from '../../domain/drill/tax-faults';
import { taxDeadlineHours } from '../../domain/einvoice/declaration-calendar';
import type { Level, Plan } from '../../domain/plan/plan.types';
import { withDatabase } from '../invoices/database';
import { drillTenantCounters, SimulatorAccess } from './tax-platform-tenant';

const RESTORE_ACTIONS = ['restoreByPriority', 'verifyRestore'];
const iso = (d: unknown) => (d ? new Date(d as string).toISOString() : undefined);

/** Every role each notify step and `notified` expectation must reach, with its plan-time deadline. */
function audiencesOf(plan: Plan): Map<string, number | undefined> {
  const out = new Map<string, number | undefined>();
  for (const s of plan.steps) if (s.type === 'notify') for (const role of s.to) if (!out.has(role)) out.set(role, s.withinMs);
  for (const e of plan.drill?.expect ?? []) if (typeof e.notified === 'string') out.set(e.notified, e.withinMs as number | undefined);
  return out;
}

/**
 * The facts of the drill; `taxPlatform`, when the drill had a tax-platform fault, is measured by the
 * caller (measureTaxPlatform) while the sandbox is there.
 */
export async function measureDrill(ds: DataSource, drillId: string, taxPlatform?: TaxPlatformFacts): Promise<DrillFacts> {
  const [drill] = await ds.query(`SELECT * FROM drills WHERE id = $1`, [drillId]);
  if (!drill) throw new Error(`drill ${drillId} not found`);
  const [incident] = await ds.query(`SELECT * FROM incidents WHERE id = $1`, [drillId]);
  const [pv] = await ds.query(`SELECT parsed FROM plan_versions WHERE plan_id = $1 AND version = $2`, [drill.plan_id, drill.plan_version]);
  const plan = pv.parsed as Plan;
  const level = (incident.level ?? undefined) as Level | undefined;
  const steps: Array<Record<string, unknown>> = await ds.query(`SELECT * FROM steps WHERE incident_id = $1`, [drillId]);
  const tasks: Array<Record<string, unknown>> = await ds.query(`SELECT * FROM tasks WHERE incident_id = $1 AND kind <> 'review' ORDER BY created_at`, [drillId]);
  const timeline: Array<Record<string, unknown>> = await ds.query(`SELECT at, kind, task_id, data FROM timeline_entries WHERE incident_id = $1 ORDER BY at, id`, [drillId]);
  const delivered: Array<Record<string, unknown>> = await ds.query(
    // The drill's own start notice tells people a drill is on; it does not count as reaching them.
    `SELECT audience, recipients, delivered_at FROM notifications WHERE incident_id = $1 AND status = 'delivered' AND reason <> 'drill:start' ORDER BY delivered_at`,
    [drillId],
  );
  const classifiedAt = iso(timeline.find((t) => t.kind === 'incident.classified')?.at);
  const actEndedAt = iso(timeline.find((t) => t.kind === 'incident.stage' && (t.data as { stage?: string })?.stage === 'notify')?.at);

  const stepFacts: DrillStepFacts[] = plan.steps.map((s) => {
    const row = steps.find((r) => r.step_id === s.id);
    const task = [...tasks].reverse().find((t) => t.step_id === s.id);
    const inLevel = !s.levels || (level !== undefined && s.levels.includes(level));
    const state = (row?.state as DrillStepFacts['state']) ?? 'pending';
    return {
      id: s.id,
      title: s.title ?? s.id,
      type: s.type,
      ownerRole: 'owner' in s ? s.owner : undefined,
      team: (row?.team as string) ?? (task?.team as string) ?? undefined,
      required: inLevel && state !== 'skipped',
      state,
      withinMs: s.withinMs,
      startedAt: iso(row?.started_at),
      acknowledgedAt: iso(task?.acknowledged_at),
      finishedAt: state === 'done' ? iso(row?.finished_at) : undefined,
      finishedBy: (row?.finished_by as string) ?? undefined,
      simulated: task ? Boolean(task.simulated) : undefined,
      outcome: (row?.outcome as string) ?? undefined,
      failure: s.type === 'automated' ? ((task?.failure as string) ?? undefined) : undefined,
      checklist: { planned: s.type === 'manual' ? (s.checklist ?? []) : [], ticked: (task?.checklist_done as string[]) ?? [] },
      escalations: tasks.filter((t) => t.step_id === s.id).reduce((n, t) => n + Number(t.escalations ?? 0), 0),
      decision: (task?.decision as string) ?? undefined,
    };
  });

  const recovery = plan.steps.filter((s) => s.type === 'automated' && RESTORE_ACTIONS.includes(s.action)).map((s) => stepFacts.find((f) => f.id === s.id)!);
  // A drill of the tax platform without restore steps restores service when invoices sync again.
  const restoredAt = taxPlatform && recovery.length === 0 ? taxServiceRestoredAt(taxPlatform) : serviceRestoredAt(recovery, actEndedAt);

  const timeScale = Number(incident.time_scale ?? 1);
  const startedAt = iso(drill.started_at)!;
  const outageFrom = iso(drill.fault_at) ?? startedAt;
  const rtoTarget = plan.objectives?.rtoMs;
  const rtoMs = typeof rtoTarget === 'number' ? rtoTarget : level ? rtoTarget?.[level] : undefined;

  const audiences = [...audiencesOf(plan)].map(([role, withinMs]) => {
    const first = delivered.find((n) => (n.audience as string[]).includes(role));
    return { role, withinMs, firstReachedAt: iso(first?.delivered_at) };
  });
  const escalations = timeline
    .filter((t) => t.kind === 'task.escalated')
    .map((t) => {
      const task = tasks.find((x) => x.id === t.task_id);
      return { stepId: String(task?.step_id ?? t.task_id), team: (task?.team as string) ?? undefined, at: iso(t.at)!, notified: ((t.data as { notified?: string[] })?.notified ?? []) as string[] };
    });
  const loss = drill.loss ? { byClass: drill.loss.byClass, total: drill.loss.total, p0: drill.loss.p0, windowMs: drill.loss.windowMs } : undefined;

  return {
    drillId,
    planId: drill.plan_id,
    planVersion: drill.plan_version,
    planTitle: plan.title,
    mode: drill.mode,
    unannounced: drill.unannounced,
    level,
    timeScale,
    startedAt,
    classifiedAt,
    finishedAt: iso(incident.closed_at),
    objectives: { rtoMs, rpoMs: plan.objectives?.rpoMs },
    faultAt: iso(drill.fault_at),
    faults: drill.faults,
    restoredAt,
    recoveryEstimated: drill.mode === 'tabletop',
    rtoMs: restoredAt ? (new Date(restoredAt).getTime() - new Date(outageFrom).getTime()) * timeScale : undefined,
    loss,
    ...(taxPlatform ? { taxPlatform } : {}),
    steps: stepFacts,
    audiences,
    firstNotificationAt: iso(delivered.find((n) => !classifiedAt || new Date(n.delivered_at as string) >= new Date(classifiedAt))?.delivered_at),
    decisions: Object.fromEntries(stepFacts.filter((s) => s.decision).map((s) => [s.id, s.decision!])),
    escalations,
    expect: plan.drill?.expect ?? [],
  };
}

/** A fault entry of the drill row (drills.faults). */
export interface RecordedFault {
  index: number;
  kind: string;
  at: string;
  detail: string;
  until?: string;
}

/**
 * What the drill's tax-platform faults did: read from the sandbox (sync_status, synced_at) and the
 * drill tenant's counters. The platform returned when the last tax-platform fault ended (`until`).
 * Counts are taken at min(instant, now): an instant still ahead is counted as things stand.
 */
export async function measureTaxPlatform(
  sim: SimulatorAccess,
  sandboxUrl: string,
  drill: { sandbox: string; startedAt: string; timeScale: number; facts: Record<string, unknown>; faults: RecordedFault[] },
  now = new Date(),
): Promise<TaxPlatformFacts | undefined> {
  const ends = drill.faults.filter((f) => isTaxPlatformFault(f.kind) && f.until).map((f) => f.until!);
  if (ends.length === 0) return undefined;
  const returnedAt = ends.sort().at(-1)!;
  const measuredAt = now.toISOString();
  const deadline = drillDeadline(drill.startedAt, drill.timeScale, drill.facts, (at) => taxDeadlineHours(at));
  const deadlineAt = 'at' in deadline ? deadline.at : undefined;
  const cutoff = (iso: string) => (Date.parse(iso) < now.getTime() ? iso : measuredAt);
  const back = cutoff(returnedAt);
  const { row, examples } = await withDatabase(sandboxUrl, async (db) => ({
    row: (
      await db.query(
        `SELECT count(*) FILTER (WHERE issued_at <= $1 AND (sync_status <> 'synced' OR synced_at > $1)) AS at_return,
                count(*) FILTER (WHERE issued_at <= $1 AND sync_status <> 'synced') AS still,
                max(synced_at) FILTER (WHERE issued_at <= $1 AND synced_at > $1) AS resynced,
                count(*) FILTER (WHERE $2::timestamptz IS NOT NULL AND issued_at <= $2 AND (sync_status <> 'synced' OR synced_at > $2)) AS at_deadline
           FROM invoices`,
        [back, deadlineAt ? cutoff(deadlineAt) : null],
      )
    ).rows[0] as Record<string, string | Date | null>,
    examples: (await db.query<{ no: string }>(`SELECT invoice_no AS no FROM invoices WHERE issued_at <= $1 AND sync_status <> 'synced' ORDER BY issued_at, invoice_no LIMIT 5`, [back])).rows.map((r) => r.no),
  }));
  const counters = await drillTenantCounters(sim, drill.sandbox);
  const still = Number(row.still);
  return {
    tenant: drill.sandbox,
    returnedAt,
    measuredAt,
    unsyncedAtReturn: Number(row.at_return),
    ...(still === 0 && row.resynced ? { resyncedAt: new Date(row.resynced as Date).toISOString() } : {}),
    stillUnsynced: still,
    stillUnsyncedExamples: examples,
    ...('at' in deadline
      ? { deadline, unsyncedAtDeadline: Number(row.at_deadline), deadlineAfterEnd: Date.parse(deadline.at) > now.getTime() }
      : { deadlineUnknown: deadline.unknown }),
    uploads: counters.uploads,
    duplicateUploads: counters.alreadyExists,
    duplicateSerials: counters.duplicateSerials,
  };
}
