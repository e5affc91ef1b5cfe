// Messages out: a step's notice, stage notices, task notices and escalations, on every channel the
// plan names, with a person a channel could not reach tried on their next channel.
import { reasonOf } from '../failures';
import type { TaskView } from '../definitions';
import { records } from './activities';
import type { PlanContext } from './context';

// Channels that post to a chat robot rather than a person.
const ROBOT_CHANNELS = ['webhook', 'wecom', 'dingtalk', 'feishu', 'slack'];
/** Channels that reach one person at their own address, in the order a person is tried when one fails them (phone has no adapter yet). */
export const PERSON_CHANNELS = ['email', 'sms'];

/** A person's address on a channel from the directory (SMS goes to a mobile listed under `sms` or `phone`). */
const addressOn = (contacts: Record<string, string | undefined>, channel: string) => (channel === 'sms' ? (contacts.sms ?? contacts.phone) : contacts[channel]);

/**
 * Sends one message on each channel; a delivery that keeps failing is recorded, not hidden. A
 * person a working person-channel could not reach (refused, failed, no address) is tried on their
 * next channel from the directory. `unreachable`: people with no address at all on the person
 * channels (their role has none in the plan either), for the notify step to say so loudly.
 */
export async function notify(
  ctx: PlanContext,
  reason: string,
  audience: string[],
  channels: string[],
  message: string,
  stepId?: string,
  taskId?: string,
): Promise<{ outcomes: string[]; unreachable: string[] }> {
  const { plan, incidentId, run } = ctx;
  const recipients = audience.flatMap((role) =>
    (run.partyOf(role, stepId)?.people ?? []).map((p) => ({ role, person: p.id, name: p.name, contacts: p.contacts as Record<string, string | undefined> })),
  );
  const outcomes: string[] = [];
  const reached = new Set<string>();
  const retry = new Set<string>(); // people a working channel did not reach
  const request = (channel: string, who: typeof recipients, id: string) => ({
    id,
    incidentId,
    stepId,
    ...(taskId ? { taskId } : {}),
    reason,
    channel,
    channelConfig: (plan.notify?.channels?.[channel] ?? {}) as Record<string, unknown>,
    audience,
    recipients: who.map((r) => ({ person: r.person, name: r.name, address: addressOn(r.contacts, channel) })),
    message,
    drill: ctx.drill,
    at: ctx.iso(),
  });
  const heard = (channel: string, r: { status: string; reached?: string[]; unreached?: string[] }) => {
    outcomes.push(`${channel} ${r.status}`);
    for (const p of r.reached ?? []) reached.add(p);
    for (const p of r.unreached ?? []) retry.add(p);
  };
  for (const channel of channels) {
    const req = request(channel, recipients, `${incidentId}:notify:${reason}:${channel}`);
    try {
      heard(channel, await (ROBOT_CHANNELS.includes(channel) ? ctx.acts.robots : ctx.acts.messaging).sendNotification(req));
    } catch (err) {
      const failed = await records.recordNotificationFailed(req, reasonOf(err));
      heard(channel, { status: 'failed', reached: failed?.reached, unreached: req.recipients.map((r) => r.person) });
    }
  }
  const personal = channels.filter((c) => PERSON_CHANNELS.includes(c));
  if (personal.length === 0) return { outcomes, unreachable: [] };
  const once = [...new Map(recipients.map((r) => [r.person, r])).values()];
  for (const channel of PERSON_CHANNELS.filter((c) => !channels.includes(c))) {
    const who = once.filter((r) => retry.has(r.person) && !reached.has(r.person) && addressOn(r.contacts, channel));
    if (who.length === 0) continue;
    const req = request(channel, who, `${incidentId}:notify:${reason}:fallback:${channel}`);
    try {
      heard(`${channel} (fallback)`, await ctx.acts.messaging.sendNotification(req));
    } catch (err) {
      await records.recordNotificationFailed(req, reasonOf(err));
      outcomes.push(`${channel} (fallback) failed`);
    }
  }
  /** The plan's own address for a role on a channel (`notify.channels.<channel>.to.<role>`). */
  const roleAddress = (channel: string, role: string) => Boolean((plan.notify?.channels?.[channel] as { to?: Record<string, unknown> } | undefined)?.to?.[role]);
  const contactless = once.filter((r) => PERSON_CHANNELS.every((c) => !addressOn(r.contacts, c)) && personal.every((c) => !roleAddress(c, r.role)));
  return { outcomes, unreachable: contactless.map((r) => `${r.name ?? r.person} (${r.role})`) };
}

/**
 * Stage notices, escalations and a drill's start notice go out beside the plan, not in its way: a
 * slow or dead channel holds no stage. The incident waits for them only before it closes.
 */
export function aside(ctx: PlanContext, send: () => Promise<unknown>): void {
  // notify() records a failed delivery itself; a notice whose very record fails is dropped, never the plan.
  ctx.notices.push(send().catch(() => undefined));
}

/** Stage notices go to the commander on the plan's channels and the deployment's webhook. */
export const stageChannels = (ctx: PlanContext) => [...new Set([...Object.keys(ctx.plan.notify?.channels ?? {}), 'webhook'])];

/** Tells the commander a stage was reached, if the plan asks for it (`notify.onStages`). */
export function announce(ctx: PlanContext, stage: string, text: string): void {
  if (!(ctx.plan.notify?.onStages ?? []).includes(stage)) return;
  aside(ctx, () => notify(ctx, `stage:${stage}`, ['commander'], stageChannels(ctx), text));
}

/** A task's owners hear of it on the plan's person channels (email, SMS), with a link to acknowledge it. */
export function tellOwners(ctx: PlanContext, task: TaskView, ownerRole: string): void {
  const channels = Object.keys(ctx.plan.notify?.channels ?? {}).filter((c) => PERSON_CHANNELS.includes(c));
  if (channels.length === 0) return;
  const due = task.deadlineAt ? `，请于 ${task.deadlineAt} 前完成 due ${task.deadlineAt}` : '';
  const text = `任务分派 Task for team ${task.team}: "${task.title}" (incident ${ctx.incidentId}, level ${ctx.run.level})${due}`;
  aside(ctx, () => notify(ctx, `task:${task.stepId}`, [ownerRole], channels, text, task.stepId, task.id));
}
