// A person's SMS reply, as the gateway reports it (Aliyun's SmsUp shape), and the signature that
// proves the report came from our gateway: Aliyun's own HTTP push carries none, so the gateway signs
// with the key secret both sides already share (the one SendSms requests are signed with).
import { createHmac, timingSafeEqual } from 'node:crypto';

/** One reply, field for field as Aliyun's SmsUp message. */
export interface SmsUpReply {
  /** The sender, national digits for China (13800138000). */
  phone_number: string;
  content: string;
  /** `YYYY-MM-DD HH:mm:ss`, Beijing time. */
  send_time: string;
  sign_name: string;
  dest_code: string;
  sequence_id: number;
}

/** Headers of a signed reply report. */
export const SMS_REPLY_HEADERS = { keyId: 'x-yingji-sms-key-id', timestamp: 'x-yingji-sms-timestamp', signature: 'x-yingji-sms-signature' } as const;

/** A report older (or newer) than this is refused: a captured one cannot be replayed later. */
export const SMS_REPLY_MAX_AGE_MS = 5 * 60_000;

/** The reports' fields in a fixed order, so the signature does not depend on how JSON was spaced or ordered. */
function canonical(replies: SmsUpReply[]): string {
  return JSON.stringify(replies.map((r) => [r.phone_number, r.content, r.send_time, r.sign_name, r.dest_code, r.sequence_id]));
}

/** base64 HMAC-SHA256 over `<timestamp>\n<canonical replies>`, keyed with the access key secret. */
export function smsReplySignature(accessKeySecret: string, timestamp: string, replies: SmsUpReply[]): string {
  return createHmac('sha256', accessKeySecret).update(`${timestamp}\n${canonical(replies)}`).digest('base64');
}

/** Why a report is not to be believed, or undefined when its key, age and signature check out. */
export function smsReplyProblem(
  key: { accessKeyId: string; accessKeySecret: string },
  h: { keyId?: string; timestamp?: string; signature?: string },
  replies: SmsUpReply[],
  now: Date,
): string | undefined {
  if (!h.keyId || !h.timestamp || !h.signature) return `the report is not signed (headers ${Object.values(SMS_REPLY_HEADERS).join(', ')} are required)`;
  if (h.keyId !== key.accessKeyId) return 'the report is signed with an unknown access key';
  const at = Date.parse(h.timestamp);
  if (!/Z$/.test(h.timestamp) || Number.isNaN(at) || Math.abs(now.getTime() - at) > SMS_REPLY_MAX_AGE_MS) {
    return `the report's timestamp ${h.timestamp.slice(0, 40)} is not within ${SMS_REPLY_MAX_AGE_MS / 60_000} minutes of now`;
  }
  const expected = Buffer.from(smsReplySignature(key.accessKeySecret, h.timestamp, replies));
  const given = Buffer.from(h.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'the report\'s signature does not match';
  return undefined;
}

/** Where a report's body is not a list of SmsUp replies, named by its path; undefined when it is. */
export function smsUpProblem(body: unknown): string | undefined {
  if (!Array.isArray(body)) return 'the body must be a JSON array of replies ({ phone_number, content, send_time, sign_name, dest_code, sequence_id })';
  if (body.length === 0 || body.length > 100) return `the body must hold 1 to 100 replies, got ${body.length}`;
  for (const [i, r] of body.entries()) {
    if (!r || typeof r !== 'object') return `[${i}] must be an object`;
    for (const f of ['phone_number', 'content', 'send_time', 'sign_name', 'dest_code'] as const) {
      if (typeof (r as Record<string, unknown>)[f] !== 'string') return `[${i}].${f} must be a string`;
    }
    if (!Number.isInteger((r as Record<string, unknown>).sequence_id)) return `[${i}].sequence_id must be an integer`;
    if ((r as SmsUpReply).content.length > 500) return `[${i}].content is longer than 500 characters`;
  }
  return undefined;
}

/** The six-digit code in a reply ("123456", "确认 123456", "ok 123456"), if there is exactly one. */
export function replyCode(content: string): string | undefined {
  const codes = content.match(/(?<!\d)\d{6}(?!\d)/g) ?? [];
  return codes.length === 1 ? codes[0] : undefined;
}
