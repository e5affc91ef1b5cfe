import { randomBytes } from 'node:crypto';

/** `inc-20261123-k3x9q2` (drills: `drill-…`): sortable by day, short enough to read out on a call. */
export function newIncidentId(now = new Date(), prefix: 'inc' | 'drill' = 'inc'): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const suffix = [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
  return `${prefix}-${day}-${suffix}`;
}
