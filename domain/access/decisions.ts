// The scheduled access review's decisions: security keeps or revokes each grant a review found.
// Pure: the caller gives the findings, the earlier decisions and the time.
import type { Finding, FindingKind } from './review';

const DAY_MS = 24 * 60 * 60 * 1000;

export const DECISIONS = ['keep', 'revoke'] as const;
export type Decision = (typeof DECISIONS)[number];

/** A kept grant is not raised again for this long (unless what its finding rests on changes). */
export const DEFAULT_KEEP_DAYS = 90;

/** A finding that security decided to keep, as it was when they decided. */
export interface KeptFinding {
  tokenId: string;
  kind: FindingKind;
  basis?: string;
  decidedAt: Date;
}

/**
 * The findings still to put before security: a finding kept within `keepDays` is left out while it
 * rests on the same thing (the same last use, expiry, or admin and auditor tokens); once that
 * changes, or the days pass, it is raised again.
 */
export function withoutKept(findings: readonly Finding[], kept: readonly KeptFinding[], now: Date, keepDays = DEFAULT_KEEP_DAYS): Finding[] {
  const since = now.getTime() - keepDays * DAY_MS;
  const holds = (f: Finding) => kept.some((k) => k.tokenId === f.tokenId && k.kind === f.kind && k.basis === f.basis && k.decidedAt.getTime() > since);
  return findings.filter((f) => !holds(f));
}

/** The tokens a review asks about, each once, in the order of its findings. */
export const reviewedTokenIds = (findings: readonly Pick<Finding, 'tokenId'>[]): string[] => [...new Set(findings.map((f) => f.tokenId))];

/** How a finished review ended, e.g. `2 kept, 1 revoked`. */
export function reviewOutcome(decisions: readonly Decision[]): string {
  const kept = decisions.filter((d) => d === 'keep').length;
  const revoked = decisions.filter((d) => d === 'revoke').length;
  return `${kept} kept, ${revoked} revoked`;
}

/** A whole number of days above zero from a setting such as YINGJI_ACCESS_KEEP_DAYS, else the default. */
export function parseDays(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  if (!/^\d+$/.test(value.trim()) || Number(value) <= 0) throw new Error(`${name} "${value}" must be a whole number of days above zero, e.g. ${fallback}`);
  return Number(value);
}
