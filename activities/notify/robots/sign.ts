// How DingTalk and Feishu robots with "加签" (signing) check that a message comes from someone who
// holds the robot's secret; one home for the sender (webhook.ts) and the local robot server
// (apps/im-robots). WeCom has no signing: its URL's key is the only credential.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Both robots refuse a timestamp further than this from their clock. */
export const SIGN_WINDOW_MS = 60 * 60_000;

/** DingTalk: base64(HmacSHA256(key = secret, msg = `${timestamp ms}\n${secret}`)); sent URL-encoded in `sign`. */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** Feishu: base64(HmacSHA256(key = `${timestamp s}\n${secret}`, msg = "")); sent in the body with `timestamp`. */
export function feishuSign(secret: string, timestampS: number): string {
  return createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64');
}

/** The DingTalk URL with `timestamp` and `sign` added (URLSearchParams encodes `+`, `/`, `=`). */
export function dingtalkSignedUrl(url: URL, secret: string, nowMs: number): URL {
  const signed = new URL(url.href);
  signed.searchParams.set('timestamp', String(nowMs));
  signed.searchParams.set('sign', dingtalkSign(secret, nowMs));
  return signed;
}

/** The Feishu body with `timestamp` (seconds, as text, as Feishu's examples send it) and `sign` first. */
export function feishuSignedBody(body: Record<string, unknown>, secret: string, nowMs: number): Record<string, unknown> {
  const ts = Math.floor(nowMs / 1000);
  return { timestamp: String(ts), sign: feishuSign(secret, ts), ...body };
}

/** Constant-time comparison of a signature as received with the expected one. */
export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
