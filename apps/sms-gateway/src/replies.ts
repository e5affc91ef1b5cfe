// Simulated replies: a test or a person at the console says "this number answered with this text",
// and the gateway reports it to Yingji as Aliyun reports an SmsUp (上行短信) message, signed with its
// key secret so the receiver knows it came from here.
import { SMS_REPLY_HEADERS, smsReplySignature, SmsUpReply } from '../../../domain/acknowledgement/sms-reply';
import type { SmsGatewayConfig } from './config';
import { listSms } from './store';

export interface ReplyRequest {
  phone: string;
  content: string;
}

/** Why a simulated reply cannot be taken, naming the field; undefined when it can. */
export function replyRequestProblem(body: unknown): string | undefined {
  const b = body as Partial<ReplyRequest> | undefined;
  if (!b || typeof b !== 'object' || Array.isArray(b)) return 'the body must be a JSON object { phone, content }';
  if (typeof b.phone !== 'string' || !/^\+?\d{5,15}$/.test(b.phone.trim())) return `phone must be the sender's number in digits (e.g. 13800138000), got ${JSON.stringify(b.phone)}`;
  if (typeof b.content !== 'string' || !b.content.trim() || b.content.length > 500) return 'content must be the reply text (1 to 500 characters)';
  return undefined;
}

/** `YYYY-MM-DD HH:mm:ss` in Beijing time, as Aliyun writes send_time. */
function beijing(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

let sequence = 0;

/** Reports one reply to the configured URL; answers with the receiver's status and body. */
export async function reportReply(config: SmsGatewayConfig, r: ReplyRequest, now = new Date()): Promise<{ status: number; body: unknown }> {
  const phone = r.phone.trim().replace(/^\+?86(?=1\d{10}$)/, '');
  // The signature of the last message this number got, as the operator would tell it.
  const last = listSms(config.dir).reverse().find((m) => m.phoneNumbers.includes(phone));
  const reply: SmsUpReply = { phone_number: phone, content: r.content, send_time: beijing(now), sign_name: last?.signName ?? '', dest_code: '', sequence_id: ++sequence };
  const timestamp = now.toISOString();
  const res = await fetch(config.replyUrl!, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [SMS_REPLY_HEADERS.keyId]: config.accessKeyId,
      [SMS_REPLY_HEADERS.timestamp]: timestamp,
      [SMS_REPLY_HEADERS.signature]: smsReplySignature(config.accessKeySecret, timestamp, [reply]),
    },
    body: JSON.stringify([reply]),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: passed on as text
  }
  return { status: res.status, body };
}
