import type { DataSource, EntityManager } from 'typeorm';
import { webhookEgressFrom, WebhookEgress, YingjiConfig } from '../../apps/shared/config';
import { appendAudit } from '../records/audit-log';
import { recordEvent } from '../records/timeline';
import { ChannelUnavailableError, channelFor, NotificationChannel, OutgoingNotification, unavailableReason } from './channel';
import { RefusedDestinationError, withDeploymentWebhook } from './egress';

/** The mark every drill notification starts with (drills-and-scoring.md). */
export const DRILL_MARK = '【演练 DRILL】 ';

export interface NotificationRequest {
  /** Idempotency key chosen by the workflow: one notification row, one delivery. */
  id: string;
  /** The incident it is about; none for a deployment alert (see `DeploymentAlert`). */
  incidentId?: string;
  /** What a notification without an incident is about, e.g. `recovery-test:<id>`. */
  subject?: string;
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

/**
 * A notice about the deployment itself, not about an incident (a failed recovery test): sent to the
 * deployment's webhook (`YINGJI_WEBHOOK_URL`), recorded in `notifications` with no incident.
 */
export interface DeploymentAlert {
  /** Idempotency key, derived from what it is about (e.g. `<recovery test id>:alert`). */
  id: string;
  /** What it is about, e.g. `recovery-test:<id>`. */
  subject: string;
  /** e.g. `recovery-test.failed`. */
  reason: string;
  message: string;
  /** ISO time, workflow time. */
  at: string;
}

/** Why a deployment alert is not sent when no deployment webhook is configured. */
export const NO_DEPLOYMENT_WEBHOOK = 'no YINGJI_WEBHOOK_URL';

export interface NotificationResult {
  id: string;
  /** `refused`: the destination is not allowed (egress.ts); like `unavailable`, never retried. */
  status: 'delivered' | 'unavailable' | 'refused';
  detail: string;
  attempts: number;
}

interface Row {
  status: string;
  attempts: number;
  detail: string | null;
}

type Outcome = { result: NotificationResult } | { error: Error };

/** Once a row has one of these, nothing is sent for its id again. */
const SETTLED = ['delivered', 'unavailable', 'refused'];

/** Where one notification goes: an adapter and its settings, or why it cannot be sent. */
type Route = { channel: NotificationChannel; config: Record<string, unknown> } | { unavailable: string };

export function drillMarked(message: string, drill: boolean): string {
  return drill && !message.startsWith(DRILL_MARK) ? `${DRILL_MARK}${message}` : message;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function insertPending(em: EntityManager, req: NotificationRequest): Promise<void> {
  await em.query(
    `INSERT INTO notifications (id, incident_id, subject, step_id, reason, channel, audience, recipients, message, drill, status, attempts, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', 0, $11)
     ON CONFLICT (id) DO NOTHING`,
    [
      req.id,
      req.incidentId ?? null,
      req.subject ?? null,
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
    detail: { channel: req.channel, reason: req.reason, subject: req.subject, stepId: req.stepId, audience: req.audience, recipients: req.recipients.length, drill: req.drill, status },
  };
}

/**
 * The timeline event (and its audit entry) for an incident's notification; a notification without
 * an incident has no timeline, so only the audit entry is written, under the same key.
 */
async function recordOutcome(
  em: EntityManager,
  req: NotificationRequest,
  e: { key: string; kind: string; message: string; data: Record<string, unknown> },
  status: string,
): Promise<void> {
  const at = new Date(req.at);
  const audit = auditOf(req, status);
  if (req.incidentId) {
    await recordEvent(em, { ...e, incidentId: req.incidentId, at, actor: 'yingji' }, audit);
    return;
  }
  await appendAudit(em, { key: e.key, at, actor: 'yingji', ...audit, outcome: 'ok', detail: { ...audit.detail, message: e.message } });
}

function alertRequest(a: DeploymentAlert): NotificationRequest {
  return { id: a.id, subject: a.subject, reason: a.reason, channel: 'webhook', channelConfig: {}, audience: [], recipients: [], message: a.message, drill: false, at: a.at };
}

/**
 * Activities that send stakeholder notifications through a channel adapter and keep the
 * `notifications` table and the timeline in step. `opts.webhook` is the deployment's own webhook
 * (`YINGJI_WEBHOOK_URL`): the plain `webhook` channel falls back to it when the plan gives no url,
 * and a notification without an incident (a deployment alert) goes only there; its host:port is
 * allowed as a destination. `opts.egress` is where else webhooks may go (YINGJI_WEBHOOK_ALLOW_HOSTS;
 * default: read from the environment); a destination it does not allow is recorded `refused`.
 *
 * Idempotency: the row for `req.id` is locked while the adapter delivers, so a retry (or a second
 * execution after a timeout) waits and then finds the outcome instead of sending again. Once a row
 * is `delivered`, `unavailable` or `refused` nothing is ever sent for that id again. The one
 * remaining gap is a delivery whose outcome could not be written (the database went away
 * mid-activity): the retry sends again, so receivers of the generic format get the id (payload and
 * `Idempotency-Key`) to drop duplicates.
 */
export function createNotifyActivities(ds: DataSource, opts: { webhook?: YingjiConfig['webhook']; egress?: WebhookEgress } = {}) {
  const egress = withDeploymentWebhook(opts.egress ?? webhookEgressFrom(process.env), opts.webhook?.url);
  function routeFor(req: NotificationRequest): Route {
    const webhook = channelFor('webhook');
    if (!req.incidentId) return opts.webhook && webhook ? { channel: webhook, config: { ...opts.webhook } } : { unavailable: NO_DEPLOYMENT_WEBHOOK };
    const channel = channelFor(req.channel);
    if (!channel) return { unavailable: unavailableReason(req.channel) };
    const fallback = req.channel === 'webhook' && !req.channelConfig?.url && opts.webhook;
    return { channel, config: fallback ? { ...opts.webhook } : (req.channelConfig ?? {}) };
  }

  const activities = {
    async sendNotification(req: NotificationRequest): Promise<NotificationResult> {
      const outcome = await ds.transaction(async (em): Promise<Outcome> => {
        await insertPending(em, req);
        const rows: Row[] = await em.query(`SELECT status, attempts, detail FROM notifications WHERE id = $1 FOR UPDATE`, [req.id]);
        const row = rows[0];
        if (SETTLED.includes(row.status)) {
          return { result: { id: req.id, status: row.status as NotificationResult['status'], detail: row.detail ?? '', attempts: row.attempts } };
        }
        const attempts = row.attempts + 1;
        const message = drillMarked(req.message, req.drill);
        const n: OutgoingNotification = {
          id: req.id,
          incidentId: req.incidentId,
          subject: req.subject,
          stepId: req.stepId,
          reason: req.reason,
          audience: req.audience,
          recipients: req.recipients,
          message,
          drill: req.drill,
          at: req.at,
        };

        const route = routeFor(req);
        let delivered: { detail: string } | undefined;
        let unavailable: string | undefined;
        let refused: string | undefined;
        if ('unavailable' in route) {
          unavailable = route.unavailable;
        } else {
          try {
            delivered = await route.channel.deliver(n, route.config, egress);
          } catch (err) {
            if (err instanceof ChannelUnavailableError) {
              unavailable = err.message;
            } else if (err instanceof RefusedDestinationError) {
              refused = `refused: ${err.message}`;
            } else {
              // Keep the attempt and why it failed; the row stays pending and Temporal retries.
              await em.query(`UPDATE notifications SET attempts = $2, detail = $3 WHERE id = $1`, [req.id, attempts, errorText(err)]);
              return { error: err instanceof Error ? err : new Error(errorText(err)) };
            }
          }
        }

        if (delivered) {
          const deliveredAt = new Date();
          await em.query(`UPDATE notifications SET status = 'delivered', attempts = $2, detail = $3, delivered_at = $4 WHERE id = $1`, [
            req.id,
            attempts,
            delivered.detail,
            deliveredAt,
          ]);
          const who = req.recipients.length === 1 ? '1 recipient' : `${req.recipients.length} recipients`;
          await recordOutcome(
            em,
            req,
            {
              key: req.id,
              kind: 'notification.delivered',
              message: `Notified ${req.audience.length ? req.audience.join(', ') : 'no audience'} via ${req.channel} (${who})`,
              data: { notificationId: req.id, channel: req.channel, reason: req.reason, stepId: req.stepId, audience: req.audience, recipients: req.recipients.map((r) => r.person), drill: req.drill, attempts, deliveredAt: deliveredAt.toISOString(), detail: delivered.detail },
            },
            'delivered',
          );
          return { result: { id: req.id, status: 'delivered', detail: delivered.detail, attempts } };
        }

        const status = refused ? 'refused' : 'unavailable';
        const detail = refused ?? unavailable ?? 'not sent';
        await em.query(`UPDATE notifications SET status = $4, attempts = $2, detail = $3 WHERE id = $1`, [req.id, attempts, detail, status]);
        await recordOutcome(
          em,
          req,
          {
            key: req.id,
            kind: `notification.${status}`,
            message: `${req.channel} notification not sent: ${detail}`,
            data: { notificationId: req.id, channel: req.channel, reason: req.reason, stepId: req.stepId, audience: req.audience, drill: req.drill, detail },
          },
          status,
        );
        return { result: { id: req.id, status, detail, attempts } };
      });
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    },

    /**
     * The workflow gave up (retries exhausted): the row becomes `failed` with the last error, and
     * the timeline says so once. A settled row (delivered, unavailable, refused) is left as it is.
     */
    async recordNotificationFailed(req: NotificationRequest, error: string): Promise<void> {
      await ds.transaction(async (em) => {
        await insertPending(em, req);
        const rows: Row[] = await em.query(`SELECT status, attempts, detail FROM notifications WHERE id = $1 FOR UPDATE`, [req.id]);
        const row = rows[0];
        if (SETTLED.includes(row.status)) return;
        const detail = error || row.detail || 'delivery failed';
        await em.query(`UPDATE notifications SET status = 'failed', detail = $2 WHERE id = $1`, [req.id, detail]);
        await recordOutcome(
          em,
          req,
          {
            key: `${req.id}:failed`,
            kind: 'notification.failed',
            message: `${req.channel} notification to ${req.audience.length ? req.audience.join(', ') : 'no audience'} failed after ${row.attempts} attempt${row.attempts === 1 ? '' : 's'}: ${detail}`,
            data: { notificationId: req.id, channel: req.channel, reason: req.reason, stepId: req.stepId, audience: req.audience, drill: req.drill, attempts: row.attempts, detail },
          },
          'failed',
        );
      });
    },

    /** A deployment alert to YINGJI_WEBHOOK_URL; without one it is recorded `unavailable` (NO_DEPLOYMENT_WEBHOOK). */
    async sendDeploymentAlert(alert: DeploymentAlert): Promise<NotificationResult> {
      return activities.sendNotification(alertRequest(alert));
    },

    /** A deployment alert whose delivery kept failing (the workflow's retries are exhausted). */
    async recordDeploymentAlertFailed(alert: DeploymentAlert, error: string): Promise<void> {
      await activities.recordNotificationFailed(alertRequest(alert), error);
    },
  };
  return activities;
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
