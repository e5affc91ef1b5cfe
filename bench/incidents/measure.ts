// Pure helpers of bench/incidents: percentiles, the run order, and the pass criteria.

/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new Error('no samples');
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const median = (xs: readonly number[]) => percentile(xs, 50);

/**
 * Who runs first in each round: peer then Yingji, then Yingji then peer (ABBA), so whatever drifts
 * during a run (a growing database, a warming cache) weighs on both alike.
 */
export function roundOrder<A, B>(rounds: number, peer: A, ours: B): Array<[A | B, A | B]> {
  return Array.from({ length: rounds }, (_, i) => (i % 2 === 0 ? [peer, ours] : [ours, peer]));
}

export interface Figures {
  launchesPerS: number;
  p50: number;
  p99: number;
  singleMs: number;
}

/** Issue 17's "done when": Yingji within 1.3x of the fair peer at p50 and p99, ≥ 0.8x its launches, single incident within 1.5x. */
export function criteria(ours: Figures, peer: Figures): Array<{ what: string; ratio: number; limit: string; pass: boolean }> {
  const launches = ours.launchesPerS / peer.launchesPerS;
  const p50 = ours.p50 / peer.p50;
  const p99 = ours.p99 / peer.p99;
  const single = ours.singleMs / peer.singleMs;
  return [
    { what: 'launches/s', ratio: launches, limit: '>= 0.80', pass: launches >= 0.8 },
    { what: 'p50 next state after a completion', ratio: p50, limit: '<= 1.30', pass: p50 <= 1.3 },
    { what: 'p99 next state after a completion', ratio: p99, limit: '<= 1.30', pass: p99 <= 1.3 },
    { what: 'single incident, launch to next state', ratio: single, limit: '<= 1.50', pass: single <= 1.5 },
  ];
}
