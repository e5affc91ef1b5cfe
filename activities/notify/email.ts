// Email adapter: one message per recipient through nodemailer over SMTP (YINGJI_SMTP_URL), so each
// person's copy has its own stable Message-ID and a retried send is recognisable as the same message.
// Who gets it: each recipient's `email` contact from the team directory, plus the plan's role
// addresses (`notify.channels.email.to`) for the audience's roles. Bilingual (中文 first) text + HTML.
import { ApplicationFailure } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { isIP } from 'node:net';
import * as nodemailer from 'nodemailer';
import { SmtpConfig, smtpConfigFrom } from '../../apps/shared/config';
import { isLoopback } from '../../apps/shared/listen';
import { EMAIL_PATTERN } from '../../domain/plan/vocabulary';
import { Acknowledgement, ChannelUnavailableError, deliverEach, DeliveryTarget, destinations, NotificationChannel, OutgoingNotification, RecipientRefusedError } from './channel';
// (A cycle through channel.ts, harmless: the mark is read when a notice is rendered, not at load.)
import { DRILL_MARK } from './notify.activities';

/** One connection attempt and one exchange; Temporal's retries come on top. */
export const SMTP_TIMEOUT_MS = 10_000;
const EMAIL_RE = new RegExp(EMAIL_PATTERN);

export interface EmailChannelOptions {
  /** Fixed settings (tests); default: read from the environment on each delivery. */
  smtp?: SmtpConfig;
}

/** What the notice is, in both languages, from the workflow's `reason`. */
export function noticeKind(reason: string): { zh: string; en: string } {
  const [head, rest] = [reason.split(/[:.]/)[0], reason.split(':')[1]];
  const stages: Record<string, [string, string]> = {
    declared: ['事件宣布', 'Incident declared'],
    classified: ['事件定级', 'Incident classified'],
    reclassified: ['重新定级', 'Incident reclassified'],
    assigned: ['任务分派', 'Tasks assigned'],
    escalated: ['事件升级', 'Incident escalated'],
    restored: ['处置完成', 'Incident restored'],
    closed: ['事件关闭', 'Incident closed'],
    reviewed: ['复盘完成', 'Incident reviewed'],
  };
  if (head === 'stage') {
    const [zh, en] = stages[rest] ?? ['阶段通知', `Stage ${rest}`];
    return { zh, en };
  }
  if (head === 'step') return { zh: '处置通知', en: 'Notice' };
  if (head === 'task') return { zh: '任务分派', en: 'Task assigned' };
  if (head === 'escalation') return { zh: '任务超时升级', en: 'Escalation: task overdue' };
  if (head === 'drill') return { zh: '演练开始', en: 'Drill started' };
  if (head === 'recovery-test') return { zh: '恢复测试失败', en: 'Recovery test failed' };
  return { zh: '通知', en: 'Notice' };
}

/** `<hash-of-notification.hash-of-address@domain>`: the same for every retry of one notice to one person. */
export function messageIdFor(notificationId: string, address: string, domain: string): string {
  const h = (s: string) => createHash('sha256').update(s).digest('hex');
  return `<${h(notificationId).slice(0, 24)}.${h(address.toLowerCase()).slice(0, 12)}@${domain}>`;
}

/** Where the notice goes: directory addresses of the recipients, then the plan's role addresses; each once. */
export function emailAddresses(n: OutgoingNotification, config: Record<string, unknown>): { to: string[]; targets: DeliveryTarget[]; missing: string[] } {
  const { to, targets, missing } = destinations(n, config, (a) => (EMAIL_RE.test(a) ? a : undefined), (a) => a.toLowerCase());
  return { to, targets, missing };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Subject, text and HTML of one notice (the message already carries the drill mark). */
export function renderEmail(n: OutgoingNotification, ack?: Acknowledgement): { subject: string; text: string; html: string } {
  const kind = noticeKind(n.reason);
  const about = n.incidentId ?? n.subject;
  const mark = n.drill ? DRILL_MARK : '';
  const subject = `${mark}[应急 Yingji] ${kind.zh} ${kind.en}${about ? ` · ${about}` : ''}`;
  const facts: Array<[string, string | undefined]> = [
    ['事件 Incident', n.incidentId],
    ['对象 Subject', n.incidentId ? undefined : n.subject],
    ['步骤 Step', n.stepId],
    ['通知对象 Audience', n.audience.join(', ') || undefined],
    ['时间 Time (UTC)', n.at],
  ];
  const shown = facts.filter((f): f is [string, string] => Boolean(f[1]));
  const drillNote = n.drill ? '这是一次演练，不是真实事件。This is a drill, not a real incident.' : undefined;
  const footer = `应急 Yingji 自动发送，请勿直接回复。Sent automatically by Yingji; replies are not read. (${n.id})`;
  const ackText = ack ? `确认收到（单次有效）Acknowledge (single use): ${ack.url}` : undefined;
  const text = [
    `${kind.zh} ${kind.en}`,
    '',
    n.message,
    '',
    ...(ackText ? [ackText, ''] : []),
    ...shown.map(([k, v]) => `${k}: ${v}`),
    ...(drillNote ? ['', drillNote] : []),
    '',
    '-- ',
    footer,
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2>${escapeHtml(kind.zh)} ${escapeHtml(kind.en)}</h2>`,
    `<p style="font-size:1.1em">${escapeHtml(n.message).replace(/\n/g, '<br>')}</p>`,
    ack ? `<p><a href="${escapeHtml(ack.url)}" style="display:inline-block;padding:10px 18px;background:#c62828;color:#fff;text-decoration:none;border-radius:4px">确认收到 Acknowledge</a> <span style="color:#666">（单次有效 single use）</span></p>` : '',
    `<table>${shown.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`,
    drillNote ? `<p><strong>${escapeHtml(drillNote)}</strong></p>` : '',
    `<hr><p style="color:#666;font-size:0.9em">${escapeHtml(footer)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

function transportOptions(smtp: SmtpConfig) {
  const u = new URL(smtp.url);
  const secure = u.protocol === 'smtps:';
  const loopback = isLoopback(u.hostname);
  const user = decodeURIComponent(u.username);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return {
    // One connection for every recipient of a notice (a step to 200 people is not 200 handshakes).
    pool: true as const,
    maxConnections: 1,
    host,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    // A login never crosses the network in clear text: STARTTLS is required then, off loopback.
    requireTLS: !secure && Boolean(user) && !loopback,
    auth: user ? { user, pass: decodeURIComponent(u.password) } : undefined,
    tls: { ...(isIP(host) ? {} : { servername: host }), ...(smtp.caFile ? { ca: fs.readFileSync(smtp.caFile) } : {}) },
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  };
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** One line of what the server said, without anything of ours (the URL with its password never appears). */
const reply = (e: SmtpError) => (e.response ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);

/**
 * A refusal (5xx) or a certificate we do not trust cannot succeed on retry: non-retryable, so the
 * workflow records it `failed` at once. A 4xx or a connection problem is worth a retry.
 */
function failure(e: SmtpError, server: string): Error {
  if (e.responseCode && e.responseCode >= 500) {
    return ApplicationFailure.nonRetryable(`SMTP ${server} refused (${e.code ?? 'SMTP'}): ${reply(e) || e.responseCode}`, 'SmtpRefused');
  }
  if (e.responseCode) return new Error(`SMTP ${server} answered ${reply(e) || e.responseCode} (temporary, retried)`);
  const msg = e.message ?? '';
  if (/certificate|self[- ]signed|CERT_|unable to verify/i.test(msg)) {
    return ApplicationFailure.nonRetryable(`SMTP ${server}: TLS certificate not trusted (${msg.slice(0, 200)}); trust it with YINGJI_SMTP_CA_FILE`, 'SmtpTlsUntrusted');
  }
  return new Error(`SMTP ${server} could not be reached (${e.code ?? 'connection error'}: ${msg.slice(0, 200)})`);
}

export function createEmailChannel(opts: EmailChannelOptions = {}): NotificationChannel {
  const channel: NotificationChannel = {
    name: 'email',
    async deliver(n, config) {
      return deliverEach(channel.open!(n, config), { copy: 'recipient', lacking: 'email address' });
    },
    open(n, config) {
      const smtp = opts.smtp ?? smtpSettings();
      const { targets, missing } = emailAddresses(n, config);
      if (targets.length === 0) {
        const who = missing.length ? `; no email address in the directory for ${missing.join(', ')}` : '';
        throw new ChannelUnavailableError(`no email address to send to (notify.channels.email.to names none of ${n.audience.join(', ') || 'the audience'}${who})`);
      }
      const server = new URL(smtp.url).host;
      const fromAddress = /<([^>]+)>$/.exec(smtp.from)?.[1] ?? smtp.from;
      const domain = fromAddress.split('@')[1] || 'yingji.localhost';
      // One pooled connection for every copy of a notice (a step to 200 people is not 200 handshakes).
      const transport = nodemailer.createTransport(transportOptions(smtp));
      return {
        where: `SMTP ${server}`,
        targets,
        missing: missing.map((person) => ({ person, why: 'no email address in the team directory' })),
        async send(target, ack) {
          const { subject, text, html } = renderEmail(n, ack);
          try {
            await transport.sendMail({
              from: smtp.from,
              to: target.address,
              subject,
              text,
              html,
              messageId: messageIdFor(n.id, target.address, domain),
              date: new Date(n.at),
              headers: { 'X-Yingji-Notification': n.id, ...(n.drill ? { 'X-Yingji-Drill': 'true' } : {}) },
            });
          } catch (err) {
            const e = err as SmtpError;
            // One mailbox refused (RCPT 5xx): the others still get theirs. Anything else is about the whole notice.
            if (e.code === 'EENVELOPE' && e.responseCode && e.responseCode >= 500) throw new RecipientRefusedError(`${target.address} (${reply(e)})`);
            throw failure(e, server);
          }
          return { detail: target.address };
        },
        close: () => transport.close(),
      };
    },
  };
  return channel;
}

/** The deployment's SMTP settings; none (or bad ones) make the channel unavailable, naming why. */
function smtpSettings(): SmtpConfig {
  let smtp: SmtpConfig | undefined;
  try {
    smtp = smtpConfigFrom(process.env);
  } catch (err) {
    throw new ChannelUnavailableError((err as Error).message);
  }
  if (!smtp) throw new ChannelUnavailableError('no SMTP server configured (YINGJI_SMTP_URL)');
  return smtp;
}
