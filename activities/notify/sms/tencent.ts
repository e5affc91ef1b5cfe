// Tencent Cloud SMS (sms.tencentcloudapi.com, API version 2021-01-11): `SendSms` as a JSON POST
// signed with TC3-HMAC-SHA256 (Tencent Cloud API 3.0 "Signature v3"): a canonical request of
// method, path, query, the signed headers and the payload's SHA-256, hashed into a string to sign,
// then HMAC-SHA256 with a key derived from "TC3" + SecretKey, the UTC date, the service and
// "tc3_request". The same functions let the local gateway (apps/sms-gateway) check a request as
// Tencent would.
import { createHash, createHmac } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { SmsGateway, SmsMessage, SmsRefusedError } from './gateway';

export const TENCENT_SMS_URL = 'https://sms.tencentcloudapi.com';
export const TENCENT_SMS_VERSION = '2021-01-11';
export const TENCENT_SMS_REGION = 'ap-guangzhou';
/** What we send and sign; it must be the header sent, byte for byte. */
export const TC3_CONTENT_TYPE = 'application/json; charset=utf-8';
export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';
/** One request and its answer; Temporal's retries come on top. */
const SMS_TIMEOUT_MS = 10_000;

/** What a TC3 signature covers. `headers` are the signed ones, by lowercase name. */
export interface Tc3Request {
  method: string;
  /** The query string as sent (empty for a POST). */
  query?: string;
  headers: Record<string, string>;
  payload: string | Buffer;
  /** Seconds since the epoch (X-TC-Timestamp). */
  timestamp: number;
  /** The product, e.g. `sms` or `cvm`: the first label of the endpoint's host. */
  service: string;
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s).digest();

/** The UTC date of a timestamp, as the credential scope names it (never the local date). */
export function tc3Date(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

/** `content-type;host`: the signed header names, lowercase and sorted. */
export function signedHeaders(headers: Record<string, string>): string {
  return Object.keys(headers).map((k) => k.toLowerCase()).sort().join(';');
}

export function canonicalRequest(r: Tc3Request): string {
  const names = signedHeaders(r.headers).split(';');
  const value = (name: string) => Object.entries(r.headers).find(([k]) => k.toLowerCase() === name)![1];
  const canonicalHeaders = names.map((k) => `${k}:${value(k).trim().toLowerCase()}\n`).join('');
  return [r.method.toUpperCase(), '/', r.query ?? '', canonicalHeaders, names.join(';'), sha256(r.payload)].join('\n');
}

export function credentialScope(r: Pick<Tc3Request, 'timestamp' | 'service'>): string {
  return `${tc3Date(r.timestamp)}/${r.service}/tc3_request`;
}

export function tc3StringToSign(r: Tc3Request): string {
  return [TC3_ALGORITHM, String(r.timestamp), credentialScope(r), sha256(canonicalRequest(r))].join('\n');
}

/** The hex `Signature` of a request, keyed from the SecretKey, the date and the service. */
export function tc3Signature(secretKey: string, r: Tc3Request): string {
  const signing = hmac(hmac(hmac(`TC3${secretKey}`, tc3Date(r.timestamp)), r.service), 'tc3_request');
  return createHmac('sha256', signing).update(tc3StringToSign(r)).digest('hex');
}

export function tc3Authorization(key: { secretId: string; secretKey: string }, r: Tc3Request): string {
  return `${TC3_ALGORITHM} Credential=${key.secretId}/${credentialScope(r)}, SignedHeaders=${signedHeaders(r.headers)}, Signature=${tc3Signature(key.secretKey, r)}`;
}

/** An Authorization header taken apart; undefined when it is not a TC3 one. */
export function parseTc3Authorization(value: string): { secretId: string; date: string; service: string; signedHeaders: string[]; signature: string } | undefined {
  const m = /^TC3-HMAC-SHA256 Credential=([^/\s]+)\/(\d{4}-\d\d-\d\d)\/([a-z0-9]+)\/tc3_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(value.trim());
  return m ? { secretId: m[1], date: m[2], service: m[3], signedHeaders: m[4].split(';'), signature: m[5] } : undefined;
}

/** A number as SendSms wants it: E.164 with "+", from the national (China) or country-code form the channel uses. */
export function e164(n: string): string {
  if (n.startsWith('+')) return n;
  const p = parsePhoneNumberFromString(/^1\d{10}$/.test(n) ? n : `+${n}`, 'CN');
  return p ? p.number : `+${n}`;
}

/** The `SendSms` body: the template's variables in order (ours has one), our OutId as SessionContext. */
export function sendSmsBody(appId: string, m: SmsMessage): Record<string, unknown> {
  return {
    PhoneNumberSet: m.phoneNumbers.map(e164),
    SmsSdkAppId: appId,
    SignName: m.signName,
    TemplateId: m.templateCode,
    TemplateParamSet: Object.values(m.templateParam),
    ...(m.outId ? { SessionContext: m.outId } : {}),
  };
}

/** Codes by which Tencent refuses one number (badly written, unsubscribed, over its own daily limit); the others still get theirs. */
export function tencentRefusesNumber(code: string): boolean {
  return /^(InvalidParameterValue\.IncorrectPhoneNumber|FailedOperation\.PhoneNumber|LimitExceeded\.PhoneNumber(Daily|OneHour|SameContentDaily)Limit)/.test(code);
}

/** Codes worth a retry: the far side is busy or broken, not refusing this message. */
const TEMPORARY = /^(RequestLimitExceeded|InternalError|LimitExceeded\.(DeliveryFrequencyLimit|PhoneNumberThirtySecondLimit))/;

export interface TencentGatewayOptions {
  /** The endpoint, https://sms.tencentcloudapi.com by default (YINGJI_SMS_URL). */
  url: string;
  secretId: string;
  secretKey: string;
  /** The SMS application's SdkAppId (YINGJI_SMS_APP_ID). */
  appId: string;
  /** X-TC-Region (YINGJI_SMS_REGION). */
  region: string;
}

interface SendStatus {
  SerialNo?: string;
  PhoneNumber?: string;
  Code?: string;
  Message?: string;
}
interface Answer {
  Response?: { Error?: { Code?: string; Message?: string }; SendStatusSet?: SendStatus[]; RequestId?: string };
}

const said = (code: string | undefined, message: string | undefined) => `${code}: ${(message ?? '').replace(/\s+/g, ' ').slice(0, 200)}`;

/**
 * `SendSms` over HTTP(S). Each number has its own status: `Ok` with a SerialNo (the id), or a Code.
 * Every number refused: SmsRefusedError with the (first) Code; some accepted: their SerialNos, the
 * refused named in the message. A `Response.Error` (key, signature, app, template) refuses it all.
 */
export function createTencentGateway(opts: TencentGatewayOptions): SmsGateway {
  const endpoint = new URL(opts.url);
  const where = endpoint.host;
  return {
    where,
    async send(m) {
      const payload = JSON.stringify(sendSmsBody(opts.appId, m));
      const timestamp = Math.floor(Date.now() / 1000);
      const authorization = tc3Authorization(
        { secretId: opts.secretId, secretKey: opts.secretKey },
        { method: 'POST', headers: { 'content-type': TC3_CONTENT_TYPE, host: endpoint.host }, payload, timestamp, service: 'sms' },
      );
      let res: Response;
      try {
        res = await fetch(endpoint, {
          method: 'POST',
          headers: {
            Authorization: authorization,
            'Content-Type': TC3_CONTENT_TYPE,
            'X-TC-Action': 'SendSms',
            'X-TC-Version': TENCENT_SMS_VERSION,
            'X-TC-Timestamp': String(timestamp),
            'X-TC-Region': opts.region,
          },
          body: payload,
          redirect: 'error',
          signal: AbortSignal.timeout(SMS_TIMEOUT_MS),
        });
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        throw new Error(`SMS gateway ${where} could not be reached (${e.cause?.code ?? e.name}: ${e.message})`);
      }
      let body: Answer = {};
      try {
        body = JSON.parse(await res.text()) as Answer;
      } catch {
        // reported below
      }
      // Only the gateway's own Code and Message: the request (with its key id and signature) is never echoed.
      const error = body.Response?.Error;
      const statuses = body.Response?.SendStatusSet;
      if (error || !Array.isArray(statuses)) {
        const text = error?.Code ? said(error.Code, error.Message) : `HTTP ${res.status}`;
        if (res.status >= 500 || (error?.Code && TEMPORARY.test(error.Code))) throw new Error(`SMS gateway ${where} answered ${text} (temporary, retried)`);
        throw new SmsRefusedError(`SMS gateway ${where} refused (${text})`, error?.Code ?? `HTTP ${res.status}`);
      }
      const ok = statuses.filter((s) => s.Code === 'Ok');
      const refused = statuses.filter((s) => s.Code !== 'Ok');
      if (ok.length === 0) {
        const first = refused[0] ?? { Code: 'SendStatusSet empty', Message: '' };
        const text = refused.length > 1 ? refused.map((s) => `${s.PhoneNumber} ${said(s.Code, s.Message)}`).join('; ') : said(first.Code, first.Message);
        if (TEMPORARY.test(first.Code ?? '')) throw new Error(`SMS gateway ${where} answered ${text} (temporary, retried)`);
        throw new SmsRefusedError(`SMS gateway ${where} refused (${text})`, first.Code ?? 'SendStatusSet');
      }
      const notes = refused.map((s) => `${s.PhoneNumber} refused (${said(s.Code, s.Message)})`);
      return { bizId: ok.map((s) => s.SerialNo ?? '').join(','), message: ['Ok', ...notes].join('; ') };
    },
  };
}
