import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AlertSource } from './received-alert';

/** The live row of an alert group: the one incident (or proposal) its alerts join. */
export interface AlertGroup {
  id: string;
  source: AlertSource;
  groupKey: string;
  state: 'firing' | 'resolved';
  planId: string;
  planVersion: number;
  launch: 'auto' | 'propose';
  incidentId: string | null;
  proposalId: string | null;
  resolvedAt: Date | null;
  /** The state of the incident's read model, when it is recorded. */
  incidentState: string | null;
}

const COLUMNS = `g.id::text, g.source, g.group_key AS "groupKey", g.state, g.plan_id AS "planId", g.plan_version AS "planVersion", g.launch,
  g.incident_id AS "incidentId", g.proposal_id AS "proposalId", g.resolved_at AS "resolvedAt", i.state AS "incidentState"`;

/**
 * Alert groups and the election of their launcher: a unique index allows one live row per
 * (source, group key), so of any number of concurrent requests exactly one inserts it and launches.
 */
@Injectable()
export class AlertGroups {
  constructor(private readonly db: DataSource) {}

  async live(source: AlertSource, groupKey: string): Promise<AlertGroup | undefined> {
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM alert_groups g LEFT JOIN incidents i ON i.id = g.incident_id WHERE g.source = $1 AND g.group_key = $2 AND g.live`,
      [source, groupKey],
    );
    return rows[0];
  }

  /**
   * Whether the group is over: its incident closed, or all its alerts resolved longer ago than the
   * flap window. A firing alert then starts afresh; within the window it joins the same incident.
   */
  isOver(g: AlertGroup, flapWindowMs: number, now: Date): boolean {
    if (g.incidentState === 'closed' || g.incidentState === 'failed') return true;
    return g.state === 'resolved' && g.resolvedAt !== null && now.getTime() - new Date(g.resolvedAt).getTime() > flapWindowMs;
  }

  async retire(id: string): Promise<void> {
    await this.db.query(`UPDATE alert_groups SET live = false, retired_at = now() WHERE id = $1 AND live`, [id]);
  }

  /**
   * Gives the election back after a launch that did not happen: the group is retired and its alerts
   * are loose again (their ids returned), so a later request may launch for them.
   */
  async abandon(id: string): Promise<string[]> {
    await this.retire(id);
    // Destructured: the driver answers an UPDATE ... RETURNING as [rows, count].
    const [rows]: [Array<{ id: string }>, number] = await this.db.query(
      `UPDATE alert_occurrences SET group_id = NULL, match_state = 'pending' WHERE group_id = $1 RETURNING id::text`,
      [id],
    );
    return rows.map((r) => r.id);
  }

  /** Inserts the group's live row; the id when this request won the election, undefined when another did. */
  async elect(source: AlertSource, groupKey: string, plan: { planId: string; planVersion: number; launch: 'auto' | 'propose' }): Promise<string | undefined> {
    const rows = await this.db.query(
      `INSERT INTO alert_groups (source, group_key, plan_id, plan_version, launch) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (source, group_key) WHERE live DO NOTHING RETURNING id::text`,
      [source, groupKey, plan.planId, plan.planVersion, plan.launch],
    );
    return rows[0]?.id;
  }

  async setIncident(id: string, incidentId: string): Promise<void> {
    await this.db.query(`UPDATE alert_groups SET incident_id = $2 WHERE id = $1`, [id, incidentId]);
  }

  async setProposal(id: string, proposalId: string): Promise<void> {
    await this.db.query(`UPDATE alert_groups SET proposal_id = $2 WHERE id = $1`, [id, proposalId]);
  }

  /** Firing while any of its alerts fires; resolved (since the first moment all were) otherwise. */
  async refreshState(id: string): Promise<{ state: 'firing' | 'resolved'; resolvedAt: Date | null }> {
    const rows = await this.db.query(
      `WITH f AS (SELECT EXISTS (SELECT 1 FROM alert_occurrences WHERE group_id = $1 AND status = 'firing') AS firing)
       UPDATE alert_groups g SET
         state = CASE WHEN f.firing THEN 'firing' ELSE 'resolved' END,
         resolved_at = CASE WHEN f.firing THEN NULL ELSE coalesce(g.resolved_at, now()) END
        FROM f WHERE g.id = $1 RETURNING g.state, g.resolved_at AS "resolvedAt"`,
      [id],
    );
    return rows[0];
  }
}
