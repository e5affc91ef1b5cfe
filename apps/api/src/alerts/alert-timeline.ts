import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { recordEvent } from '../../../../activities/records/timeline';
import type { AlertGroup } from './alert-groups';

/**
 * Writes a group's alerts onto its incident's timeline: each occurrence's firing and resolve once
 * (keys per occurrence, so repeats and concurrent requests add nothing), then, when all resolved,
 * one entry offering the commander a close.
 */
@Injectable()
export class AlertTimeline {
  constructor(private readonly db: DataSource) {}

  /** Catches up what the timeline lacks; nothing while the incident is not yet recorded (a later request catches up). */
  async catchUp(group: Pick<AlertGroup, 'id' | 'groupKey'>, actor: string): Promise<void> {
    // Read afresh: a concurrent request of the group may have just launched its incident.
    const [fresh] = await this.db.query(
      `SELECT g.incident_id AS "incidentId" FROM alert_groups g JOIN incidents i ON i.id = g.incident_id WHERE g.id = $1`,
      [group.id],
    );
    const incidentId: string | undefined = fresh?.incidentId;
    if (!incidentId) return;
    const pending: Array<{ id: string; fingerprint: string; startsAt: Date; endsAt: Date | null; status: string; recorded: string | null; summary: string; labels: Record<string, string> }> =
      await this.db.query(
        `SELECT id::text, fingerprint, starts_at AS "startsAt", ends_at AS "endsAt", status, recorded_status AS recorded, summary, labels
           FROM alert_occurrences WHERE group_id = $1 AND recorded_status IS DISTINCT FROM status ORDER BY starts_at, id`,
        [group.id],
      );
    const state = await this.db.query(`SELECT state, resolved_at AS "resolvedAt" FROM alert_groups WHERE id = $1`, [group.id]);
    const allResolved: Date | null = state[0]?.state === 'resolved' ? state[0].resolvedAt : null;
    if (pending.length === 0 && !allResolved) return;
    await this.db.transaction(async (em) => {
      const audit = (action: string, detail: Record<string, unknown>) => ({ action, subjectType: 'incident', subjectId: incidentId, detail });
      for (const a of pending) {
        const data = { fingerprint: a.fingerprint, startsAt: new Date(a.startsAt).toISOString(), group: group.groupKey, labels: a.labels };
        if (a.recorded === null) {
          await recordEvent(
            em,
            { key: `${incidentId}:alert.firing:${a.id}`, incidentId, at: new Date(), kind: 'alert.firing', actor, message: `Alert firing: ${a.summary}`, data },
            audit('alert.firing', { alert: a.id, fingerprint: a.fingerprint }),
          );
        }
        if (a.status === 'resolved') {
          const endsAt = a.endsAt ? new Date(a.endsAt).toISOString() : undefined;
          await recordEvent(
            em,
            { key: `${incidentId}:alert.resolved:${a.id}`, incidentId, at: new Date(), kind: 'alert.resolved', actor, message: `Alert resolved: ${a.summary}`, data: { ...data, endsAt } },
            audit('alert.resolved', { alert: a.id, fingerprint: a.fingerprint }),
          );
        }
        await em.query(`UPDATE alert_occurrences SET recorded_status = $2 WHERE id = $1`, [a.id, a.status]);
      }
      if (allResolved) {
        // Once per time the group resolves: a flap that resolves again is offered again.
        await recordEvent(
          em,
          {
            key: `${incidentId}:alerts.all-resolved:${group.id}:${new Date(allResolved).toISOString()}`,
            incidentId, at: new Date(), kind: 'alerts.all-resolved', actor,
            message: 'All alerts resolved: close the incident?',
            data: { group: group.groupKey, resolvedAt: new Date(allResolved).toISOString() },
          },
          audit('alerts.all-resolved', { group: group.groupKey }),
        );
      }
    });
  }
}
