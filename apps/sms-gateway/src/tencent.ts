// Tencent Cloud's SendSms (2021-01-11) as sms.tencentcloudapi.com answers it: a JSON POST told
// apart by its X-TC-Action header, checked as Tencent does (the TC3-HMAC-SHA256 signature with the
// gateway's key pair, a timestamp at most 5 minutes off, the app id, the template) and answered in
// Tencent's shape: `Response.Error` for the request as a whole, else one `SendStatusSet` entry per
// number. Accepted numbers are kept one line each, in the same messages.jsonl as Aliyun's.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { parseTc3Authorization, tc3Date, tc3Signature, TENCENT_SMS_VERSION } from '../../../activities/notify/sms/tencent';
import { isMobile } from '../../../domain/responsibility/directory';
import { DEFAULT_SMS_APP_ID, SmsGatewayConfig } from './config';
import { keepSms } from './store';

/** Tencent's limits: a request's age, numbers per request; a variable's length as the channel's template allows. */
const MAX_SKEW_S = 5 * 60;
const NUMBERS_MAX = 200;
const VARIABLE_MAX = 35;
/** The one template has one variable, the notice. */
const TEMPLATE_VARIABLES = 1;

export interface TencentAnswer {
  status: number;
  body: { Response: Record<string, unknown> };
}

const error = (Code: string, Message: string): TencentAnswer => ({ status: 200, body: { Response: { Error: { Code, Message }, RequestId: randomUUID() } } });

/** What the gateway stores and answers by: the number as Aliyun takes it, when it can get a text. */
function mobile(n: unknown): string | undefined {
  if (typeof n !== 'string') return undefined;
  const raw = n.trim().replace(/^00/, '+');
  const p = parsePhoneNumberFromString(/^1\d{10}$/.test(raw) ? raw : raw.startsWith('+') ? raw : `+${raw}`, 'CN');
  if (!p || !isMobile(p.number)) return undefined;
  return p.countryCallingCode === '86' ? String(p.nationalNumber) : `${p.countryCallingCode}${p.nationalNumber}`;
}

const header = (h: IncomingHttpHeaders, name: string): string => {
  const v = h[name];
  return (Array.isArray(v) ? v.join(',') : v ?? '').trim();
};

/** Whether the request is Tencent's (and so answered here): it names its action in X-TC-Action. */
export const isTencentRequest = (h: IncomingHttpHeaders): boolean => header(h, 'x-tc-action') !== '';

/**
 * Answers one Tencent-style request. `sent` maps SessionContext + number to the SerialNo already
 * given, so a retried send is answered `Ok` with the first SerialNo and not kept twice.
 */
export function answerTencent(config: SmsGatewayConfig, h: IncomingHttpHeaders, raw: Buffer, sent: Map<string, string>, now = Date.now()): TencentAnswer {
  const auth = parseTc3Authorization(header(h, 'authorization'));
  if (!auth) return error('AuthFailure.InvalidAuthorization', 'Authorization in the request header is invalid: expected TC3-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...');
  if (auth.secretId !== config.accessKeyId) return error('AuthFailure.SecretIdNotFound', 'The SecretId is not found, please ensure that your SecretId is correct.');
  const stamp = header(h, 'x-tc-timestamp');
  const timestamp = Number(stamp);
  if (!/^\d{1,12}$/.test(stamp) || Math.abs(now / 1000 - timestamp) > MAX_SKEW_S) {
    return error('AuthFailure.SignatureExpire', `Signature expired. Timestamp ${stamp || '(none)'} and server time differ by more than five minutes.`);
  }
  const signed = auth.signedHeaders;
  const unsigned = ['content-type', 'host'].filter((k) => !signed.includes(k));
  if (unsigned.length) return error('AuthFailure.InvalidAuthorization', `SignedHeaders must include ${unsigned.join(' and ')}`);
  const headers = Object.fromEntries(signed.map((k) => [k, header(h, k)]));
  const expected = Buffer.from(tc3Signature(config.accessKeySecret, { method: 'POST', headers, payload: raw, timestamp, service: auth.service }));
  const given = Buffer.from(auth.signature);
  // The scope must be this product on the timestamp's own UTC date; the signature proves the rest.
  if (auth.service !== 'sms' || auth.date !== tc3Date(timestamp) || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return error('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.');
  }
  const action = header(h, 'x-tc-action');
  if (action !== 'SendSms') return error('InvalidAction', `The action ${action} is not found.`);
  if (header(h, 'x-tc-version') !== TENCENT_SMS_VERSION) return error('NoSuchVersion', `The API version ${header(h, 'x-tc-version') || '(none)'} does not exist; SendSms is ${TENCENT_SMS_VERSION}.`);
  if (!header(h, 'x-tc-region')) return error('MissingParameter', 'The request is missing the required parameter Region (X-TC-Region).');

  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
  } catch {
    return error('InvalidParameter', 'The request body is not a JSON object.');
  }
  const appId = config.appId ?? DEFAULT_SMS_APP_ID;
  if (body.SmsSdkAppId !== appId) return error('InvalidParameterValue.SdkAppIdNotExist', `SdkAppId ${String(body.SmsSdkAppId ?? '(none)')} does not exist.`);
  if (typeof body.SignName !== 'string' || !body.SignName.trim()) return error('FailedOperation.SignatureIncorrectOrUnapproved', 'The signature (SignName) is empty or not approved.');
  if (body.TemplateId !== config.templateCode) return error('FailedOperation.TemplateIncorrectOrUnapproved', `Template ${String(body.TemplateId ?? '(none)')} is not approved or does not exist.`);
  const params = body.TemplateParamSet;
  if (!Array.isArray(params) || params.some((v) => typeof v !== 'string')) return error('InvalidParameterValue.TemplateParameterFormatError', 'TemplateParamSet must be an array of strings.');
  if (params.length !== TEMPLATE_VARIABLES) {
    return error('FailedOperation.TemplateParamSetNotMatchApprovedTemplate', `TemplateParamSet has ${params.length} values; template ${config.templateCode} has ${TEMPLATE_VARIABLES} variable.`);
  }
  const long = (params as string[]).findIndex((v) => Array.from(v).length > VARIABLE_MAX);
  if (long >= 0) return error('InvalidParameterValue.TemplateParameterLengthLimit', `Template variable ${long + 1} is longer than ${VARIABLE_MAX} characters.`);
  const numbers = body.PhoneNumberSet;
  if (!Array.isArray(numbers) || numbers.length === 0) return error('MissingParameter.EmptyPhoneNumberSet', 'PhoneNumberSet is empty.');
  if (numbers.length > NUMBERS_MAX) return error('LimitExceeded.PhoneNumberCountLimit', `PhoneNumberSet has ${numbers.length} numbers, more than ${NUMBERS_MAX}.`);
  const context = typeof body.SessionContext === 'string' ? body.SessionContext : '';
  const valid = numbers.map(mobile).filter((n): n is string => n !== undefined);
  if (new Set(valid.map((n) => /^1\d{10}$/.test(n))).size > 1) {
    return error('UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber', 'PhoneNumberSet mixes mainland China and other numbers; send them in separate requests.');
  }

  // Each number on its own: a bad one is refused, the others are sent.
  const SendStatusSet = numbers.map((n) => {
    const status = { SerialNo: '', PhoneNumber: String(n), Fee: 0, SessionContext: context, Code: 'Ok', Message: 'send success', IsoCode: '' };
    const number = mobile(n);
    if (!number) return { ...status, Code: 'InvalidParameterValue.IncorrectPhoneNumber', Message: 'incorrect number format' };
    const key = `${context}\n${number}`;
    const earlier = context ? sent.get(key) : undefined;
    const iso = /^1\d{10}$/.test(number) ? 'CN' : '';
    if (earlier) return { ...status, SerialNo: earlier, Fee: 1, Message: `send success (SessionContext already accepted as ${earlier}; not sent again)`, IsoCode: iso };
    const serialNo = `${Date.now()}:${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    keepSms(config.dir, {
      provider: 'tencent',
      bizId: serialNo,
      receivedAt: new Date(now).toISOString(),
      outId: context || undefined,
      phoneNumbers: [number],
      signName: body.SignName as string,
      templateCode: config.templateCode,
      templateParam: Object.fromEntries((params as string[]).map((v, i) => [String(i + 1), v])),
    });
    if (context) sent.set(key, serialNo);
    return { ...status, SerialNo: serialNo, Fee: 1, IsoCode: iso };
  });
  return { status: 200, body: { Response: { SendStatusSet, RequestId: randomUUID() } } };
}
