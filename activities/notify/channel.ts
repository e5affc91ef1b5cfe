// The notification port: one adapter per channel (Dispatch-style plugins). The activity resolves a
// channel by name and records what happened; an adapter only delivers, or says why it cannot.
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
}

/**
 * Where a notice goes on a channel: each recipient's directory address, then the plan's role
 * addresses (`notify.channels.<channel>.to`) for the notice's audience, each once. `read` gives an
 * address in the channel's form, or undefined when it is not one; `key` says when two are the same.
 * `missing`: recipients without a usable address; `unusable`: role addresses `read` refused.
 */
export function destinations(
  n: Pick<OutgoingNotification, 'recipients' | 'audience'>,
  config: Record<string, unknown>,
  read: (raw: string) => string | undefined,
  key: (address: string) => string = (a) => a,
): { to: string[]; missing: string[]; unusable: Array<{ role: string; address: string }> } {
  const seen = new Map<string, string>();
  const add = (raw: string): boolean => {
    const a = read(raw.trim());
    if (a !== undefined && !seen.has(key(a))) seen.set(key(a), a);
    return a !== undefined;
  };
  const missing: string[] = [];
  for (const r of n.recipients) if (!(r.address && add(r.address))) missing.push(r.person);
  const unusable: Array<{ role: string; address: string }> = [];
  const roles = config.to && typeof config.to === 'object' ? (config.to as Record<string, unknown>) : {};
  for (const role of n.audience) {
    const v = roles[role];
    for (const a of Array.isArray(v) ? v : [v]) if (typeof a === 'string' && !add(a)) unusable.push({ role, address: a });
  }
  return { to: [...seen.values()], missing, unusable };
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
