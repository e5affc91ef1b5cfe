import { HttpException, Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { IncomingAlert, matchTriggers, TriggerFactError, TriggerMatch } from '../../../../domain/alerts/triggers';
import { levelLabel } from '../../../../domain/incident/classify';
import type { Level, Plan } from '../../../../domain/plan/plan.types';
import type { Caller } from '../auth/caller';
import { IncidentsService } from '../incidents/incidents.service';
import { TriageService } from '../triage/triage.service';
import { AlertGroup, AlertGroups } from './alert-groups';
import { AlertOccurrences, StoredAlert } from './alert-occurrences';
import { ALERT_SETTINGS, AlertSettings } from './alert-settings';
import { AlertTimeline } from './alert-timeline';
import type { AlertmanagerWebhookDto } from './dto/alertmanager-webhook.dto';
import type { PagerDutyEventDto } from './dto/pagerduty-event.dto';
import { AlertSource, fromAlertmanager, fromEvent, ReceivedAlert } from './received-alert';

/** What one intake request did, for the sender (and whoever reads its logs). */
export interface IntakeResult {
  received: number;
  /** Occurrences seen for the first time. */
  new: number;
  unmatched: number;
  group?: { incidentId: string | null; proposalId: string | null; planId: string; launched: boolean };
}

/** Published plans change rarely; a storm should not parse them once per alert. */
const PLANS_TTL_MS = 2000;

/**
 * Alert intake: stores every occurrence (idempotently), elects one launcher per alert group, starts
 * or proposes the plan a trigger chooses, and keeps the group's incident timeline up to date.
 */
@Injectable()
export class AlertsService {
  private readonly log = new Logger('alerts');
  private plans: { at: number; list: Promise<Plan[]> } | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly occurrences: AlertOccurrences,
    private readonly groups: AlertGroups,
    private readonly timeline: AlertTimeline,
    private readonly incidents: IncidentsService,
    private readonly triage: TriageService,
    @Inject(ALERT_SETTINGS) private readonly settings: AlertSettings,
  ) {}

  async alertmanager(body: AlertmanagerWebhookDto, caller: Caller): Promise<IntakeResult> {
    const alerts = fromAlertmanager(body);
    const stored = await this.store(() => this.occurrences.upsertGroup('alertmanager', body.groupKey, alerts, caller.person));
    return this.settle('alertmanager', body.groupKey, alerts, stored, caller);
  }

  /** PagerDuty Events v2: trigger opens or joins the key's alert, resolve closes it, acknowledge marks it. */
  async event(e: PagerDutyEventDto, caller: Caller): Promise<{ status: 'success'; message: string; dedup_key: string; group?: IntakeResult['group'] }> {
    const dedupKey = e.dedup_key ?? randomUUID();
    if (e.event_action === 'trigger') {
      const alert = fromEvent(e, dedupKey, new Date());
      const stored = await this.store(() => this.occurrences.trigger(alert, caller.person));
      const r = await this.settle('events', dedupKey, [alert], [stored], caller);
      return { status: 'success', message: stored.isNew ? 'Event processed: alert opened' : 'Event processed: joined the open alert', dedup_key: dedupKey, group: r.group };
    }
    const settled = await this.store(() => this.occurrences.settleEvent(dedupKey, e.event_action as 'resolve' | 'acknowledge'));
    if (!settled) return { status: 'success', message: `No open alert has dedup_key "${dedupKey}": nothing to ${e.event_action}`, dedup_key: dedupKey };
    if (e.event_action === 'resolve') await this.settle('events', dedupKey, [], [settled], caller);
    return { status: 'success', message: `Event processed: alert ${e.event_action === 'resolve' ? 'resolved' : 'acknowledged'}`, dedup_key: dedupKey };
  }

  list(filter: { state?: string; status?: string; limit?: number }) {
    return this.occurrences.list(filter);
  }

  /** A failure to store is answered 503, so the sender keeps the alerts and sends them again. */
  private async store<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      this.log.error(`alerts not stored: ${(err as Error).message}`);
      throw new ServiceUnavailableException(`alerts could not be stored (${(err as Error).message}): send them again`);
    }
  }

  /** After storing: join the group's incident or proposal, or elect a launcher, then catch the timeline up. */
  private async settle(source: AlertSource, groupKey: string, alerts: ReceivedAlert[], stored: StoredAlert[], caller: Caller): Promise<IntakeResult> {
    const result: IntakeResult = { received: stored.length, new: stored.filter((s) => s.isNew).length, unmatched: 0 };
    const loose = stored.filter((s) => s.groupId === null);
    let group = await this.liveGroup(source, groupKey);
    let launched = false;
    if (!group) {
      // Only alerts no group took yet may launch: one still firing after its incident closed does not launch again.
      const firing = new Set(loose.filter((s) => s.status === 'firing').map((s) => s.fingerprint));
      const found = await this.match(source, alerts.filter((a) => firing.has(a.fingerprint)));
      if ('reason' in found && !('planId' in found)) {
        await this.occurrences.markUnmatched(loose.map((s) => s.id), found.reason);
        return { ...result, unmatched: loose.length };
      }
      const m = found as TriggerMatch;
      const won = await this.groups.elect(source, groupKey, { planId: m.planId, planVersion: m.planVersion, launch: m.launch });
      if (won) {
        const refused = await this.launch(won, m, source, groupKey, alerts, caller);
        if (refused) {
          const ids = [...new Set([...loose.map((s) => s.id), ...refused.detached])];
          await this.occurrences.markUnmatched(ids, refused.reason);
          return { ...result, unmatched: loose.length };
        }
        launched = true;
      }
      const elected = await this.groups.live(source, groupKey);
      // The request elected before this one could not launch and gave the election back: the sender retries.
      if (!elected) throw new ServiceUnavailableException(`the alerts are stored but the launch for group ${groupKey} did not complete: send them again`);
      group = elected;
    }
    await this.occurrences.attach(loose.map((s) => s.id), group.id);
    await this.groups.refreshState(group.id);
    await this.joinConfirmedProposal(group);
    await this.timeline.catchUp(group, source);
    return { ...result, group: { incidentId: group.incidentId, proposalId: group.proposalId, planId: group.planId, launched } };
  }

  /** The group's live row, retiring it first when it is over (incident closed, or resolved past the flap window). */
  private async liveGroup(source: AlertSource, groupKey: string): Promise<AlertGroup | undefined> {
    const group = await this.groups.live(source, groupKey);
    if (!group) return undefined;
    if (this.groups.isOver(group, this.settings.flapWindowMs, new Date()) || (await this.proposalDismissed(group))) {
      await this.groups.retire(group.id);
      return undefined;
    }
    return group;
  }

  /** The first firing alert a plan's trigger takes; else why none did. */
  private async match(source: AlertSource, firing: ReceivedAlert[]): Promise<TriggerMatch | { reason: string }> {
    if (firing.length === 0) return { reason: 'resolved before any plan took it' };
    const plans = await this.publishedPlans();
    let refused: string | undefined;
    for (const a of firing) {
      const incoming: IncomingAlert = { source, labels: a.labels, annotations: a.annotations, severity: a.severity, summary: a.summary, values: a.details };
      try {
        const m = matchTriggers(plans, incoming);
        if (m) return m;
      } catch (err) {
        if (!(err instanceof TriggerFactError)) throw err;
        refused ??= err.message;
      }
    }
    return { reason: refused ?? 'no published plan has a trigger matching these alerts' };
  }

  /**
   * Starts (auto) or proposes the plan for the group this request was elected for. Returns why the
   * launch was refused and the group's alerts it let go (they stay stored as unmatched, with that
   * reason), or undefined when done.
   * Anything else (Temporal unreachable) gives the election back and answers 503, so the sender retries.
   */
  private async launch(groupId: string, m: TriggerMatch, source: AlertSource, groupKey: string, alerts: ReceivedAlert[], caller: Caller): Promise<{ reason: string; detached: string[] } | undefined> {
    const firing = alerts.filter((a) => a.status === 'firing');
    const summary = firing[0]?.summary ?? groupKey;
    try {
      if (m.launch === 'propose') {
        const { id } = await this.triage.propose(m, { alertGroup: `${source}:${groupKey}`, summary, alerts: alerts.length });
        await this.groups.setProposal(groupId, id);
        return undefined;
      }
      // The incident is launched by the sender, on the intake token's credentials (the audit trail names both).
      const launcher: Caller = { person: source, teams: [], roles: ['commander'], tokenId: caller.tokenId, ip: caller.ip };
      const plan = await this.publishedPlan(m.planId, m.planVersion);
      const started = await this.incidents.start({ plan, facts: m.facts, mode: 'live' }, launcher);
      const incidentId = 'incident' in started ? started.incident.id : started.id;
      await this.groups.setIncident(groupId, incidentId);
      this.log.log(`alert group ${groupKey} launched ${incidentId} (${m.reason})`);
      if (m.level) await this.setLevel(incidentId, m.level as Level, m.reason, launcher);
      return undefined;
    } catch (err) {
      const detached = await this.groups.abandon(groupId);
      if (err instanceof HttpException && err.getStatus() < 500) {
        return { reason: `${m.reason}: the launch was refused: ${(err as Error).message}`, detached };
      }
      throw new ServiceUnavailableException(`the alerts are stored but plan ${m.planId} could not be started (${(err as Error).message}): send them again`);
    }
  }

  /** A trigger's level overrides the level the rules give, with the trigger as the reason (as triage does). */
  private async setLevel(incidentId: string, level: Level, why: string, launcher: Caller): Promise<void> {
    const reason = `${levelLabel(level)} set by the plan's trigger (${why})`;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.incidents.override(incidentId, { level, reason }, launcher);
        return;
      } catch (err) {
        if (/already at level|is already/i.test((err as Error).message)) return;
        if (attempt >= 20 || !/being classified/.test((err as Error).message)) {
          this.log.warn(`level ${level} of ${incidentId} not set: ${(err as Error).message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** A confirmed proposal became an incident: the group's alerts join it from now on. */
  private async joinConfirmedProposal(group: AlertGroup): Promise<void> {
    if (group.incidentId || !group.proposalId) return;
    const rows = await this.db.query(`SELECT incident_id AS "incidentId" FROM triage_proposals WHERE id = $1`, [group.proposalId]);
    if (rows[0]?.incidentId) {
      await this.groups.setIncident(group.id, rows[0].incidentId);
      group.incidentId = rows[0].incidentId;
    }
  }

  private async proposalDismissed(group: AlertGroup): Promise<boolean> {
    if (group.incidentId || !group.proposalId) return false;
    const rows = await this.db.query(`SELECT state FROM triage_proposals WHERE id = $1`, [group.proposalId]);
    return rows[0]?.state === 'dismissed';
  }

  private publishedPlans(): Promise<Plan[]> {
    if (!this.plans || Date.now() - this.plans.at > PLANS_TTL_MS) {
      const list = this.db
        .query(`SELECT DISTINCT ON (plan_id) parsed FROM plan_versions ORDER BY plan_id, version DESC`)
        .then((rows: Array<{ parsed: Plan }>) => rows.map((r) => r.parsed));
      list.catch(() => (this.plans = undefined));
      this.plans = { at: Date.now(), list };
    }
    return this.plans.list;
  }

  private async publishedPlan(planId: string, version: number): Promise<Plan> {
    const rows = await this.db.query(`SELECT parsed FROM plan_versions WHERE plan_id = $1 AND version = $2`, [planId, version]);
    return rows[0].parsed;
  }
}
