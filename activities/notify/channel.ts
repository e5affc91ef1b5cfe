// The notification port: one adapter per channel (Dispatch-style plugins). The activity resolves a
// channel by name and records what happened; an adapter only delivers, or says why it cannot.
import { ApplicationFailure } from '@temporalio/activity';
import type { WebhookEgress } from '../../apps/shared/config';
import { createEmailChannel } from './email';
import { createSmsChannel } from './sms';
import { createWebhookChannel } from './webhook';

/** One message as an adapter receives it: the message already carries the drill mark. */
export interface OutgoingNotification {
  /** Idempotency key (the same across activity retries); receivers may use it to drop duplicates. */
  id: string;
  /** None for a deployment alert; then `subject` says what it is about. */
  incidentId?: string;
  subject?: string;
  stepId?: string;
  reason: string;
  /** Role names. */
  audience: string[];
  recipients: Array<{ person: string; name?: string; address?: string }>;
  message: string;
  drill: boolean;
  /** ISO time the workflow decided to notify. */
  at: string;
}

/** One person's (or one role address's) copy of a notice on a person channel. */
export interface DeliveryTarget {
  /** The person, or `role:<role>:<address>` for a plan's role address: the delivery record's key. */
  key: string;
  person?: string;
  address: string;
}

/** What a person's copy of a task notice carries so they can acknowledge it from the message. */
export interface Acknowledgement {
  /** The signed, single-use page (email). */
  url: string;
  /** The code to reply with (SMS). */
  code: string;
}

/** A person channel opened for one notice: who it goes to, and one send per copy. */
export interface PersonalSession {
  /** The server, for details and errors (e.g. `SMTP mail.example.com:587`, `SMS gateway dysmsapi.aliyuncs.com`). */
  where: string;
  targets: DeliveryTarget[];
  /** Recipients without a usable address on this channel, with why. */
  missing: Array<{ person: string; why: string }>;
  /**
   * Sends one copy. Throws `RecipientRefusedError` when the server refused this address for good
   * (the others still get theirs), a non-retryable ApplicationFailure when the channel refused the
   * notice as a whole (a rejected login, a wrong key), any other Error for a failure worth a retry.
   */
  send(target: DeliveryTarget, ack?: Acknowledgement): Promise<{ detail: string }>;
  close(): void;
}

/** This one address was refused for good (a mailbox that does not exist, a number that is not valid). */
export class RecipientRefusedError extends Error {
  override readonly name = 'RecipientRefusedError';
}

export interface NotificationChannel {
  name: string;
  /**
   * Delivers once, or throws: a `ChannelUnavailableError` when the channel cannot deliver at all
   * (not built, not configured: retrying cannot help), a `RefusedDestinationError` (egress.ts) when
   * the destination is not allowed, any other Error for a failure worth a retry. Returned and thrown
   * texts never contain secrets (keys in URLs, tokens) nor what the far side answered beyond its status.
   * `egress` says where it may send (default: public hosts only).
   */
  deliver(n: OutgoingNotification, config: Record<string, unknown>, egress?: WebhookEgress): Promise<{ detail: string }>;
  /**
   * Person channels (email, SMS) only: opens the channel for one notice, so each copy is sent and
   * recorded on its own. Throws `ChannelUnavailableError` when the channel cannot send at all.
   */
  open?(n: OutgoingNotification, config: Record<string, unknown>): PersonalSession;
}

/**
 * `deliver` for a person channel: every copy in turn, without per-copy records (tests, and callers
 * that do not keep delivery records). A refused address is noted, the others still get theirs.
 * `words`: what a copy goes to (`recipient`, `number`) and what a person without one lacks.
 */
export async function deliverEach(session: PersonalSession, words: { copy: string; lacking: string }): Promise<{ detail: string }> {
  try {
    const accepted: string[] = [];
    const refused: string[] = [];
    for (const t of session.targets) {
      try {
        accepted.push((await session.send(t)).detail);
      } catch (err) {
        if (!(err instanceof RecipientRefusedError)) throw err;
        refused.push(err.message);
      }
    }
    if (accepted.length === 0 && refused.length > 0) throw ApplicationFailure.nonRetryable(`${session.where} refused every ${words.copy}: ${refused.join('; ')}`, 'RecipientsRefused');
    const missing = session.missing.map((m) => m.person);
    const notes = [refused.length ? `refused ${refused.join('; ')}` : '', missing.length ? `no ${words.lacking} for ${missing.join(', ')}` : ''].filter(Boolean);
    return { detail: `accepted by ${session.where} for ${accepted.join(', ')}${notes.length ? `; ${notes.join('; ')}` : ''}` };
  } finally {
    session.close();
  }
}

/**
 * Where a notice goes on a channel: each recipient's directory address, then the plan's role
 * addresses (`notify.channels.<channel>.to`) for the notice's audience, each address once. `read`
 * gives an address in the channel's form, or undefined when it is not one; `key` says when two are
 * the same. `missing`: recipients without a usable address; `unusable`: role addresses `read` refused.
 */
export function destinations(
  n: Pick<OutgoingNotification, 'recipients' | 'audience'>,
  config: Record<string, unknown>,
  read: (raw: string) => string | undefined,
  key: (address: string) => string = (a) => a,
): { to: string[]; targets: DeliveryTarget[]; missing: string[]; unusable: Array<{ role: string; address: string }> } {
  const seen = new Map<string, DeliveryTarget>();
  const add = (raw: string, who: { person: string } | { role: string }): boolean => {
    const a = read(raw.trim());
    if (a !== undefined && !seen.has(key(a))) seen.set(key(a), 'person' in who ? { key: who.person, person: who.person, address: a } : { key: `role:${who.role}:${a}`, address: a });
    return a !== undefined;
  };
  const missing: string[] = [];
  for (const r of n.recipients) if (!(r.address && add(r.address, { person: r.person }))) missing.push(r.person);
  const unusable: Array<{ role: string; address: string }> = [];
  const roles = config.to && typeof config.to === 'object' ? (config.to as Record<string, unknown>) : {};
  for (const role of n.audience) {
    const v = roles[role];
    for (const a of Array.isArray(v) ? v : [v]) if (typeof a === 'string' && !add(a, { role })) unusable.push({ role, address: a });
  }
  const targets = [...seen.values()];
  return { to: targets.map((t) => t.address), targets, missing, unusable };
}

/** The channel cannot send this notification; recorded as `unavailable`, never retried. */
export class ChannelUnavailableError extends Error {
  override readonly name = 'ChannelUnavailableError';
}

/** Channels the plan format names that have no adapter yet. */
export const PLANNED_CHANNELS = ['phone'] as const;

// Built on first use: webhook.ts imports this module too, so nothing here runs at load time.
let adapters: Map<string, NotificationChannel> | undefined;

/** The adapter for a channel name, or undefined when there is none (see `unavailableReason`). */
export function channelFor(name: string): NotificationChannel | undefined {
  adapters ??= new Map(
    [
      createWebhookChannel(),
      // Email through YINGJI_SMTP_URL; without it, `unavailable` with that reason.
      createEmailChannel(),
      // Text messages through YINGJI_SMS_URL (Aliyun SendSms); without a key pair, `unavailable` naming what is missing.
      createSmsChannel(),
      // A chat channel named directly (`channels: [wecom]`, `notify.channels.wecom: { url }`) is a
      // webhook in that chat's format.
      createWebhookChannel({ name: 'wecom', format: 'wecom' }),
      createWebhookChannel({ name: 'dingtalk', format: 'dingtalk' }),
      createWebhookChannel({ name: 'feishu', format: 'feishu' }),
      createWebhookChannel({ name: 'slack', format: 'slack' }),
    ].map((c) => [c.name, c]),
  );
  return adapters.get(name);
}

/** Why a channel without an adapter cannot send, in words for the timeline. */
export function unavailableReason(name: string): string {
  return (PLANNED_CHANNELS as readonly string[]).includes(name) ? `channel ${name} is not available yet` : `channel ${name} is unknown`;
}
