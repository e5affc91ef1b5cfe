// Webhook adapter: one HTTP POST per notification, in a chat bot's format or a generic JSON shape.
// Chat webhook URLs carry their key (wecom `?key=`, dingtalk `?access_token=`, feishu and slack in
// the path), so details and errors name only the host. Nothing the far side writes is kept: only
// its status (and a chat bot's numeric error code), so a URL pointed at some internal service
// cannot carry that service's answer into the incident. Where a webhook may go: egress.ts.
// IM robots (wecom, dingtalk, feishu): DingTalk and Feishu robots with signing get a signature made
// with the secret in the worker's environment variable the plan names (`secretEnv`), so the secret
// is never in the plan, the database or a message (robots/sign.ts); each robot takes its messages
// at its pace, in order, waiting instead of dropping (robots/pace.ts); a refusal no retry can fix
// (wrong secret, unknown key) fails at once (robots/refusals.ts).
import { ApplicationFailure } from '@temporalio/activity';
import type { LookupAddress } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPlanVariableName, PLAN_VARIABLE_PREFIX } from '../../domain/yaml/plan-variables';
import { keepAlive } from '../heartbeat';
import { ChannelUnavailableError, NotificationChannel, OutgoingNotification } from './channel';
import { checkedAddresses, RefusedDestinationError, Resolve, withDeploymentWebhook } from './egress';
import { DEPLOYMENT_ROBOTS } from './robots/deployment';
import { createLocalRobotPace, RobotPace, robotKey } from './robots/pace';
import { finalRefusal } from './robots/refusals';
import { dingtalkSignedUrl, feishuSignedBody } from './robots/sign';

export const WEBHOOK_FORMATS = ['generic', 'wecom', 'dingtalk', 'feishu', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** One attempt, name lookup to the last byte read; Temporal's retries come on top. */
export const WEBHOOK_TIMEOUT_MS = 5_000;
/** A chat bot's answer is read (for its error code) up to this size; other answers are not read. */
const CHAT_ANSWER_BYTES = 64 * 1024;

export interface WebhookChannelOptions {
  /** Channel name (default `webhook`); `wecom` etc. name a chat channel configured by `{ url }`. */
  name?: string;
  /** Fixed format; otherwise `config.format`, default `generic`. */
  format?: WebhookFormat;
  timeoutMs?: number;
  /** Name resolution (tests point names at loopback); default the system's. */
  resolve?: Resolve;
  /**
   * How IM robots (wecom, dingtalk, feishu) take turns: `createPgRobotPace(ds)` shares each robot's
   * 20 a minute across workers; default, this process's own queue (createLocalRobotPace).
   */
  pace?: RobotPace;
  /** Where `secretEnv` names are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The clock signatures are made with (tests); default Date.now. */
  now?: () => number;
}

/** Formats that are IM robots: paced per robot. */
const ROBOT_FORMATS: readonly WebhookFormat[] = ['wecom', 'dingtalk', 'feishu'];

/** One process's robot queue, shared by every channel built without a `pace`. */
let localPace: RobotPace | undefined;

/**
 * The robot's signing secret, read at send time from the worker's variable named by `secretEnv`
 * (e.g. YINGJI_PLAN_DINGTALK_SECRET); undefined when the plan names none (an unsigned robot).
 */
function robotSecret(name: string, format: WebhookFormat, config: Record<string, unknown>, env: NodeJS.ProcessEnv): string | undefined {
  const raw = config.secretEnv;
  if (raw === undefined) return undefined;
  const setting = `notify.channels.${name}.secretEnv`;
  if (format !== 'dingtalk' && format !== 'feishu') throw new ChannelUnavailableError(`only dingtalk and feishu robots sign with a secret (${setting})`);
  if (typeof raw !== 'string' || !isPlanVariableName(raw)) throw new ChannelUnavailableError(`${setting} must name a ${PLAN_VARIABLE_PREFIX}* variable`);
  const secret = (env[raw] ?? '').trim();
  if (!secret) throw new ChannelUnavailableError(`the robot's secret is not set: ${raw} is empty on the worker (${setting})`);
  return secret;
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

/** A chat bot answers 200 with an error code when it refuses a message (bad key, rate limit, keyword). */
function chatRefusal(format: WebhookFormat, body: string): { code: number } | undefined {
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
    return typeof code === 'number' && code !== 0 ? { code } : undefined;
  }
  return typeof o.errcode === 'number' && o.errcode !== 0 ? { code: o.errcode } : undefined;
}

/** Local error codes only (ECONNREFUSED, CERT_HAS_EXPIRED): a message may quote what the far side sent. */
function failureText(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !/^[A-Z0-9_]+$/.test(code)) return 'connection error';
  return code.startsWith('HPE_') ? `${code} (the answer is not HTTP)` : code;
}

/** Rejects when `signal` aborts first (a name lookup cannot be cancelled, only abandoned). */
function before<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * POSTs to `url`, connecting only to `addresses` (already checked); TLS still checks the name.
 * Resolves with the status, and the first bytes of the answer when `read` (else it is discarded).
 */
function post(url: URL, addresses: LookupAddress[], headers: Record<string, string>, payload: string, signal: AbortSignal, read: boolean): Promise<{ status: number; body: string }> {
  const pinned: LookupFunction = (_host, options, cb) => {
    if (options.all) cb(null, addresses);
    else cb(null, addresses[0].address, addresses[0].family);
  };
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(payload)) }, lookup: pinned, signal, agent: false },
      (res) => {
        const status = res.statusCode ?? 0;
        if (!read) {
          res.on('error', () => undefined); // cut off by the deadline after the status came: nothing lost
          res.resume();
          return resolve({ status, body: '' });
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < CHAT_ANSWER_BYTES) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
        res.on('close', () => reject(new Error('answer cut short')));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function createWebhookChannel(opts: WebhookChannelOptions = {}): NotificationChannel {
  const name = opts.name ?? 'webhook';
  const timeoutMs = opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  return {
    name,
    async deliver(n, config, egress = { allowHosts: [], strict: false }) {
      const env = opts.env ?? process.env;
      // A plan naming the robot without a url sends to the deployment's own robot, if it has one.
      const own = config.url === undefined ? DEPLOYMENT_ROBOTS[name] : undefined;
      const ownUrl = own ? (env[own.url] ?? '').trim() : '';
      const setting = ownUrl ? own!.url : `notify.channels.${name}.url`;
      const raw = ownUrl || config.url;
      if (typeof raw !== 'string' || raw.trim() === '') throw new ChannelUnavailableError(`no url configured (${setting}${own ? ` or the deployment's ${own.url}` : ''})`);
      // The operator set the deployment's robot: its host:port is allowed as YINGJI_WEBHOOK_URL's is.
      if (ownUrl) egress = withDeploymentWebhook(egress, ownUrl);
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
      const ownSecret = own?.secret ? (env[own.secret] ?? '').trim() : '';
      const secret = ownUrl ? ownSecret || undefined : robotSecret(name, f, config, env);
      const robot = ROBOT_FORMATS.includes(f);

      // One attempt; for a robot it runs at the robot's turn, signed at that moment.
      const attempt = async (): Promise<{ status: number; body: string }> => {
        const signal = AbortSignal.timeout(timeoutMs);
        const now = (opts.now ?? Date.now)();
        const target = secret && f === 'dingtalk' ? dingtalkSignedUrl(url, secret, now) : url;
        const payload = webhookPayload(f, n) as Record<string, unknown>;
        const body = secret && f === 'feishu' ? feishuSignedBody(payload, secret, now) : payload;
        try {
          const addresses = await before(signal, checkedAddresses(url, egress, opts.resolve));
          const headers = { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': n.id };
          return await post(target, addresses, headers, JSON.stringify(body), signal, f !== 'generic' && f !== 'slack');
        } catch (err) {
          if (err instanceof RefusedDestinationError) throw err;
          if (signal.aborted) throw new Error(`${name} to ${host} timed out after ${timeoutMs / 1000} s`);
          if ((err as { code?: unknown })?.code === 'ENOTFOUND') throw new Error(`${name} to ${host} failed: the name ${url.hostname} is not known`);
          throw new Error(`${name} to ${host} failed: ${failureText(err)}`);
        }
      };
      const answer = robot ? await keepAlive(() => (opts.pace ?? (localPace ??= createLocalRobotPace())).turn(robotKey(url), attempt)) : await attempt();
      if (answer.status >= 300 && answer.status < 400) {
        // Not followed: the message must not go to a host nobody configured or checked.
        throw new RefusedDestinationError(`${name} to ${host} answered HTTP ${answer.status}, a redirect; redirects are not followed (put the final address in ${setting})`);
      }
      if (answer.status < 200 || answer.status >= 300) throw new Error(`${name} to ${host} answered HTTP ${answer.status}`);
      const refusal = chatRefusal(f, answer.body);
      if (refusal) {
        const meaning = finalRefusal(f, refusal.code);
        // Retrying cannot fix a wrong secret or key: the notice is recorded `failed` at once.
        if (meaning) throw ApplicationFailure.nonRetryable(`${name} to ${host} refused the message: code ${refusal.code} (${meaning})`, 'RobotRefused');
        throw new Error(`${name} to ${host} refused the message: code ${refusal.code}`);
      }
      return { detail: `HTTP ${answer.status} from ${host} (${f})` };
    },
  };
}

/**
 * The chat channels (`webhook`, `wecom`, `dingtalk`, `feishu`, `slack`) sharing one pace, e.g.
 * `createPgRobotPace(ds)` so every worker keeps each robot within its 20 a minute.
 */
export function pacedRobotChannels(pace: RobotPace): (name: string) => NotificationChannel | undefined {
  const chats = (['wecom', 'dingtalk', 'feishu', 'slack'] as const).map((f) => createWebhookChannel({ name: f, format: f, pace }));
  const channels = new Map([createWebhookChannel({ pace }), ...chats].map((c) => [c.name, c]));
  return (name) => channels.get(name);
}
