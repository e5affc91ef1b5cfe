import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { randomBytes } from 'node:crypto';
import { appendAudit } from '../../../../activities/records/audit-log';
import type { TriggerMatch } from '../../../../domain/alerts/triggers';
import { levelLabel } from '../../../../domain/incident/classify';
import type { Level } from '../../../../domain/plan/plan.types';
import { AuditTrail } from '../auth/audit-trail';
import type { Caller } from '../auth/caller';
import { IncidentsService } from '../incidents/incidents.service';
import { PlansService } from '../plans/plans.service';

export type ProposalState = 'proposed' | 'confirmed' | 'dismissed';

export interface Proposal {
  id: string;
  planId: string;
  planVersion: number;
  /** Index in the plan's `triggers`. */
  trigger: number;
  facts: Record<string, unknown>;
  level: Level | null;
  /** Why the trigger matched: `triggers[0] of einvoice-tax-platform-outage: alertname = TaxPlatformUnreachable`. */
  matchReason: string;
  alertGroup: string;
  summary: string;
  alerts: number;
  state: ProposalState;
  decidedBy: string | null;
  decisionReason: string | null;
  incidentId: string | null;
  proposedAt: Date;
  decidedAt: Date | null;
}

const COLUMNS = `id, plan_id AS "planId", plan_version AS "planVersion", trigger_index AS "trigger", facts, level, match_reason AS "matchReason",
  alert_group AS "alertGroup", summary, alerts, state, decided_by AS "decidedBy", decision_reason AS "decisionReason",
  incident_id AS "incidentId", proposed_at AS "proposedAt", decided_at AS "decidedAt"`;

/** `tri-20261202-k3x9q2`, like incident ids. */
function newProposalId(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return `tri-${day}-${[...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/**
 * Triage (分诊): incidents an alert proposed (`launch: propose`) wait here until a commander confirms
 * them, which launches the plan through the ordinary launch path, or dismisses them with a reason.
 */
@Injectable()
export class TriageService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditTrail,
    private readonly incidents: IncidentsService,
    private readonly plans: PlansService,
  ) {}

  /**
   * Records a proposal from the alert intake. One alert group has at most one proposal waiting:
   * proposing again for it updates that one (the latest alert's facts, summary and alert count) and
   * returns its id.
   */
  async propose(m: TriggerMatch, from: { alertGroup: string; summary: string; alerts: number }): Promise<{ id: string }> {
    return this.db.transaction(async (em) => {
      const rows: Array<{ id: string; inserted: boolean }> = await em.query(
        `INSERT INTO triage_proposals (id, plan_id, plan_version, trigger_index, facts, level, match_reason, alert_group, summary, alerts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (alert_group) WHERE state = 'proposed'
         DO UPDATE SET facts = EXCLUDED.facts, summary = EXCLUDED.summary, alerts = EXCLUDED.alerts
         RETURNING id, (xmax = 0) AS inserted`,
        [newProposalId(), m.planId, m.planVersion, m.trigger, JSON.stringify(m.facts), m.level ?? null, m.reason, from.alertGroup, from.summary, from.alerts],
      );
      const { id, inserted } = rows[0];
      if (inserted) {
        await appendAudit(em, {
          at: new Date(),
          actor: 'alert-intake',
          action: 'triage.propose',
          subjectType: 'triage',
          subjectId: id,
          outcome: 'ok',
          detail: { planId: m.planId, planVersion: m.planVersion, trigger: m.trigger, reason: m.reason, alertGroup: from.alertGroup, summary: from.summary, level: m.level },
        });
      }
      return { id };
    });
  }

  /** Every proposal, those waiting first, newest first within each state. */
  async list(): Promise<Proposal[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM triage_proposals ORDER BY (state = 'proposed') DESC, proposed_at DESC, id LIMIT 500`);
  }

  async get(id: string): Promise<Proposal> {
    const rows: Proposal[] = await this.db.query(`SELECT ${COLUMNS} FROM triage_proposals WHERE id = $1`, [id]);
    if (!rows.length) throw new NotFoundException(`triage proposal "${id}" not found`);
    return rows[0];
  }

  /**
   * Launches the proposed incident with the proposal's plan version, facts and level. The proposal is
   * claimed first, so two commanders confirming at once launch one incident; if the launch fails the
   * proposal waits again.
   */
  async confirm(id: string, caller: Caller): Promise<{ id: string; incidentId: string; level?: Level }> {
    const p = await this.claim(id, caller, 'confirmed', null, 'triage.confirm');
    let incidentId: string;
    try {
      const plan = await this.plans.parsedPlan(p.planId, p.planVersion);
      const launched = await this.incidents.start({ plan, facts: p.facts, mode: 'live' }, caller);
      incidentId = 'incident' in launched ? launched.incident.id : launched.id;
    } catch (err) {
      await this.db.query(`UPDATE triage_proposals SET state = 'proposed', decided_by = NULL, decided_at = NULL WHERE id = $1 AND state = 'confirmed' AND incident_id IS NULL`, [id]);
      await this.audit.ok(caller, 'triage.confirm', { type: 'triage', id }, { planId: p.planId, planVersion: p.planVersion, error: (err as Error).message }, 'failed');
      throw err;
    }
    await this.db.query(`UPDATE triage_proposals SET incident_id = $2 WHERE id = $1`, [id, incidentId]);
    await this.audit.ok(caller, 'triage.confirm', { type: 'triage', id }, { planId: p.planId, planVersion: p.planVersion, incidentId, reason: p.matchReason });
    if (p.level) await this.setLevel(incidentId, p.level, p.matchReason, caller);
    return { id, incidentId, ...(p.level ? { level: p.level } : {}) };
  }

  async dismiss(id: string, reason: string, caller: Caller): Promise<Proposal> {
    await this.claim(id, caller, 'dismissed', reason.trim(), 'triage.dismiss');
    await this.audit.ok(caller, 'triage.dismiss', { type: 'triage', id }, { reason: reason.trim() });
    return this.get(id);
  }

  /** Moves a waiting proposal to `state`; 404 if there is none, 409 (audited) if it was decided already. */
  private async claim(id: string, caller: Caller, state: 'confirmed' | 'dismissed', reason: string | null, action: string): Promise<Proposal> {
    const [rows] = await this.db.query(
      `UPDATE triage_proposals SET state = $2, decided_by = $3, decision_reason = $4, decided_at = now() WHERE id = $1 AND state = 'proposed' RETURNING id`,
      [id, state, caller.person, reason],
    );
    const p = await this.get(id);
    if (rows.length) return p;
    const why =
      p.state === 'confirmed'
        ? `triage proposal ${id} was already confirmed by ${p.decidedBy}${p.incidentId ? ` (incident ${p.incidentId})` : ''}`
        : `triage proposal ${id} was dismissed by ${p.decidedBy}: ${p.decisionReason}`;
    await this.audit.denied(caller, action, { type: 'triage', id }, why);
    throw new ConflictException(why);
  }

  /**
   * A trigger's `level` is applied as a commander's override of the level the rules gave, with the
   * trigger as the reason, so the timeline shows both. Retried while the workflow is still classifying.
   */
  private async setLevel(incidentId: string, level: Level, why: string, caller: Caller): Promise<void> {
    const reason = `${levelLabel(level)} set by the plan's trigger (${why})`;
    for (let attempt = 0; ; attempt++) {
      const status = await this.incidents.liveStatus(incidentId, caller).catch(() => undefined);
      if (status && (status as { level?: string }).level === level) return;
      try {
        await this.incidents.override(incidentId, { level, reason }, caller);
        return;
      } catch (err) {
        if (attempt >= 20 || !/being classified/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
}
