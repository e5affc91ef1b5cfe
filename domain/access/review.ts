// Access review (GB/T 22239 level 3 asks for it): who holds which token, and the grants to take
// away. Pure: the caller gives the tokens and the time.

const DAY_MS = 24 * 60 * 60 * 1000;

/** A grant is stale when nobody used it (or, never used, since it was issued) for more than this. */
export const DEFAULT_STALE_DAYS = 90;

export interface ReviewedToken {
  id: string;
  person: string;
  teams: string[];
  roles: string[];
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export type FindingKind = 'stale' | 'expired-not-revoked' | 'admin-and-auditor';

export interface Finding {
  kind: FindingKind;
  tokenId: string;
  person: string;
  why: string;
  /**
   * What the finding rests on (the last use, the expiry, the admin and auditor tokens held): a grant
   * security decided to keep is raised again once this changes. Always set by reviewAccess.
   */
  basis?: string;
}

/** One person: the roles and teams their live tokens give them, and every token of theirs. */
export interface PersonAccess {
  person: string;
  roles: string[];
  teams: string[];
  tokens: string[];
}

export interface AccessReview {
  at: Date;
  staleDays: number;
  people: PersonAccess[];
  findings: Finding[];
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const isLive = (t: ReviewedToken, now: Date) => !t.revokedAt && t.expiresAt.getTime() > now.getTime();
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/** The findings of one review: stale grants, expired grants nobody revoked, and admin held with auditor. */
export function reviewAccess(tokens: readonly ReviewedToken[], now: Date, staleDays = DEFAULT_STALE_DAYS): AccessReview {
  const findings: Finding[] = [];
  for (const t of tokens) {
    if (t.revokedAt) continue;
    if (!isLive(t, now)) {
      findings.push({ kind: 'expired-not-revoked', tokenId: t.id, person: t.person, why: `expired ${day(t.expiresAt)} and was never revoked`, basis: `expires ${t.expiresAt.toISOString()}` });
      continue;
    }
    const since = t.lastUsedAt ?? t.createdAt;
    const idleDays = (now.getTime() - since.getTime()) / DAY_MS;
    if (idleDays > staleDays) {
      const what = t.lastUsedAt ? `last used ${day(t.lastUsedAt)}` : `never used since it was issued ${day(t.createdAt)}`;
      findings.push({ kind: 'stale', tokenId: t.id, person: t.person, why: `${what}: unused for ${Math.floor(idleDays)} days (more than ${staleDays})`, basis: `last used ${t.lastUsedAt?.toISOString() ?? 'never'}` });
    }
  }
  const people = new Map<string, ReviewedToken[]>();
  for (const t of tokens) people.set(t.person, [...(people.get(t.person) ?? []), t]);
  // Separation of duties: whoever administers Yingji must not also be the one who audits it.
  for (const [person, theirs] of people) {
    const live = theirs.filter((t) => isLive(t, now));
    const roles = new Set(live.flatMap((t) => t.roles));
    if (!roles.has('admin') || !roles.has('auditor')) continue;
    const holding = live.filter((t) => t.roles.includes('admin') || t.roles.includes('auditor'));
    const list = holding.map((t) => `${t.id} (${t.roles.filter((r) => r === 'admin' || r === 'auditor').join(', ')})`).join(', ');
    const basis = `admin and auditor tokens ${holding.map((t) => t.id).sort().join(', ')}`;
    for (const t of holding) findings.push({ kind: 'admin-and-auditor', tokenId: t.id, person, why: `${person} holds both admin and auditor: ${list}`, basis });
  }
  return {
    at: now,
    staleDays,
    people: [...people]
      .map(([person, theirs]) => {
        const live = theirs.filter((t) => isLive(t, now));
        return { person, roles: sorted(live.flatMap((t) => t.roles)), teams: sorted(live.flatMap((t) => t.teams)), tokens: theirs.map((t) => t.id) };
      })
      .sort((a, b) => a.person.localeCompare(b.person)),
    findings,
  };
}

/** The stale threshold from its setting (YINGJI_ACCESS_STALE_DAYS): a whole number of days above zero. */
export function parseStaleDays(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_STALE_DAYS;
  if (!/^\d+$/.test(value.trim()) || Number(value) <= 0) throw new Error(`YINGJI_ACCESS_STALE_DAYS "${value}" must be a whole number of days above zero, e.g. 90`);
  return Number(value);
}
