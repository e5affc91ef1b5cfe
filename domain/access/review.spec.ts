import { parseStaleDays, reviewAccess, ReviewedToken } from './review';

const NOW = new Date('2026-12-01T12:00:00Z');
const daysAgo = (d: number, extraMs = 0) => new Date(NOW.getTime() - d * 86_400_000 - extraMs);
const inDays = (d: number) => new Date(NOW.getTime() + d * 86_400_000);

const token = (id: string, over: Partial<ReviewedToken> = {}): ReviewedToken => ({
  id, person: `p-${id}`, teams: ['dba'], roles: ['responder'], createdAt: daysAgo(10), expiresAt: inDays(20), revokedAt: null, lastUsedAt: daysAgo(1), ...over,
});
const kinds = (ts: ReviewedToken[], staleDays?: number) =>
  reviewAccess(ts, NOW, staleDays).findings.map((f) => `${f.kind} ${f.tokenId} ${f.person}`).sort();

describe('access review', () => {
  it('finds nothing for a healthy token', () => {
    expect(reviewAccess([token('healthy')], NOW).findings).toEqual([]);
  });

  it('lists exactly the stale, expired and over-privileged grants of an arranged set', () => {
    const ts = [
      token('healthy'),
      token('idle', { createdAt: daysAgo(200), expiresAt: inDays(100), lastUsedAt: daysAgo(120) }),
      token('never', { createdAt: daysAgo(91), expiresAt: inDays(200), lastUsedAt: null }),
      token('newish', { createdAt: daysAgo(5), lastUsedAt: null }),
      token('lapsed', { expiresAt: daysAgo(3), lastUsedAt: daysAgo(200) }),
      token('revoked', { expiresAt: daysAgo(3), revokedAt: daysAgo(4), lastUsedAt: daysAgo(300) }),
      token('boss-admin', { person: 'boss', roles: ['admin'] }),
      token('boss-audit', { person: 'boss', roles: ['auditor'] }),
      token('both', { person: 'solo', roles: ['admin', 'auditor'] }),
      // Admin and auditor, but the auditor token is revoked: no longer both.
      token('was-admin', { person: 'ok', roles: ['admin'] }),
      token('was-audit', { person: 'ok', roles: ['auditor'], revokedAt: daysAgo(1) }),
    ];
    expect(kinds(ts)).toEqual([
      'admin-and-auditor boss-admin boss',
      'admin-and-auditor boss-audit boss',
      'admin-and-auditor both solo',
      'expired-not-revoked lapsed p-lapsed',
      'stale idle p-idle',
      'stale never p-never',
    ]);
  });

  it('says why: the last use, or never used since it was issued', () => {
    const f = reviewAccess([token('idle', { lastUsedAt: daysAgo(120), createdAt: daysAgo(200), expiresAt: inDays(100) }), token('never', { createdAt: daysAgo(100), expiresAt: inDays(100), lastUsedAt: null })], NOW).findings;
    expect(f.map((x) => x.why)).toEqual([
      'last used 2026-08-03: unused for 120 days (more than 90)',
      'never used since it was issued 2026-08-23: unused for 100 days (more than 90)',
    ]);
  });

  it('is stale only past 90 days: exactly 90 days is not, a minute more is', () => {
    expect(kinds([token('edge', { createdAt: daysAgo(200), expiresAt: inDays(100), lastUsedAt: daysAgo(90) })])).toEqual([]);
    expect(kinds([token('edge', { createdAt: daysAgo(200), expiresAt: inDays(100), lastUsedAt: daysAgo(90, 60_000) })])).toEqual(['stale edge p-edge']);
  });

  it('takes the threshold from its setting', () => {
    const t = token('idle', { lastUsedAt: daysAgo(31) });
    expect(kinds([t], 30)).toEqual(['stale idle p-idle']);
    expect(parseStaleDays(undefined)).toBe(90);
    expect(parseStaleDays('30')).toBe(30);
    expect(() => parseStaleDays('0')).toThrow('YINGJI_ACCESS_STALE_DAYS "0" must be a whole number of days above zero, e.g. 90');
    expect(() => parseStaleDays('3 months')).toThrow('YINGJI_ACCESS_STALE_DAYS "3 months"');
  });

  it('lists every person with their live roles and teams and all their tokens', () => {
    const r = reviewAccess([token('a1', { person: 'ann', roles: ['commander'], teams: ['it-ops'] }), token('a2', { person: 'ann', roles: ['admin'], teams: [], revokedAt: daysAgo(1) })], NOW);
    expect(r.people).toEqual([{ person: 'ann', roles: ['commander'], teams: ['it-ops'], tokens: ['a1', 'a2'] }]);
  });
});
