import { createHmac } from 'node:crypto';
import { ACK_LINK_TTL_MS, AckClaims, ackCodeFor, ackLinkId, AckLinkRefused, signAckToken, verifyAckToken } from '../../domain/acknowledgement/ack-link';
import { ackLinkFor, ackSettingsFrom } from '../../apps/shared/ack-settings';

const SECRET = 'a'.repeat(16) + 'b'.repeat(16) + 'c'.repeat(16);
const NOW = new Date('2026-12-02T03:00:00Z');
const claims: AckClaims = {
  id: ackLinkId('notif-1', 'liu-yang'),
  incidentId: 'inc-20261202-abc123',
  taskId: 'inc-20261202-abc123:restore',
  person: 'liu-yang',
  expiresAt: new Date(NOW.getTime() + ACK_LINK_TTL_MS).toISOString(),
};

function refusal(f: () => unknown): AckLinkRefused {
  try {
    f();
  } catch (err) {
    if (err instanceof AckLinkRefused) return err;
    throw err;
  }
  throw new Error('expected the link to be refused');
}

/** The token with one character of its signature replaced (never the same character). */
function alterSignature(token: string, at: number): string {
  const i = token.indexOf('.') + 1 + at;
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

describe('acknowledgement links', () => {
  it('round-trips the claims, URL-safe, with no secret inside', () => {
    const token = signAckToken(claims, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(token).not.toContain(SECRET);
    expect(Buffer.from(token.split('.')[0], 'base64url').toString()).not.toContain(SECRET.slice(0, 8));
    expect(verifyAckToken(token, SECRET, NOW)).toEqual(claims);
  });

  it('refuses a changed character anywhere in the signature, including the last one, as forged', () => {
    const token = signAckToken(claims, SECRET);
    for (const at of [0, 20, 42]) {
      const r = refusal(() => verifyAckToken(alterSignature(token, at), SECRET, NOW));
      expect(r.reason).toBe('forged');
      expect(r.message).toMatch(/signature does not match/);
    }
  });

  it('refuses a link signed with another secret, or whose claims were edited, as forged', () => {
    expect(refusal(() => verifyAckToken(signAckToken(claims, SECRET.replace('a', 'z')), SECRET, NOW)).reason).toBe('forged');
    const [, sig] = signAckToken(claims, SECRET).split('.');
    const other = signAckToken({ ...claims, taskId: 'inc-20261202-abc123:other' }, SECRET).split('.')[0];
    const r = refusal(() => verifyAckToken(`${other}.${sig}`, SECRET, NOW));
    expect(r.reason).toBe('forged');
    expect(r.claimed?.taskId).toBe('inc-20261202-abc123:other'); // what it claimed, for the audit trail
  });

  it('refuses an authentic link at and after its expiry, naming when it expired', () => {
    const token = signAckToken(claims, SECRET);
    expect(verifyAckToken(token, SECRET, new Date(Date.parse(claims.expiresAt) - 1)).id).toBe(claims.id);
    const r = refusal(() => verifyAckToken(token, SECRET, new Date(claims.expiresAt)));
    expect(r.reason).toBe('expired');
    expect(r.message).toContain(claims.expiresAt);
  });

  it.each([['empty', ''], ['one part', 'abc'], ['three parts', 'a.b.c'], ['a space', 'a b.c'], ['too long', 'x'.repeat(3000) + '.y']])(
    'refuses a token that is %s as malformed',
    (_what, token) => {
      const r = refusal(() => verifyAckToken(token, SECRET, NOW));
      expect(r.reason).toBe('malformed');
      expect(r.message).toMatch(/not a Yingji acknowledgement link/);
    },
  );

  it('refuses a correctly signed payload that is not claims as malformed', () => {
    const payload = Buffer.from('{"i":"x"}').toString('base64url');
    const sig = createHmac('sha256', SECRET).update(`yingji/ack-link/v1\n${payload}`).digest('base64url');
    expect(refusal(() => verifyAckToken(`${payload}.${sig}`, SECRET, NOW)).reason).toBe('malformed');
  });

  it('will not sign incomplete claims or with an empty secret', () => {
    expect(() => signAckToken({ ...claims, person: '' }, SECRET)).toThrow('person must be a non-empty string');
    expect(() => signAckToken({ ...claims, expiresAt: 'tomorrow' }, SECRET)).toThrow('expiresAt "tomorrow" is not an ISO date');
    expect(() => signAckToken(claims, '')).toThrow('YINGJI_ACK_SECRET');
  });

  it('gives a six-digit reply code that depends on the link and the secret', () => {
    const code = ackCodeFor(claims, SECRET);
    expect(code).toMatch(/^\d{6}$/);
    expect(ackCodeFor(claims, SECRET)).toBe(code);
    const others = new Set(Array.from({ length: 20 }, (_, i) => ackCodeFor({ ...claims, id: ackLinkId(`notif-${i + 2}`, 'liu-yang') }, SECRET)));
    expect(others.size).toBeGreaterThan(15);
    expect(ackCodeFor(claims, SECRET.replace('a', 'z'))).not.toBe(code);
  });

  it('gives one link id per notice and person', () => {
    expect(ackLinkId('notif-1', 'liu-yang')).toBe(claims.id);
    expect(ackLinkId('notif-1', 'chen-jing')).not.toBe(claims.id);
    expect(ackLinkId('notif-2', 'liu-yang')).not.toBe(claims.id);
  });
});

describe('acknowledgement settings', () => {
  it('are off without a secret', () => {
    expect(ackSettingsFrom({})).toBeUndefined();
    expect(ackSettingsFrom({ YINGJI_ACK_SECRET: '  ', YINGJI_PUBLIC_URL: 'https://yingji.example.com' })).toBeUndefined();
  });

  it("default to the API's own address", () => {
    expect(ackSettingsFrom({ YINGJI_ACK_SECRET: SECRET })).toEqual({ secret: SECRET, publicUrl: 'http://127.0.0.1:3000' });
    expect(ackSettingsFrom({ YINGJI_ACK_SECRET: SECRET, YINGJI_API_HOST: '0.0.0.0', YINGJI_API_PORT: '8080' })?.publicUrl).toBe('http://127.0.0.1:8080');
  });

  it('make the link under the public URL', () => {
    const s = ackSettingsFrom({ YINGJI_ACK_SECRET: SECRET, YINGJI_PUBLIC_URL: 'https://yingji.example.com/app/' })!;
    const link = ackLinkFor(claims, s);
    expect(link.startsWith('https://yingji.example.com/app/ack/')).toBe(true);
    expect(verifyAckToken(link.split('/ack/')[1], SECRET, NOW)).toEqual(claims);
  });

  it('refuse a short secret or a bad URL, naming the setting', () => {
    expect(() => ackSettingsFrom({ YINGJI_ACK_SECRET: 'short' })).toThrow('YINGJI_ACK_SECRET must be at least 32 characters');
    expect(() => ackSettingsFrom({ YINGJI_ACK_SECRET: SECRET, YINGJI_PUBLIC_URL: 'ftp://x' })).toThrow('YINGJI_PUBLIC_URL must be an http:// or https:// address');
    expect(() => ackSettingsFrom({ YINGJI_ACK_SECRET: SECRET, YINGJI_PUBLIC_URL: 'https://u:p@x' })).toThrow('YINGJI_PUBLIC_URL');
  });
});
