import { parseDays, reviewOutcome, reviewedTokenIds, withoutKept } from './decisions';
import { Finding, reviewAccess, ReviewedToken } from './review';

const NOW = new Date('2026-12-01T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const token = (id: string, over: Partial<ReviewedToken> = {}): ReviewedToken => ({
  id, person: `p-${id}`, teams: ['dba'], roles: ['responder'], createdAt: daysAgo(200), expiresAt: daysAgo(-100), revokedAt: null, lastUsedAt: daysAgo(120), ...over,
});
const findings = (ts: ReviewedToken[], at = NOW) => reviewAccess(ts, at).findings;
const kept = (f: Finding, decidedAt: Date) => ({ tokenId: f.tokenId, kind: f.kind, basis: f.basis, decidedAt });

describe('access review decisions', () => {
  it('leaves out a kept finding while it rests on the same thing, within the keep days', () => {
    const [idle] = findings([token('idle')]);
    // A month later the same token is still unused since the same day: still kept.
    const later = new Date(NOW.getTime() + 30 * 86_400_000);
    expect(withoutKept(findings([token('idle')], later), [kept(idle, NOW)], later)).toEqual([]);
  });

  it('raises a kept finding again once the days pass', () => {
    const [idle] = findings([token('idle')]);
    const later = new Date(NOW.getTime() + 91 * 86_400_000);
    expect(withoutKept(findings([token('idle')], later), [kept(idle, NOW)], later).map((f) => f.tokenId)).toEqual(['idle']);
    expect(withoutKept(findings([token('idle')], later), [kept(idle, NOW)], later, 120)).toEqual([]);
  });

  it('raises a kept finding again when what it rests on changes', () => {
    const [idle] = findings([token('idle')]);
    // Used once after the decision, then idle again for months: a new stale finding.
    const later = new Date(NOW.getTime() + 95 * 86_400_000);
    const usedAgain = token('idle', { lastUsedAt: daysAgo(-1) });
    const again = withoutKept(findings([usedAgain], later), [kept(idle, NOW)], later, 120);
    expect(again.map((f) => `${f.kind} ${f.tokenId}`)).toEqual(['stale idle']);
    // Admin and auditor kept for two tokens; a third admin token changes the finding for all of them.
    const both = [token('a', { person: 'chen', roles: ['admin'], lastUsedAt: NOW }), token('b', { person: 'chen', roles: ['auditor'], lastUsedAt: NOW })];
    const keeps = findings(both).map((f) => kept(f, NOW));
    expect(withoutKept(findings(both), keeps, NOW)).toEqual([]);
    const more = [...both, token('c', { person: 'chen', roles: ['admin'], lastUsedAt: NOW })];
    expect(withoutKept(findings(more), keeps, NOW).map((f) => f.tokenId).sort()).toEqual(['a', 'b', 'c']);
  });

  it('keeps one decision per token and counts the outcome', () => {
    const fs = findings([token('x', { person: 'chen', roles: ['admin'] }), token('y', { person: 'chen', roles: ['auditor'], lastUsedAt: NOW })]);
    // x is both stale and admin-and-auditor: one token to decide.
    expect(fs.map((f) => f.tokenId).sort()).toEqual(['x', 'x', 'y']);
    expect(reviewedTokenIds(fs).sort()).toEqual(['x', 'y']);
    expect(reviewOutcome(['keep', 'revoke', 'keep'])).toBe('2 kept, 1 revoked');
  });

  it('reads a number of days from a setting, naming it when it is wrong', () => {
    expect(parseDays('YINGJI_ACCESS_KEEP_DAYS', undefined, 90)).toBe(90);
    expect(parseDays('YINGJI_ACCESS_KEEP_DAYS', '30', 90)).toBe(30);
    expect(() => parseDays('YINGJI_ACCESS_KEEP_DAYS', '0', 90)).toThrow('YINGJI_ACCESS_KEEP_DAYS "0" must be a whole number of days above zero, e.g. 90');
    expect(() => parseDays('YINGJI_ACCESS_KEEP_DAYS', '2w', 90)).toThrow('YINGJI_ACCESS_KEEP_DAYS "2w"');
  });
});
