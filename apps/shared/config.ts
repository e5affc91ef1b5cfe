import { isLoopback } from './listen';
import * as fs from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';
import { taxPlatformConfig } from '../tax-platform/src/config';

/** The project root (where package.json lives), whether running from source or from dist/. */
export const PROJECT_ROOT = findRoot(__dirname);

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export interface TemporalConfig {
  address: string;
  namespace: string;
  /** Paths of a client certificate and key for mTLS; both or neither. */
  tlsCertPath?: string;
  tlsKeyPath?: string;
  /** Optional CA bundle; TLS is on when this or the cert pair is set. */
  tlsCaPath?: string;
  /** True when the address came from TEMPORAL_ADDRESS: nothing is started for it. */
  external: boolean;
}

export interface YingjiConfig {
  dataDir: string;
  toolsDir: string;
  plansDir: string;
  databaseUrl: string;
  databaseExternal: boolean;
  /** The e-invoice system's own database (what the plans protect and restore). */
  invoiceDatabaseUrl: string;
  /**
   * A database on the server live drills put their sandboxes on (any database there; sandboxes are
   * created next to it). Unset: the invoice database's server.
   */
  drillDatabaseUrl?: string;
  temporal: TemporalConfig;
  taskQueue: string;
  apiHost: string;
  apiPort: number;
  temporalUiPort: number;
  pgPort: number;
  /** The team directory (teams, people, contacts) that roles resolve against. */
  directoryFile: string;
  /** The deployment's own webhook for stage notices and escalations (a secret: env only). */
  webhook?: { url: string; format: string };
  /** Where webhooks may go besides public hosts (activities/notify/egress.ts). */
  webhookEgress: WebhookEgress;
  /** The national tax platform (or the simulator `yingji up` runs, apps/tax-platform). */
  taxPlatformUrl: string;
  /** True when TAX_PLATFORM_URL names another implementation: no simulator is started. */
  taxPlatformExternal: boolean;
  /** Where email goes (YINGJI_SMTP_URL); unset: the email channel is `unavailable`, or `yingji up` runs the mail sink. */
  smtp?: SmtpConfig;
  /** The local SMTP server `yingji up` runs when YINGJI_SMTP_URL is unset (apps/mail-sink); it keeps each message as a .eml in `dir`. */
  mailSink: { port: number; dir: string };
  /** YINGJI_SMS_URL as the user set it; unset (and no YINGJI_SMS_ACCESS_KEY_ID): `yingji up` runs the local SMS gateway (apps/sms-gateway). */
  smsUrl?: string;
  /** The local SMS gateway `yingji up` runs when YINGJI_SMS_URL is unset; it keeps each message as a JSON line in `dir`. */
  smsGateway: { port: number; dir: string };
  /** HTTPS for the API: PEM certificate (chain) and key files (YINGJI_TLS_CERT, YINGJI_TLS_KEY); unset: plain HTTP. */
  apiTls?: { certFile: string; keyFile: string };
  /** The largest request body the API reads (YINGJI_API_BODY_LIMIT, e.g. `1mb`, `512kb`); default 1mb. */
  apiBodyLimit?: string;
  /** Failed authentications allowed per client address and per claimed token id in a window before 429 (YINGJI_AUTH_FAILURE_LIMIT, YINGJI_AUTH_FAILURE_WINDOW_S). */
  authFailures?: { limit: number; windowS: number };
}

/** YINGJI_TLS_CERT and YINGJI_TLS_KEY: both or neither, each a readable file. */
export function apiTlsFrom(env: NodeJS.ProcessEnv): YingjiConfig['apiTls'] {
  const certFile = (env.YINGJI_TLS_CERT ?? '').trim();
  const keyFile = (env.YINGJI_TLS_KEY ?? '').trim();
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new Error('YINGJI_TLS_CERT and YINGJI_TLS_KEY must be set together (PEM certificate and key files for HTTPS)');
  for (const [name, file] of [['YINGJI_TLS_CERT', certFile], ['YINGJI_TLS_KEY', keyFile]]) {
    if (!fs.existsSync(file)) throw new Error(`${name}: ${file} does not exist`);
  }
  return { certFile: path.resolve(certFile), keyFile: path.resolve(keyFile) };
}

/** A size as body parsers take it: `100kb`, `1mb`, `2097152`. */
export function bodyLimitFrom(env: NodeJS.ProcessEnv): string {
  const raw = (env.YINGJI_API_BODY_LIMIT ?? '').trim();
  if (!raw) return '1mb';
  if (!/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i.test(raw) || Number.parseFloat(raw) <= 0) {
    throw new Error(`YINGJI_API_BODY_LIMIT must be a size such as 512kb, 1mb or 2097152 (bytes), got "${raw}"`);
  }
  return raw.toLowerCase().replace(/\s+/g, '');
}

function positiveFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = (env[name] ?? '').trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a whole number above 0, got "${raw}"`);
  return n;
}

/**
 * The SMTP server email goes through. `url` is `smtp://user:pass@host:port` (STARTTLS when the
 * server offers it, required when there is a login and the host is not loopback) or `smtps://`
 * (TLS from the first byte); it holds the password, so print it only through `redactUrl`.
 */
export interface SmtpConfig {
  url: string;
  /** The From header, e.g. `应急 Yingji <yingji@example.com>` (YINGJI_SMTP_FROM). */
  from: string;
  /** A PEM file of certificates to trust besides the system's, e.g. a self-signed server's (YINGJI_SMTP_CA_FILE). */
  caFile?: string;
}

export const DEFAULT_SMTP_FROM = '应急 Yingji <yingji@localhost>';

/** YINGJI_SMTP_URL, YINGJI_SMTP_FROM and YINGJI_SMTP_CA_FILE; undefined when no URL is set. Bad values throw, naming the setting. */
export function smtpConfigFrom(env: NodeJS.ProcessEnv): SmtpConfig | undefined {
  const raw = (env.YINGJI_SMTP_URL ?? '').trim();
  if (!raw) return undefined;
  let u: URL | undefined;
  try {
    u = new URL(raw);
  } catch {
    // reported below
  }
  if (!u || (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') || !u.hostname) {
    throw new Error(`YINGJI_SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://..., got "${u ? redactUrl(raw) : '(not a URL)'}"`);
  }
  const from = (env.YINGJI_SMTP_FROM ?? '').trim() || DEFAULT_SMTP_FROM;
  if (!/<[^@\s<>]+@[^@\s<>]+>$|^[^@\s<>]+@[^@\s<>]+$/.test(from)) {
    throw new Error(`YINGJI_SMTP_FROM must be an address, e.g. yingji@example.com or 应急 Yingji <yingji@example.com>, got "${from}"`);
  }
  const caFile = (env.YINGJI_SMTP_CA_FILE ?? '').trim() || undefined;
  if (caFile && !fs.existsSync(caFile)) throw new Error(`YINGJI_SMTP_CA_FILE: ${caFile} does not exist`);
  return { url: raw, from, caFile };
}

/** Aliyun's SMS endpoint (dysmsapi), used when YINGJI_SMS_URL is unset. */
export const DEFAULT_SMS_URL = 'https://dysmsapi.aliyuncs.com';

/**
 * Text messages through a provider's SendSms: Aliyun's (dysmsapi) or Tencent Cloud's
 * (YINGJI_SMS_PROVIDER). The key secret signs each request and is never printed, logged, nor
 * stored (it comes from the environment only).
 */
export interface SmsConfig {
  /** Whose SendSms (YINGJI_SMS_PROVIDER): `aliyun` when unset. */
  provider?: 'aliyun' | 'tencent';
  url: string;
  /** Aliyun's AccessKeyId, Tencent's SecretId. */
  accessKeyId: string;
  /** Aliyun's AccessKeySecret, Tencent's SecretKey. */
  accessKeySecret: string;
  /** The approved signature, shown as 【SignName】 (YINGJI_SMS_SIGN_NAME). */
  signName: string;
  /** The approved template with one variable, the notice (YINGJI_SMS_TEMPLATE_CODE; Tencent's TemplateId). */
  templateCode: string;
  /** Tencent only: the SMS application's SdkAppId (YINGJI_SMS_APP_ID). */
  appId?: string;
  /** Tencent only: X-TC-Region (YINGJI_SMS_REGION, default ap-guangzhou). */
  region?: string;
}

/**
 * YINGJI_SMS_PROVIDER (aliyun, the default, or tencent), YINGJI_SMS_URL (default the provider's
 * endpoint), YINGJI_SMS_ACCESS_KEY_ID, YINGJI_SMS_ACCESS_KEY_SECRET, YINGJI_SMS_SIGN_NAME,
 * YINGJI_SMS_TEMPLATE_CODE; for Tencent also YINGJI_SMS_APP_ID and YINGJI_SMS_REGION (default
 * ap-guangzhou). Returns the settings that are missing instead when any is unset (the channel is
 * then `unavailable`, naming them); a bad provider, URL, app id or region throws.
 */
export function smsConfigFrom(env: NodeJS.ProcessEnv): SmsConfig | { missing: string[] } {
  const get = (k: string) => (env[k] ?? '').trim();
  const chosen = get('YINGJI_SMS_PROVIDER').toLowerCase() || 'aliyun';
  if (chosen !== 'aliyun' && chosen !== 'tencent') throw new Error(`YINGJI_SMS_PROVIDER must be aliyun or tencent, got "${get('YINGJI_SMS_PROVIDER')}"`);
  const provider = chosen === 'tencent' ? 'tencent' : 'aliyun';
  const names = ['YINGJI_SMS_ACCESS_KEY_ID', 'YINGJI_SMS_ACCESS_KEY_SECRET', 'YINGJI_SMS_SIGN_NAME', 'YINGJI_SMS_TEMPLATE_CODE', ...(provider === 'tencent' ? ['YINGJI_SMS_APP_ID'] : [])];
  const missing = names.filter((k) => !get(k));
  if (missing.length) return { missing };
  const fallback = provider === 'tencent' ? 'https://sms.tencentcloudapi.com' : DEFAULT_SMS_URL;
  const url = get('YINGJI_SMS_URL') || fallback;
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    // reported below
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search) {
    throw new Error(`YINGJI_SMS_URL must be an http:// or https:// address without a login or query (e.g. ${fallback}), got "${u ? redactUrl(url) : '(not a URL)'}"`);
  }
  // A secret over plain HTTP would be readable on the way: only to this machine.
  if (u.protocol === 'http:' && !isLoopback(u.hostname)) {
    throw new Error(`YINGJI_SMS_URL must use https:// off this machine, got "${url}"`);
  }
  const common: SmsConfig = {
    provider,
    url,
    accessKeyId: get('YINGJI_SMS_ACCESS_KEY_ID'),
    accessKeySecret: get('YINGJI_SMS_ACCESS_KEY_SECRET'),
    signName: get('YINGJI_SMS_SIGN_NAME'),
    templateCode: get('YINGJI_SMS_TEMPLATE_CODE'),
  };
  if (provider === 'aliyun') return common;
  const appId = get('YINGJI_SMS_APP_ID');
  if (!/^\d{5,20}$/.test(appId)) throw new Error(`YINGJI_SMS_APP_ID must be the SMS application's SdkAppId in digits (e.g. 1400006666), got "${appId}"`);
  const region = get('YINGJI_SMS_REGION') || 'ap-guangzhou';
  if (!/^[a-z]{2,3}(-[a-z0-9]+)+$/.test(region)) throw new Error(`YINGJI_SMS_REGION must be a Tencent Cloud region such as ap-guangzhou, got "${region}"`);
  return { ...common, appId, region };
}

/**
 * `YINGJI_WEBHOOK_ALLOW_HOSTS`: comma-separated `host` or `host:port` entries (IPv6 in brackets)
 * a webhook may reach although they are loopback, private or link-local; normalised as URL hosts
 * (`LOCALHOST` -> `localhost`, `[0:0::1]` -> `[::1]`). `YINGJI_WEBHOOK_STRICT=true`: only listed
 * hosts, public ones too.
 */
export interface WebhookEgress {
  allowHosts: string[];
  strict: boolean;
}

export function webhookEgressFrom(env: NodeJS.ProcessEnv): WebhookEgress {
  const allowHosts = (env.YINGJI_WEBHOOK_ALLOW_HOSTS ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((entry) => {
      // A bare IPv6 address (`fd00::5`) is a host without a port.
      const bareIpv6 = /^[0-9a-f:.]+$/i.test(entry) && entry.includes('::');
      let u: URL | undefined;
      try {
        u = new URL(`http://${bareIpv6 ? `[${entry}]` : entry}`);
      } catch {
        // reported below
      }
      if (!u || u.username || u.password || u.pathname !== '/' || u.search || u.hash || /[/?#@]/.test(entry)) {
        throw new Error(`YINGJI_WEBHOOK_ALLOW_HOSTS: "${entry}" is not a host or host:port (e.g. hooks.internal, 10.0.0.5:8080, [fd00::5]:443)`);
      }
      // URL drops the default port 80; keep it so `host:80` still means that port only.
      return !bareIpv6 && !u.port && entry.endsWith(':80') ? `${u.hostname}:80` : u.host;
    });
  const strict = (env.YINGJI_WEBHOOK_STRICT ?? '').trim().toLowerCase();
  if (!['', 'true', 'false', '1', '0'].includes(strict)) throw new Error(`YINGJI_WEBHOOK_STRICT must be true or false, got "${env.YINGJI_WEBHOOK_STRICT}"`);
  return { allowHosts, strict: strict === 'true' || strict === '1' };
}

export const DEFAULT_TASK_QUEUE = 'yingji';

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) {
    throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
  }
  return n;
}

/** Everything configurable, from the environment; embedded defaults when nothing is set. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): YingjiConfig {
  const dataDir = path.resolve(env.YINGJI_DATA_DIR ?? path.join(PROJECT_ROOT, '.data'));
  const pgPort = intFrom(env, 'YINGJI_PG_PORT', 55432);
  const temporalPort = intFrom(env, 'YINGJI_TEMPORAL_PORT', 7233);
  const tlsCertPath = env.TEMPORAL_TLS_CERT || undefined;
  const tlsKeyPath = env.TEMPORAL_TLS_KEY || undefined;
  if (Boolean(tlsCertPath) !== Boolean(tlsKeyPath)) {
    throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  }
  return {
    dataDir,
    toolsDir: path.resolve(env.YINGJI_TOOLS_DIR ?? path.join(PROJECT_ROOT, '.tools')),
    plansDir: path.resolve(env.YINGJI_PLANS_DIR ?? path.join(PROJECT_ROOT, 'plans')),
    databaseUrl: pgUrlFrom('DATABASE_URL', env.DATABASE_URL || `postgres://postgres@127.0.0.1:${pgPort}/yingji`),
    databaseExternal: Boolean(env.DATABASE_URL),
    invoiceDatabaseUrl: pgUrlFrom('INVOICE_DATABASE_URL', env.INVOICE_DATABASE_URL || `postgres://postgres@127.0.0.1:${pgPort}/yingji_invoices`),
    drillDatabaseUrl: env.YINGJI_DRILL_DATABASE_URL ? pgUrlFrom('YINGJI_DRILL_DATABASE_URL', env.YINGJI_DRILL_DATABASE_URL) : undefined,
    temporal: {
      address: env.TEMPORAL_ADDRESS || `127.0.0.1:${temporalPort}`,
      namespace: env.TEMPORAL_NAMESPACE || 'default',
      tlsCertPath,
      tlsKeyPath,
      tlsCaPath: env.TEMPORAL_TLS_CA || undefined,
      external: Boolean(env.TEMPORAL_ADDRESS),
    },
    taskQueue: env.YINGJI_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    apiHost: env.YINGJI_API_HOST || '127.0.0.1',
    apiPort: intFrom(env, 'YINGJI_API_PORT', 3000),
    temporalUiPort: intFrom(env, 'YINGJI_TEMPORAL_UI_PORT', temporalPort + 1000),
    pgPort,
    directoryFile: path.resolve(env.YINGJI_DIRECTORY ?? path.join(PROJECT_ROOT, 'plans', 'teams.example.yaml')),
    webhook: env.YINGJI_WEBHOOK_URL ? { url: env.YINGJI_WEBHOOK_URL, format: env.YINGJI_WEBHOOK_FORMAT || 'generic' } : undefined,
    webhookEgress: webhookEgressFrom(env),
    // The simulator's own settings decide its port (one parser: it accepts 0, "any free port", in tests).
    taxPlatformUrl: env.TAX_PLATFORM_URL || `http://127.0.0.1:${taxPlatformConfig(env).port}`,
    taxPlatformExternal: Boolean(env.TAX_PLATFORM_URL),
    smtp: smtpConfigFrom(env),
    mailSink: { port: intFrom(env, 'YINGJI_MAIL_SINK_PORT', 2525), dir: path.resolve(env.YINGJI_MAIL_SINK_DIR || path.join(dataDir, 'mail')) },
    smsUrl: (env.YINGJI_SMS_URL ?? '').trim() || undefined,
    smsGateway: { port: intFrom(env, 'YINGJI_SMS_GATEWAY_PORT', 2526), dir: path.resolve(env.YINGJI_SMS_GATEWAY_DIR || path.join(dataDir, 'sms')) },
    apiTls: apiTlsFrom(env),
    apiBodyLimit: bodyLimitFrom(env),
    authFailures: { limit: positiveFrom(env, 'YINGJI_AUTH_FAILURE_LIMIT', 10), windowS: positiveFrom(env, 'YINGJI_AUTH_FAILURE_WINDOW_S', 60) },
  };
}

const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

/**
 * A PostgreSQL URL whose `sslmode` means what it means to libpq and every PostgreSQL tool: `require`
 * encrypts (and checks the CA when `sslrootcert=` is given), `verify-ca` checks the CA,
 * `verify-full` the CA and the host name. node-postgres reads every mode as `verify-full` unless
 * told `uselibpqcompat=true`, which is added here. A mode it cannot honour, or an `sslrootcert`,
 * `sslcert` or `sslkey` file that is not there, is refused naming the setting.
 */
export function pgUrlFrom(name: string, url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url; // not ours to judge here: the driver names what is wrong when it connects
  }
  const mode = u.searchParams.get('sslmode');
  if (mode === null) return url;
  if (!SSL_MODES.includes(mode)) throw new Error(`${name}: sslmode=${mode} is not supported; use ${SSL_MODES.join(', ')}`);
  // node-postgres names the server to TLS only when the host is a name: an address would be checked as "localhost".
  if (mode === 'verify-full' && isIP(u.hostname.replace(/^\[(.*)\]$/, '$1'))) {
    throw new Error(`${name}: sslmode=verify-full needs the host name the server's certificate names, not the address ${u.hostname}`);
  }
  if (mode === 'verify-ca' && !u.searchParams.get('sslrootcert')) throw new Error(`${name}: sslmode=verify-ca needs sslrootcert=<CA file> (the CA that signed the server's certificate)`);
  for (const p of ['sslrootcert', 'sslcert', 'sslkey']) {
    const file = u.searchParams.get(p);
    if (file && !fs.existsSync(file)) throw new Error(`${name}: ${p}=${file} does not exist`);
  }
  if (u.searchParams.has('uselibpqcompat')) return url;
  u.searchParams.set('uselibpqcompat', 'true');
  return u.toString();
}

/** Never print a database password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
