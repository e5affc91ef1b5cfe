import { criteria, median, percentile, roundOrder } from '../../bench/incidents/measure';

describe('bench/incidents helpers', () => {
  it('takes nearest-rank percentiles, so p99 of 100 samples is the 99th smallest, not the largest', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(median([5, 1, 3])).toBe(3);
    expect(() => percentile([], 50)).toThrow('no samples');
  });

  it('alternates who runs first, round by round (peer, Yingji, then Yingji, peer)', () => {
    expect(roundOrder(3, 'peer', 'yingji')).toEqual([
      ['peer', 'yingji'],
      ['yingji', 'peer'],
      ['peer', 'yingji'],
    ]);
  });

  it("judges issue 17's criteria: fewer launches is a ratio below 1, slower latencies a ratio above 1", () => {
    const peer = { launchesPerS: 100, p50: 40, p99: 100, singleMs: 60 };
    const verdict = (ours: typeof peer) => Object.fromEntries(criteria(ours, peer).map((c) => [c.what.split(' ')[0], c.pass]));
    expect(verdict({ launchesPerS: 80, p50: 52, p99: 130, singleMs: 90 })).toEqual({ 'launches/s': true, p50: true, p99: true, single: true });
    expect(verdict({ launchesPerS: 79, p50: 53, p99: 131, singleMs: 91 })).toEqual({ 'launches/s': false, p50: false, p99: false, single: false });
  });
});
