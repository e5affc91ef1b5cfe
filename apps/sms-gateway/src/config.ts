// The local SMS gateway's settings, from the environment. Defaults fit the embedded stack: loopback
// only, messages under the data folder's sms/ (where `yingji sms list` reads them). The key pair is
// the one requests must be signed with; `yingji up` generates it and gives the worker the same.
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../shared/config';
import { isLoopback, portFrom } from '../../shared/listen';

export interface SmsGatewayConfig {
  host: string;
  /** 0: any free port (tests). */
  port: number;
  /** Accepted messages are kept here, one JSON line each, in messages.jsonl. */
  dir: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** The one template it knows (an unknown TemplateCode, or Tencent TemplateId, is refused as the provider does). */
  templateCode: string;
  /** The SMS application Tencent-style requests must name as SmsSdkAppId (default DEFAULT_SMS_APP_ID). */
  appId?: string;
  /**
   * Where a simulated reply (POST /_gateway/replies) is reported, as Aliyun's SmsUp callback and
   * signed with the key secret (YINGJI_SMS_GATEWAY_REPLY_URL, e.g. the API's /sms/replies); unset: replies are refused.
   */
  replyUrl?: string;
}

export const DEFAULT_SMS_TEMPLATE_CODE = 'SMS_YINGJI_NOTICE';
/** The SdkAppId the local gateway answers to when YINGJI_SMS_GATEWAY_APP_ID is unset. */
export const DEFAULT_SMS_APP_ID = '1400000000';

export function smsGatewayConfig(env: NodeJS.ProcessEnv = process.env): SmsGatewayConfig {
  const port = portFrom(env, 'YINGJI_SMS_GATEWAY_PORT', 2526);
  const host = env.YINGJI_SMS_GATEWAY_HOST || '127.0.0.1';
  // Plain HTTP with a shared secret: never on a network interface.
  if (!isLoopback(host)) {
    throw new Error(`YINGJI_SMS_GATEWAY_HOST must be a loopback address (127.0.0.1, ::1, localhost), got "${host}": the gateway speaks plain HTTP`);
  }
  const accessKeyId = (env.YINGJI_SMS_GATEWAY_ACCESS_KEY_ID ?? '').trim();
  const accessKeySecret = (env.YINGJI_SMS_GATEWAY_ACCESS_KEY_SECRET ?? '').trim();
  const missing = [['YINGJI_SMS_GATEWAY_ACCESS_KEY_ID', accessKeyId], ['YINGJI_SMS_GATEWAY_ACCESS_KEY_SECRET', accessKeySecret]].filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) throw new Error(`${missing.join(' and ')} must be set: the key pair requests are signed with`);
  const dataDir = path.resolve(env.YINGJI_DATA_DIR ?? path.join(PROJECT_ROOT, '.data'));
  return {
    host,
    port,
    dir: path.resolve(env.YINGJI_SMS_GATEWAY_DIR || path.join(dataDir, 'sms')),
    accessKeyId,
    accessKeySecret,
    templateCode: (env.YINGJI_SMS_GATEWAY_TEMPLATE_CODE ?? '').trim() || DEFAULT_SMS_TEMPLATE_CODE,
    appId: (env.YINGJI_SMS_GATEWAY_APP_ID ?? '').trim() || DEFAULT_SMS_APP_ID,
    replyUrl: replyUrlFrom(env),
  };
}

function replyUrlFrom(env: NodeJS.ProcessEnv): string | undefined {
  const raw = (env.YINGJI_SMS_GATEWAY_REPLY_URL ?? '').trim();
  if (!raw) return undefined;
  let u: URL | undefined;
  try {
    u = new URL(raw);
  } catch {
    // reported below
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password) {
    throw new Error(`YINGJI_SMS_GATEWAY_REPLY_URL must be an http:// or https:// address without a login (e.g. http://127.0.0.1:3000/sms/replies), got "${raw}"`);
  }
  return raw;
}
