import { ApplicationFailure } from '@temporalio/activity';
import type { DataSource, EntityManager } from 'typeorm';
import { rememberAckCode } from '../../apps/api/src/acknowledgements/ack-codes';
import { ackLinkFor, ackSettingsFrom, AckSettings } from '../../apps/shared/ack-settings';
import { webhookEgressFrom, WebhookEgress, YingjiConfig } from '../../apps/shared/config';
import { ACK_LINK_TTL_MS, ackCodeFor, AckClaims, ackLinkId } from '../../domain/acknowledgement/ack-link';
import { keepAlive } from '../heartbeat';
import { appendAudit } from '../records/audit-log';
import { recordEvent } from '../records/timeline';
import { Acknowledgement, ChannelUnavailableError, channelFor, DeliveryTarget, NotificationChannel, OutgoingNotification, PersonalSession, RecipientRefusedError, unavailableReason } from './channel';
import { RefusedDestinationError, withDeploymentWebhook } from './egress';
import { createPgRobotPace } from './robots/pace';
import { pacedRobotChannels } from './webhook';

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
  /** A task notice: the task its people can acknowledge from the message (a link by email, a reply code by SMS). */
  taskId?: string;
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
  /** Person channels: the people whose copy was sent. */
  reached?: string[];
  /** Person channels: the people whose copy was refused or who have no address on the channel. */
  unreached?: string[];
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
    `INSERT INTO notifications (id, incident_id, subject, step_id, reason, channel, audience, recipients, message, drill, status, attempts, created_at, task_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', 0, $11, $12)
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
      req.taskId ?? null,
    ],
  );
}

/** The message as an adapter receives it. */
function outgoing(req: NotificationRequest): OutgoingNotification {
  return {
    id: req.id,
    incidentId: req.incidentId,
    subject: req.subject,
    stepId: req.stepId,
    reason: req.reason,
    audience: req.audience,
    recipients: req.recipients,
    message: drillMarked(req.message, req.drill),
    drill: req.drill,
    at: req.at,
  };
}

interface DeliveryRow {
  recipient: string;
  person: string | null;
  status: string;
  detail: string | null;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** "2 people and the plan's address for commander, 1 not reached": who the sent copies went to. */
function copiesText(sent: DeliveryRow[], unreached: number): string {
  const persons = sent.filter((r) => r.person).length;
  const roles = [...new Set(sent.filter((r) => !r.person).map((r) => r.recipient.split(':')[1]))];
  const parts = [persons ? (persons === 1 ? '1 person' : `${persons} people`) : '', roles.length ? `the plan's address for ${roles.join(', ')}` : ''].filter(Boolean);
  return `${parts.join(' and ')}${unreached ? `, ${unreached} not reached` : ''}`;
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

/** YINGJI_ALERT_EMAIL: the operators' addresses, comma-separated. */
const alertEmails = () => (process.env.YINGJI_ALERT_EMAIL ?? '').split(',').map((a) => a.trim()).filter(Boolean);

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
  // Every worker keeps each robot within its 20 a minute, through PostgreSQL (robot_sends).
  const chats = pacedRobotChannels(createPgRobotPace(ds));
  function routeFor(req: NotificationRequest): Route {
    const webhook = chats('webhook');
    if (!req.incidentId && req.channel === 'email') return { channel: channelFor('email')!, config: req.channelConfig };
    if (!req.incidentId) return opts.webhook && webhook ? { channel: webhook, config: { ...opts.webhook } } : { unavailable: NO_DEPLOYMENT_WEBHOOK };
    const channel = chats(req.channel) ?? channelFor(req.channel);
    if (!channel) return { unavailable: unavailableReason(req.channel) };
    const fallback = req.channel === 'webhook' && !req.channelConfig?.url && opts.webhook;
    return { channel, config: fallback ? { ...opts.webhook } : (req.channelConfig ?? {}) };
  }

  /** Links need YINGJI_ACK_SECRET; without it a task notice says to acknowledge in the console. */
  function acknowledgementFor(req: NotificationRequest, t: DeliveryTarget, settings: AckSettings | undefined): { claims: AckClaims; ack: Acknowledgement } | undefined {
    if (!req.taskId || !req.incidentId || !t.person || !settings) return undefined;
    const claims: AckClaims = {
      id: ackLinkId(req.id, t.person),
      incidentId: req.incidentId,
      taskId: req.taskId,
      person: t.person,
      expiresAt: new Date(new Date(req.at).getTime() + ACK_LINK_TTL_MS).toISOString(),
    };
    return { claims, ack: { url: ackLinkFor(claims, settings), code: ackCodeFor(claims, settings.secret) } };
  }

  /** The copy's record, made pending (or `unavailable`) the first time; an earlier attempt's as it is (one round trip). */
  async function delivery(db: EntityManager, req: NotificationRequest, t: { key: string; person?: string; address?: string }, status: 'pending' | 'unavailable', detail?: string): Promise<DeliveryRow> {
    const rows: DeliveryRow[] = await db.query(
      `INSERT INTO deliveries (notification_id, recipient, person, channel, address, status, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (notification_id, recipient) DO UPDATE SET recipient = deliveries.recipient
       RETURNING recipient, person, status, detail`,
      [req.id, t.key, t.person ?? null, req.channel, t.address ?? null, status, detail ?? null],
    );
    return rows[0];
  }

  /** Each copy's outcome is committed as soon as it is known, outside the notice's lock. */
  async function settleCopy(db: EntityManager, req: NotificationRequest, key: string, status: string, detail: string, ackLinkId?: string): Promise<void> {
    await db.query(
      `UPDATE deliveries SET status = $3, attempts = attempts + 1, detail = $4, ack_link_id = coalesce($5, ack_link_id), updated_at = now(),
              sent_at = CASE WHEN $3 = 'sent' THEN now() ELSE sent_at END
        WHERE notification_id = $1 AND recipient = $2`,
      [req.id, key, status, detail, ackLinkId ?? null],
    );
  }

  async function copies(db: EntityManager, id: string): Promise<DeliveryRow[]> {
    return db.query(`SELECT recipient, person, status, detail FROM deliveries WHERE notification_id = $1 ORDER BY sent_at NULLS LAST, updated_at, recipient`, [id]);
  }

  const people = (rows: DeliveryRow[], want: (s: string) => boolean) => [...new Set(rows.filter((r) => r.person && want(r.status)).map((r) => r.person!))];

  /**
   * A person channel (email, SMS): one copy per person, each recorded in `deliveries` the moment it
   * is sent. The notice is held by a session advisory lock on one connection while its copies go
   * out (a lock that dies with the worker's connection): a second execution waits, then skips every
   * copy already sent. What remains possible: a copy the server accepted just before the worker
   * died, whose record was not yet written, is sent again by the retry.
   */
  async function sendEach(req: NotificationRequest, channel: NotificationChannel, config: Record<string, unknown>): Promise<NotificationResult> {
    const qr = ds.createQueryRunner();
    await qr.connect();
    const db = qr.manager;
    await db.query(`SELECT pg_advisory_lock(hashtextextended($1, 7))`, [req.id]);
    try {
      await insertPending(db, req);
      const row: Row = (await db.query(`SELECT status, attempts, detail FROM notifications WHERE id = $1`, [req.id]))[0];
      const attempts = row.attempts + 1;
      if (SETTLED.includes(row.status)) {
        const rows = await copies(db, req.id);
        return { id: req.id, status: row.status as NotificationResult['status'], detail: row.detail ?? '', attempts: row.attempts, reached: people(rows, (s) => s === 'sent'), unreached: people(rows, (s) => s !== 'sent') };
      }
      let session: PersonalSession;
      try {
        session = channel.open!(outgoing(req), config);
      } catch (err) {
        if (!(err instanceof ChannelUnavailableError)) throw err;
        return await inTransaction(qr, () => settle(db, req, { status: 'unavailable', detail: err.message, attempts, reached: [], unreached: [] }));
      }
      let failure: Error | undefined;
      try {
        failure = await sendCopies(db, req, session);
      } finally {
        session.close();
      }
      const rows = await copies(db, req.id);
      const sent = rows.filter((r) => r.status === 'sent');
      const refused = rows.filter((r) => r.status === 'failed');
      if (!failure && sent.length === 0) failure = ApplicationFailure.nonRetryable(`${req.channel}: every copy was refused: ${refused.map((r) => r.detail).join('; ')}`, 'RecipientsRefused');
      if (failure) {
        // The attempt and why it failed are kept; the copies already sent stay sent for the retry.
        await db.query(`UPDATE notifications SET attempts = $2, detail = $3 WHERE id = $1`, [req.id, attempts, errorText(failure)]);
        throw failure;
      }
      const without = rows.filter((r) => r.status === 'unavailable');
      const notes = [refused.length ? `refused ${refused.map((r) => r.detail).join('; ')}` : '', without.length ? `not sent to ${without.map((r) => `${r.person} (${r.detail})`).join(', ')}` : ''].filter(Boolean);
      const detail = `accepted for ${sent.map((r) => r.detail).join(', ')}${notes.length ? `; ${notes.join('; ')}` : ''}`;
      return await inTransaction(qr, () => settle(db, req, { status: 'delivered', detail, attempts, reached: people(rows, (s) => s === 'sent'), unreached: people(rows, (s) => s !== 'sent'), copies: sent }));
    } finally {
      await db.query(`SELECT pg_advisory_unlock(hashtextextended($1, 7))`, [req.id]).catch(() => undefined);
      await qr.release();
    }
  }

  async function inTransaction<T>(qr: ReturnType<DataSource['createQueryRunner']>, work: () => Promise<T>): Promise<T> {
    await qr.startTransaction();
    try {
      const out = await work();
      await qr.commitTransaction();
      return out;
    } catch (err) {
      await qr.rollbackTransaction();
      throw err;
    }
  }

  /** Sends every copy not yet sent; a failure about the whole notice stops here and is returned. */
  async function sendCopies(db: EntityManager, req: NotificationRequest, session: PersonalSession): Promise<Error | undefined> {
    for (const m of session.missing) await delivery(db, req, { key: m.person, person: m.person }, 'unavailable', m.why);
    const settings = req.taskId ? ackSettingsFrom(process.env) : undefined;
    for (const t of session.targets) {
      const d = await delivery(db, req, t, 'pending');
      if (d.status !== 'pending') continue; // sent (or refused for good) by an earlier attempt
      const link = acknowledgementFor(req, t, settings);
      if (link && req.channel === 'sms') await rememberAckCode(db, { code: link.ack.code, phone: t.address, claims: link.claims });
      try {
        // Heartbeats while the server answers (a slow SMTP handshake is not a dead worker).
        const r = await keepAlive(() => session.send(t, link?.ack), 3000);
        await settleCopy(db, req, t.key, 'sent', r.detail, link?.claims.id);
      } catch (err) {
        if (err instanceof RecipientRefusedError) {
          await settleCopy(db, req, t.key, 'failed', err.message);
          continue;
        }
        await db.query(`UPDATE deliveries SET attempts = attempts + 1, detail = $3, updated_at = now() WHERE notification_id = $1 AND recipient = $2`, [req.id, t.key, errorText(err)]);
        return err instanceof Error ? err : new Error(errorText(err));
      }
    }
    return undefined;
  }

  /** Writes a notice's final status and its timeline event (and audit entry). */
  async function settle(em: EntityManager, req: NotificationRequest, r: Omit<NotificationResult, 'id'> & { status: 'delivered' | 'unavailable' | 'refused'; copies?: DeliveryRow[] }): Promise<NotificationResult> {
    if (r.status === 'delivered') {
      const deliveredAt = new Date();
      await em.query(`UPDATE notifications SET status = 'delivered', attempts = $2, detail = $3, delivered_at = $4 WHERE id = $1`, [req.id, r.attempts, r.detail, deliveredAt]);
      const who = r.copies ? copiesText(r.copies, r.unreached?.length ?? 0) : plural(req.recipients.length, 'recipient');
      await recordOutcome(
        em,
        req,
        {
          key: req.id,
          kind: 'notification.delivered',
          message: `Notified ${req.audience.length ? req.audience.join(', ') : 'no audience'} via ${req.channel} (${who})`,
          data: { notificationId: req.id, channel: req.channel, reason: req.reason, stepId: req.stepId, audience: req.audience, recipients: r.reached ?? req.recipients.map((x) => x.person), ...(r.unreached?.length ? { unreached: r.unreached } : {}), drill: req.drill, attempts: r.attempts, deliveredAt: deliveredAt.toISOString(), detail: r.detail },
        },
        'delivered',
      );
      return { id: req.id, status: r.status, detail: r.detail, attempts: r.attempts, reached: r.reached, unreached: r.unreached };
    }
    await em.query(`UPDATE notifications SET status = $4, attempts = $2, detail = $3 WHERE id = $1`, [req.id, r.attempts, r.detail, r.status]);
    await recordOutcome(
      em,
      req,
      {
        key: req.id,
        kind: `notification.${r.status}`,
        message: `${req.channel} notification not sent: ${r.detail}`,
        data: { notificationId: req.id, channel: req.channel, reason: req.reason, stepId: req.stepId, audience: req.audience, drill: req.drill, detail: r.detail },
      },
      r.status,
    );
    return { id: req.id, status: r.status, detail: r.detail, attempts: r.attempts, reached: r.reached, unreached: r.unreached };
  }

  /** The alert's email copy, once (its own row); a failure is recorded, and never holds the webhook back. */
  async function alertByEmail(alert: DeploymentAlert): Promise<void> {
    const to = alertEmails();
    if (to.length === 0) return;
    const req: NotificationRequest = { ...alertRequest(alert), id: `${alert.id}:email`, channel: 'email', channelConfig: { to: { operators: to } }, audience: ['operators'] };
    try {
      await activities.sendNotification(req);
    } catch (err) {
      await activities.recordNotificationFailed(req, errorText(err));
    }
  }

  const activities = {
    async sendNotification(req: NotificationRequest): Promise<NotificationResult> {
      const personal = req.incidentId ? channelFor(req.channel) : undefined;
      if (personal?.open) return sendEach(req, personal, req.channelConfig ?? {});
      const outcome = await ds.transaction(async (em): Promise<Outcome> => {
        await insertPending(em, req);
        const rows: Row[] = await em.query(`SELECT status, attempts, detail FROM notifications WHERE id = $1 FOR UPDATE`, [req.id]);
        const row = rows[0];
        if (SETTLED.includes(row.status)) {
          return { result: { id: req.id, status: row.status as NotificationResult['status'], detail: row.detail ?? '', attempts: row.attempts } };
        }
        const attempts = row.attempts + 1;
        const route = routeFor(req);
        if ('unavailable' in route) return { result: await settle(em, req, { status: 'unavailable', detail: route.unavailable, attempts }) };
        let delivered: { detail: string };
        try {
          delivered = await route.channel.deliver(outgoing(req), route.config, egress);
        } catch (err) {
          if (err instanceof ChannelUnavailableError) return { result: await settle(em, req, { status: 'unavailable', detail: err.message, attempts }) };
          if (err instanceof RefusedDestinationError) return { result: await settle(em, req, { status: 'refused', detail: `refused: ${err.message}`, attempts }) };
          // Keep the attempt and why it failed; the row stays pending and Temporal retries.
          await em.query(`UPDATE notifications SET attempts = $2, detail = $3 WHERE id = $1`, [req.id, attempts, errorText(err)]);
          return { error: err instanceof Error ? err : new Error(errorText(err)) };
        }
        return { result: await settle(em, req, { status: 'delivered', detail: delivered.detail, attempts }) };
      });
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    },

    /**
     * The workflow gave up (retries exhausted): the row becomes `failed` with the last error, and
     * the timeline says so once. A settled row (delivered, unavailable, refused) is left as it is.
     */
    async recordNotificationFailed(req: NotificationRequest, error: string): Promise<{ reached: string[] }> {
      return ds.transaction(async (em) => {
        await insertPending(em, req);
        const rows: Row[] = await em.query(`SELECT status, attempts, detail FROM notifications WHERE id = $1 FOR UPDATE`, [req.id]);
        const row = rows[0];
        const sent: Array<{ person: string }> = await em.query(`SELECT DISTINCT person FROM deliveries WHERE notification_id = $1 AND status = 'sent' AND person IS NOT NULL`, [req.id]);
        const reached = sent.map((r) => r.person);
        if (SETTLED.includes(row.status)) return { reached };
        const detail = error || row.detail || 'delivery failed';
        await em.query(`UPDATE notifications SET status = 'failed', detail = $2 WHERE id = $1`, [req.id, detail]);
        // Copies not sent carry the same reason: each person's record says why they got nothing.
        await em.query(`UPDATE deliveries SET status = 'failed', detail = coalesce(detail, $2), updated_at = now() WHERE notification_id = $1 AND status = 'pending'`, [req.id, detail]);
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
        return { reached };
      });
    },

    /**
     * A deployment alert to YINGJI_WEBHOOK_URL (without one it is recorded `unavailable`,
     * NO_DEPLOYMENT_WEBHOOK), and by email to the operators in YINGJI_ALERT_EMAIL when set.
     */
    async sendDeploymentAlert(alert: DeploymentAlert): Promise<NotificationResult> {
      await alertByEmail(alert);
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
