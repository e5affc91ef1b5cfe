import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AlertSource, ReceivedAlert } from './received-alert';

/** A stored occurrence, as intake works with it. */
export interface StoredAlert {
  id: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  groupId: string | null;
  /** False when this request only saw it again. */
  isNew: boolean;
}

const RETURNING = `RETURNING id::text, fingerprint, status, group_id::text AS "groupId", (xmax = 0) AS "isNew"`;

/** Every alert received, once per occurrence: a repeat only counts as seen again. */
@Injectable()
export class AlertOccurrences {
  constructor(private readonly db: DataSource) {}

  /**
   * Stores a group's alerts in one statement. A resolved occurrence stays resolved (a late,
   * reordered delivery of its firing state changes nothing but the seen count).
   */
  async upsertGroup(source: AlertSource, groupKey: string, alerts: ReceivedAlert[], receivedBy: string): Promise<StoredAlert[]> {
    if (alerts.length === 0) return [];
    const rows = alerts.map((a) => ({
      fingerprint: a.fingerprint, starts_at: a.startsAt.toISOString(), status: a.status, ends_at: a.endsAt?.toISOString() ?? null,
      summary: a.summary, labels: a.labels, annotations: a.annotations, payload: a.payload,
    }));
    return this.db.query(
      `INSERT INTO alert_occurrences (source, group_key, fingerprint, starts_at, status, ends_at, summary, labels, annotations, payload, received_by)
       SELECT $1, $2, a.fingerprint, a.starts_at, a.status, a.ends_at, a.summary, a.labels, a.annotations, a.payload, $4
         FROM jsonb_to_recordset($3::jsonb) AS a(fingerprint text, starts_at timestamptz, status text, ends_at timestamptz, summary text, labels jsonb, annotations jsonb, payload jsonb)
       ON CONFLICT (source, fingerprint, starts_at) DO UPDATE SET
         seen = alert_occurrences.seen + 1, last_seen_at = now(),
         status = CASE WHEN alert_occurrences.status = 'resolved' THEN 'resolved' ELSE EXCLUDED.status END,
         ends_at = CASE WHEN alert_occurrences.status = 'resolved' THEN alert_occurrences.ends_at ELSE EXCLUDED.ends_at END
       ${RETURNING}`,
      [source, groupKey, JSON.stringify(rows), receivedBy],
    );
  }

  /** An Events v2 trigger: opens an alert for its key, or joins the one open. */
  async trigger(alert: ReceivedAlert, receivedBy: string): Promise<StoredAlert> {
    const rows = await this.db.query(
      `INSERT INTO alert_occurrences (source, group_key, fingerprint, starts_at, status, summary, labels, annotations, payload, received_by)
       VALUES ('events', $1, $1, $2, 'firing', $3, $4, $5, $6, $7)
       ON CONFLICT (fingerprint) WHERE source = 'events' AND status = 'firing'
       DO UPDATE SET seen = alert_occurrences.seen + 1, last_seen_at = now()
       ${RETURNING}`,
      [alert.fingerprint, alert.startsAt, alert.summary, JSON.stringify(alert.labels), JSON.stringify(alert.annotations), JSON.stringify(alert.payload), receivedBy],
    );
    return rows[0];
  }

  /** Resolves (or acknowledges) the open alert of an Events v2 key; undefined when none is open. */
  async settleEvent(dedupKey: string, action: 'resolve' | 'acknowledge'): Promise<StoredAlert | undefined> {
    const set = action === 'resolve' ? `status = 'resolved', ends_at = now()` : `acknowledged_at = coalesce(acknowledged_at, now())`;
    const rows = await this.db.query(
      `UPDATE alert_occurrences SET ${set}, seen = seen + 1, last_seen_at = now()
        WHERE source = 'events' AND fingerprint = $1 AND status = 'firing'
        RETURNING id::text, fingerprint, ${action === 'resolve' ? `'resolved'` : 'status'} AS status, group_id::text AS "groupId", false AS "isNew"`,
      [dedupKey],
    );
    return rows[0];
  }

  /** These occurrences joined a group's incident or proposal. */
  async attach(ids: string[], groupId: string): Promise<void> {
    await this.db.query(`UPDATE alert_occurrences SET group_id = $2, match_state = 'matched', match_reason = NULL WHERE id = ANY($1::bigint[]) AND group_id IS NULL`, [ids, groupId]);
  }

  /** No plan takes these: kept for commanders (`GET /alerts?state=unmatched`), with why. */
  async markUnmatched(ids: string[], reason: string): Promise<void> {
    await this.db.query(`UPDATE alert_occurrences SET match_state = 'unmatched', match_reason = $2 WHERE id = ANY($1::bigint[]) AND group_id IS NULL AND match_state = 'pending'`, [ids, reason]);
  }

  async list(filter: { state?: string; status?: string; limit?: number }): Promise<Array<Record<string, unknown>>> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.state) where.push(`o.match_state = $${args.push(filter.state)}`);
    if (filter.status) where.push(`o.status = $${args.push(filter.status)}`);
    args.push(filter.limit ?? 200);
    return this.db.query(
      `SELECT o.id::text, o.source, o.group_key AS "groupKey", o.fingerprint, o.starts_at AS "startsAt", o.status, o.ends_at AS "endsAt",
              o.acknowledged_at AS "acknowledgedAt", o.summary, o.labels, o.annotations, o.match_state AS "state", o.match_reason AS "reason",
              g.plan_id AS "planId", g.incident_id AS "incidentId", g.proposal_id AS "proposalId",
              o.seen, o.first_seen_at AS "firstSeenAt", o.last_seen_at AS "lastSeenAt", o.received_by AS "receivedBy"
         FROM alert_occurrences o LEFT JOIN alert_groups g ON g.id = o.group_id
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY o.last_seen_at DESC, o.id DESC LIMIT $${args.length}`,
      args,
    );
  }
}
