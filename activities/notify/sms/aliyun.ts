// Alibaba Cloud SMS (dysmsapi, API version 2017-05-25): the RPC-style signed GET of `SendSms`.
// The signature is Alibaba Cloud's "signature method" for RPC APIs: HMAC-SHA1 over
// `GET&%2F&<percent-encoded sorted query>`, keyed with AccessKeySecret + "&", Base64. The same
// functions let the local gateway (apps/sms-gateway) check a request as Aliyun would.
import { createHmac, randomUUID } from 'node:crypto';
import { SmsGateway, SmsMessage, SmsRefusedError } from './gateway';

export const SENDSMS_VERSION = '2017-05-25';
/** One request and its answer; Temporal's retries come on top. */
export const SMS_TIMEOUT_MS = 10_000;

/** RFC 3986 encoding as Alibaba Cloud wants it: only A-Z a-z 0-9 - _ . ~ stay as they are. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `k=v&...` sorted by parameter name, each side percent-encoded, without `Signature`. */
export function canonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k])}`)
    .join('&');
}

export function stringToSign(method: string, params: Record<string, string>): string {
  return `${method}&${percentEncode('/')}&${percentEncode(canonicalQuery(params))}`;
}

/** The Base64 `Signature` of a request with these parameters. */
export function signature(accessKeySecret: string, params: Record<string, string>, method = 'GET'): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign(method, params)).digest('base64');
}

/** The parameters of one `SendSms` call, signed: common parameters, then the message's. */
export function sendSmsParams(
  key: { accessKeyId: string; accessKeySecret: string },
  m: SmsMessage,
  now = new Date(),
  nonce: string = randomUUID(),
): Record<string, string> {
  const params: Record<string, string> = {
    AccessKeyId: key.accessKeyId,
    Action: 'SendSms',
    Format: 'JSON',
    RegionId: 'cn-hangzhou',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: nonce,
    SignatureVersion: '1.0',
    Timestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Version: SENDSMS_VERSION,
    PhoneNumbers: m.phoneNumbers.join(','),
    SignName: m.signName,
    TemplateCode: m.templateCode,
    TemplateParam: JSON.stringify(m.templateParam),
    ...(m.outId ? { OutId: m.outId } : {}),
  };
  return { ...params, Signature: signature(key.accessKeySecret, params) };
}

/** Codes worth a retry: the far side is busy or broken, not refusing this message. */
const TEMPORARY = /^(Throttling|ServiceUnavailable|InternalError|isv\.BUSINESS_LIMIT_CONTROL)/;

export interface AliyunGatewayOptions {
  /** The endpoint, e.g. https://dysmsapi.aliyuncs.com (YINGJI_SMS_URL). */
  url: string;
  accessKeyId: string;
  accessKeySecret: string;
}

/** `SendSms` over HTTP(S). Answers `{ Code: "OK", BizId }` on success; any other Code is thrown. */
export function createAliyunGateway(opts: AliyunGatewayOptions): SmsGateway {
  const endpoint = new URL(opts.url);
  const where = endpoint.host;
  return {
    where,
    async send(m) {
      const params = sendSmsParams(opts, m);
      const url = new URL(endpoint);
      url.search = Object.entries(params).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
      let res: Response;
      try {
        res = await fetch(url, { signal: AbortSignal.timeout(SMS_TIMEOUT_MS) });
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        throw new Error(`SMS gateway ${where} could not be reached (${e.cause?.code ?? e.name}: ${e.message})`);
      }
      const text = await res.text();
      let body: { Code?: string; Message?: string; BizId?: string } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        // reported below
      }
      if (body.Code === 'OK') return { bizId: body.BizId ?? '', message: body.Message ?? 'OK' };
      // Only the gateway's own Code and Message: the request (with its key id and signature) is never echoed.
      const said = body.Code ? `${body.Code}: ${(body.Message ?? '').replace(/\s+/g, ' ').slice(0, 200)}` : `HTTP ${res.status}`;
      if (res.status >= 500 || (body.Code && TEMPORARY.test(body.Code))) throw new Error(`SMS gateway ${where} answered ${said} (temporary, retried)`);
      throw new SmsRefusedError(`SMS gateway ${where} refused (${said})`, body.Code ?? `HTTP ${res.status}`);
    },
  };
}
