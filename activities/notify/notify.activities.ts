import type { DataSource, EntityManager } from 'typeorm';
import { recordEvent } from '../records/timeline';
import { ChannelUnavailableError, channelFor, OutgoingNotification, unavailableReason } from './channel';

/** The mark every drill notification starts with (drills-and-scoring.md). */
export const DRILL_MARK = '【演练 DRILL】 ';

export interface NotificationRequest {
  /** Idempotency key chosen by the workflow: one notification row, one delivery. */
  id: string;
  incidentId: string;
  stepId?: string;
  /** Why it is sent, e.g. `step`, `stage:classified`, `escalation`. */
  reason: string;
  channel: string;
  /** The plan's settings for the channel (`notify.channels.<channel>`). */
  channelConfig: Record<string, unknown>;
  /** Role names. */
  audience: string[];
  recipients: Array<{ person: string; name?: string; address?: string }>;
  message: string;
  drill: boolean;
  /** ISO time, workflow time. */
  at: string;
}

export interface NotificationResult {
  id: string;
  status: 'delivered' | 'unavailable';
  detail: string;
  attempts: number;
}

interface Row {
  status: string;
  attempts: number;
  detail: string | null;
}

type Outcome = { result: NotificationResult } | { error: Error };

export function drillMarked(message: string, drill: boolean): string {
  return drill && !message.startsWith(DRILL_MARK) ? `${DRILL_MARK}${message}` : message;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function insertPending(em: EntityManager, req: NotificationRequest): Promise<void> {
  await em.query(
    `INSERT INTO notifications (id, incident_id, step_id, reason, channel, audience, recipients, message, drill, status, attempts, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', 0, $10)
     ON CONFLICT (id) DO NOTHING`,
    [
      req.id,
      req.incidentId,
      req.stepId ?? null,
      req.reason,
      req.channel,
      JSON.stringify(req.audience),
      JSON.stringify(req.recipients),
      drillMarked(req.message, req.drill),
      req.drill,
      req.at,
    ],
  );
}

function auditOf(req: NotificationRequest, status: string) {
  return {
    action: 'notification.send',
    subjectType: 'notification',
    subjectId: req.id,
    detail: { channel: req.channel, reason: req.reason, stepId: req.stepId, audience: req.audience, recipients: req.recipients.length, drill: req.drill, status },
  };
}

/**
 * Activities that send stakeholder notifications through a channel adapter and keep the
 * `notifications` table and the timeline in step.
 *
 * Idempotency: the row for `req.id` is locked while the adapter delivers, so a retry (or a second
 * execution after a timeout) waits and then finds the outcome instead of sending again. Once a row
 * is `delivered` or `unavailable` nothing is ever sent for that id again. The one remaining gap is
 * a delivery whose outcome could not be written (the database went away mid-activity): the retry
 * sends again, so receivers of the generic format get the id (payload and `Idempotency-Key`) to
 * drop duplicates.
 */
export function createNotifyActivities(ds: DataSource) {
  return {
    async sendNotification(req: NotificationRequest): Promise<NotificationResult> {
      const outcome = await ds.transaction(async (em): Promise<Outcome> => {
        await insertPending(em, req);
        const rows: Row[] = await em.query(`SELECT status, attempts, detail FROM notifications WHERE id = $1 FOR UPDATE`, [req.id]);
        const row = rows[0];
        if (row.status === 'delivered' || row.status === 'unavailable') {
          return { result: { id: req.id, status: row.status, detail: row.detail ?? '', attempts: row.attempts } };
        }
        const attempts = row.attempts + 1;
        const message = drillMarked(req.message, req.drill);
        const n: OutgoingNotification = {
          id: req.id,
          incidentId: req.incidentId,
          stepId: req.stepId,
          reason: req.reason,
          audience: req.audience,
          recipients: req.recipients,
          message,
          drill: req.drill,
          at: req.at,
        };

        const channel = channelFor(req.channel);
        let delivered: { detail: string } | undefined;
        let unavailable: string | undefined;
        if (!channel) {
          unavailable = unavailableReason(req.channel);
        } else {
          try {
            delivered = await channel.deliver(n, req.channelConfig ?? {});
          } catch (err) {
            if (err instanceof ChannelUnavailableError) {
              unavailable = err.message;
            } else {
              // Keep the attempt and why it failed; the row stays pending and Temporal retries.
              await em.query(`UPDATE notifications SET attempts = $2, detail = $3 WHERE id = $1`, [req.id, attempts, errorText(err)]);
              return { error: err instanceof Error ? err : new Error(errorText(err)) };
            }
          }
        }

        const at = new Date(req.at);
        if (delivered) {
          const deliveredAt = new Date();
          await em.query(`UPDATE notifications SET status = 'delivered', attempts = $2, detail = $3, delivered_at = $4 WHERE id = $1`, [
            req.id,
            attempts,
            delivered.detail,
            deliveredAt,
          ]);
          const who = req.recipients.length === 1 ? '1 recipient' : `${req.recipients.length} recipients`;
          await recordEvent(
            em,
            {
              key: req.id,
              incidentId: req.incidentId,
              at,
              kind: 'notification.delivered',
              actor: 'yingji',
              message: `Notified ${req.audience.length ? req.audience.join(', ') : 'no audience'} via ${req.channel} (${who})`,
              data: { notificationId: req.id, channel: req.channel, reason: req.reason, stepId: req.stepId, audience: req.audience, recipients: req.recipients.map((r) => r.person), drill: req.drill, attempts, deliveredAt: deliveredAt.toISOString(), detail: delivered.detail },
            },
            auditOf(req, 'delivered'),
          );
          return { result: { id: req.id, status: 'delivered', detail: delivered.detail, attempts } };
        }

        const detail = unavailable ?? 'not sent';
        await em.query(`UPDATE notifications SET status = 'unavailable', attempts = $2, detail = $3 WHERE id = $1`, [req.id, attempts, detail]);
        await recordEvent(
          em,
          {
            key: req.id,
            incidentId: req.incidentId,
            at,
            kind: 'notification.unavailable',
            actor: 'yingji',
            message: `${req.channel} notification not sent: ${detail}`,
            data: { notificationId: req.id, channel: req.channel, reason: req.reason, stepId: req.stepId, audience: req.audience, drill: req.drill, detail },
          },
          auditOf(req, 'unavailable'),
        );
        return { result: { id: req.id, status: 'unavailable', detail, attempts } };
      });
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    },

    /**
     * The workflow gave up (retries exhausted): the row becomes `failed` with the last error, and
     * the timeline says so once. A row already delivered or unavailable is left as it is.
     */
    async recordNotificationFailed(req: NotificationRequest, error: string): Promise<void> {
      await ds.transaction(async (em) => {
        await insertPending(em, req);
        const rows: Row[] = await em.query(`SELECT status, attempts, detail FROM notifications WHERE id = $1 FOR UPDATE`, [req.id]);
        const row = rows[0];
        if (row.status === 'delivered' || row.status === 'unavailable') return;
        const detail = error || row.detail || 'delivery failed';
        await em.query(`UPDATE notifications SET status = 'failed', detail = $2 WHERE id = $1`, [req.id, detail]);
        await recordEvent(
          em,
          {
            key: `${req.id}:failed`,
            incidentId: req.incidentId,
            at: new Date(req.at),
            kind: 'notification.failed',
            actor: 'yingji',
            message: `${req.channel} notification to ${req.audience.length ? req.audience.join(', ') : 'no audience'} failed after ${row.attempts} attempt${row.attempts === 1 ? '' : 's'}: ${detail}`,
            data: { notificationId: req.id, channel: req.channel, reason: req.reason, stepId: req.stepId, audience: req.audience, drill: req.drill, attempts: row.attempts, detail },
          },
          auditOf(req, 'failed'),
        );
      });
    },
  };
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
