// Acknowledge from the message: a task notice carries a signed link (and, by SMS, a short reply
// code). The link is the credential, so it names exactly one task and one person, expires, and is
// checked with an HMAC only the deployment knows; nothing secret is inside it.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Who may acknowledge which task, until when. `id` is the link's own id (single use is per id). */
export interface AckClaims {
  id: string;
  incidentId: string;
  taskId: string;
  person: string;
  /** ISO 8601 instant. */
  expiresAt: string;
}

/** A link's id: the same for every retry of one notice to one person, so a retried send makes the same link. */
export function ackLinkId(notificationId: string, person: string): string {
  return createHash('sha256').update(`${notificationId}\n${person}`).digest('hex').slice(0, 24);
}

/** How long a notice's link and code stay valid: a day covers a night shift and a slow reply. */
export const ACK_LINK_TTL_MS = 24 * 60 * 60 * 1000;

export type AckRefusalReason = 'forged' | 'expired' | 'malformed';

/** A link that does not let anyone acknowledge anything; `claimed` is what it says, unproven unless expired. */
export class AckLinkRefused extends Error {
  constructor(
    readonly reason: AckRefusalReason,
    message: string,
    readonly claimed?: Partial<AckClaims>,
  ) {
    super(message);
    this.name = 'AckLinkRefused';
  }
}

// Each use of the secret gets its own label, so a link signature can never serve as a code or back.
const LINK_LABEL = 'yingji/ack-link/v1\n';
const CODE_LABEL = 'yingji/ack-code/v1\n';

const B64URL = /^[A-Za-z0-9_-]+$/;
const FIELDS = ['id', 'incidentId', 'taskId', 'person', 'expiresAt'] as const;
/** Short keys keep the link short enough for a chat message. */
const SHORT: Record<(typeof FIELDS)[number], string> = { id: 'i', incidentId: 'n', taskId: 't', person: 'p', expiresAt: 'e' };

function mac(secret: string, label: string, data: string): Buffer {
  if (!secret) throw new Error('the acknowledgement secret is empty (set YINGJI_ACK_SECRET)');
  return createHmac('sha256', secret).update(label + data).digest();
}

function checkClaims(c: AckClaims): void {
  for (const f of FIELDS) {
    if (typeof c?.[f] !== 'string' || !c[f]) throw new Error(`acknowledgement claims: ${f} must be a non-empty string`);
  }
  if (Number.isNaN(Date.parse(c.expiresAt))) throw new Error(`acknowledgement claims: expiresAt "${c.expiresAt}" is not an ISO date`);
}

/** `<payload>.<signature>`, both base64url: safe in a URL path without escaping. */
export function signAckToken(c: AckClaims, secret: string): string {
  checkClaims(c);
  const payload = Buffer.from(JSON.stringify(Object.fromEntries(FIELDS.map((f) => [SHORT[f], c[f]])))).toString('base64url');
  return `${payload}.${mac(secret, LINK_LABEL, payload).toString('base64url')}`;
}

/** What a payload says, whether or not it is signed; undefined when it is not ours at all. */
function decode(payload: string): AckClaims | undefined {
  try {
    const raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (!raw || typeof raw !== 'object') return undefined;
    const c = Object.fromEntries(FIELDS.map((f) => [f, raw[SHORT[f]]])) as unknown as AckClaims;
    return FIELDS.every((f) => typeof c[f] === 'string' && c[f]) && !Number.isNaN(Date.parse(c.expiresAt)) ? c : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The claims of a link Yingji signed and that has not expired at `now`. Throws AckLinkRefused:
 * `malformed` (not a link of ours), `forged` (signature does not match: altered or made elsewhere),
 * `expired` (authentic but too old).
 */
export function verifyAckToken(token: string, secret: string, now: Date): AckClaims {
  const parts = typeof token === 'string' && token.length <= 2048 ? token.split('.') : [];
  if (parts.length !== 2 || !B64URL.test(parts[0]) || !B64URL.test(parts[1])) {
    throw new AckLinkRefused('malformed', 'acknowledgement link refused: it is not a Yingji acknowledgement link (expected <payload>.<signature>)');
  }
  const [payload, signature] = parts;
  const claimed = decode(payload);
  // Compare the encoded text, not decoded bytes: base64url's last character carries spare bits, and
  // a changed character must never verify.
  const expected = Buffer.from(mac(secret, LINK_LABEL, payload).toString('base64url'));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AckLinkRefused('forged', 'acknowledgement link refused: its signature does not match (altered, or not signed by this deployment)', claimed);
  }
  if (!claimed) throw new AckLinkRefused('malformed', 'acknowledgement link refused: its signed content is not a set of acknowledgement claims');
  if (now.getTime() >= Date.parse(claimed.expiresAt)) {
    throw new AckLinkRefused('expired', `acknowledgement link refused: it expired at ${new Date(claimed.expiresAt).toISOString()}`, claimed);
  }
  return claimed;
}

/** Six digits to reply by SMS, from an HMAC of the link id (RFC 4226's dynamic truncation). */
export function ackCodeFor(c: AckClaims, secret: string): string {
  checkClaims(c);
  const h = mac(secret, CODE_LABEL, c.id);
  const offset = h[h.length - 1] & 0x0f;
  const n = h.readUInt32BE(offset) & 0x7fffffff;
  return String(n % 1_000_000).padStart(6, '0');
}
