// Webhook adapter: one HTTP POST per notification, in a chat bot's format or a generic JSON shape.
// Chat webhook URLs carry their key (wecom `?key=`, dingtalk `?access_token=`, feishu and slack in
// the path), so details and errors name only the host, and any text from the far side is scrubbed
// of the URL's parts before it is kept.
import { ChannelUnavailableError, NotificationChannel, OutgoingNotification } from './channel';

export const WEBHOOK_FORMATS = ['generic', 'wecom', 'dingtalk', 'feishu', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const WEBHOOK_TIMEOUT_MS = 10_000;
const SNIPPET_CHARS = 200;

export interface WebhookChannelOptions {
  /** Channel name (default `webhook`); `wecom` etc. name a chat channel configured by `{ url }`. */
  name?: string;
  /** Fixed format; otherwise `config.format`, default `generic`. */
  format?: WebhookFormat;
  timeoutMs?: number;
}

/** The JSON body for a format. */
export function webhookPayload(format: WebhookFormat, n: OutgoingNotification): unknown {
  switch (format) {
    case 'wecom':
    case 'dingtalk':
      return { msgtype: 'text', text: { content: n.message } };
    case 'feishu':
      return { msg_type: 'text', content: { text: n.message } };
    case 'slack':
      return { text: n.message };
    case 'generic':
      return {
        id: n.id,
        incidentId: n.incidentId ?? null,
        ...(n.subject ? { subject: n.subject } : {}),
        stepId: n.stepId ?? null,
        reason: n.reason,
        audience: n.audience,
        recipients: n.recipients,
        message: n.message,
        drill: n.drill,
        at: n.at,
      };
  }
}

/** Removes every part of `url` that could be a secret (query values, path segments, user info) from a text. */
export function scrub(text: string, url: URL): string {
  const secrets = new Set<string>([url.href, url.search.slice(1), url.password, url.username]);
  for (const v of url.searchParams.values()) secrets.add(v);
  for (const seg of url.pathname.split('/')) if (seg.length >= 6) secrets.add(seg);
  let out = text;
  for (const s of [...secrets].filter((x) => x.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join('…');
    const enc = encodeURIComponent(s);
    if (enc !== s) out = out.split(enc).join('…');
  }
  return out;
}

function snippet(text: string, url: URL): string {
  const t = scrub(text.replace(/\s+/g, ' ').trim(), url);
  return t.length > SNIPPET_CHARS ? `${t.slice(0, SNIPPET_CHARS)}…` : t;
}

/** A chat bot answers 200 with an error code when it refuses a message (bad key, rate limit, keyword). */
function chatRefusal(format: WebhookFormat, body: string): { code: unknown; msg: unknown } | undefined {
  if (format === 'generic' || format === 'slack') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const o = parsed as Record<string, unknown>;
  if (format === 'feishu') {
    const code = o.code ?? o.StatusCode;
    return typeof code === 'number' && code !== 0 ? { code, msg: o.msg ?? o.StatusMessage } : undefined;
  }
  return typeof o.errcode === 'number' && o.errcode !== 0 ? { code: o.errcode, msg: o.errmsg } : undefined;
}

function causeText(err: unknown): string {
  const e = err as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const c = e?.cause;
  if (c && typeof c.code === 'string') return typeof c.message === 'string' ? `${c.code} (${c.message})` : c.code;
  if (c && typeof c.message === 'string') return c.message;
  return typeof e?.message === 'string' ? e.message : String(err);
}

export function createWebhookChannel(opts: WebhookChannelOptions = {}): NotificationChannel {
  const name = opts.name ?? 'webhook';
  const timeoutMs = opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  return {
    name,
    async deliver(n, config) {
      const setting = `notify.channels.${name}.url`;
      const raw = config.url;
      if (typeof raw !== 'string' || raw.trim() === '') throw new ChannelUnavailableError(`no url configured (${setting})`);
      let url: URL;
      try {
        url = new URL(raw.trim());
      } catch {
        throw new ChannelUnavailableError(`the url is not a valid address (${setting})`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new ChannelUnavailableError(`the url must be http:// or https:// (${setting})`);
      }
      const format = opts.format ?? (config.format === undefined ? 'generic' : config.format);
      if (typeof format !== 'string' || !(WEBHOOK_FORMATS as readonly string[]).includes(format)) {
        throw new ChannelUnavailableError(`webhook format ${String(format)} is not supported (${WEBHOOK_FORMATS.join(', ')})`);
      }
      const f = format as WebhookFormat;
      const host = url.host;

      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': n.id },
          body: JSON.stringify(webhookPayload(f, n)),
          signal: AbortSignal.timeout(timeoutMs),
          // A redirect is reported, not followed: the body must not go to a host nobody configured.
          redirect: 'manual',
        });
      } catch (err) {
        const e = err as { name?: string };
        if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
          throw new Error(`${name} to ${host} timed out after ${timeoutMs / 1000} s`);
        }
        throw new Error(`${name} to ${host} failed: ${snippet(causeText(err), url)}`);
      }
      let body = '';
      try {
        body = await res.text();
      } catch {
        // the status is what counts; a body cut short only loses the snippet
      }
      if (!res.ok) {
        const said = snippet(body, url);
        throw new Error(`${name} to ${host} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${said ? `: ${said}` : ''}`);
      }
      const refusal = chatRefusal(f, body);
      if (refusal) {
        throw new Error(`${name} to ${host} refused the message: code ${String(refusal.code)}${refusal.msg ? ` ${snippet(String(refusal.msg), url)}` : ''}`);
      }
      return { detail: `HTTP ${res.status} from ${host} (${f})` };
    },
  };
}
