import type { DrillFact } from './compliance.types';
import { assessDrLevel, drLevelOf } from './dr-level';
import { DEFAULT_THRESHOLDS } from './thresholds';

const MIN = 60_000, HOUR = 60 * MIN, DAY = 24 * HOUR;
const NOW = new Date('2026-12-01T12:00:00Z');

describe('DR level from measured RTO and RPO', () => {
  it.each([
    [20 * MIN, 0, 6],
    [20 * MIN, 10 * MIN, 5],
    [2 * HOUR, 30 * MIN, 5],
    [2 * HOUR, 0, 5],
    [2 * HOUR, 2 * HOUR, 2],
    [30 * HOUR, 20 * MIN, 2],
    [30 * HOUR, 3 * DAY, 2],
    [3 * DAY, 2 * DAY, 1],
    [3 * DAY, 8 * DAY, 0],
  ])('RTO %d ms, RPO %d ms → L%d', (rto, rpo, level) => {
    expect(drLevelOf(rto, rpo).level).toBe(level);
  });

  it('says when the middle levels are unverified, and that an unrestored drill has no level', () => {
    expect(drLevelOf(2 * HOUR, 2 * HOUR).why).toBe('RTO 2.0 h, RPO 2.0 h: L2 (RTO under 2 d, RPO within 7 d); L3–L4 criteria are unverified, so L2 is the level it certainly meets');
    expect(drLevelOf(undefined, 0)).toEqual({ level: 0, why: 'service was not restored' });
  });

  it('takes the worst of the last three scored live drills in the window; tabletop drills do not count', () => {
    const d = (id: string, daysAgo: number, rtoMs: number, rpoMs: number, mode: DrillFact['mode'] = 'live-drill'): DrillFact => ({
      id, planId: 'p', planVersion: 1, mode, startedAt: new Date(NOW.getTime() - daysAgo * DAY), finishedAt: NOW, scoredAt: NOW, findings: 0, improvementItems: 0, rtoMs, rpoMs,
    });
    const a = assessDrLevel([d('new', 1, 10 * MIN, 0), d('mid', 5, 2 * HOUR, 20 * MIN), d('table', 2, 1, 0, 'tabletop'), d('old', 10, 3 * DAY, 2 * DAY), d('oldest', 20, 30 * HOUR, 3 * HOUR)], NOW, DEFAULT_THRESHOLDS);
    expect(a.drills.map((x) => `${x.id} L${x.level}`)).toEqual(['new L6', 'mid L5', 'old L1']);
    expect(a.level).toBe(1);
    expect(assessDrLevel([d('ancient', 400, MIN, 0)], NOW, DEFAULT_THRESHOLDS).level).toBeNull();
  });
});
