// The tax-platform client's backoff: the schedule is exponential, capped, jittered only within its
// limits, and retrying stops at the attempt and time bounds; a clock and randomness are injected.
import fc from 'fast-check';
import { DEFAULT_RETRY_POLICY, TaxPlatformError, backoffDelay, retryPolicy, withRetry } from '../../activities/tax-platform';
import type { RetryClock, RetryPolicy } from '../../activities/tax-platform';

const policy: RetryPolicy = { maxAttempts: 6, initialDelayMs: 100, multiplier: 2, maxDelayMs: 1_000, maxElapsedMs: 60_000, jitter: 0.5 };

/** A clock whose sleeps pass instantly and are recorded. */
function fakeClock(random: () => number = () => 0): RetryClock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return { slept, now: () => t, random, sleep: async (ms) => void (slept.push(ms), (t += ms)) };
}

const down = () => new TaxPlatformError({ code: 'http-503', httpStatus: 503, message: 'down' });

describe('tax-platform client backoff', () => {
  it('doubles from the initial wait up to the cap; with no jitter drawn the waits are the base schedule', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('jitter only shortens a wait, by at most its share, and never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (n, r, jitter) => {
        const p = { ...policy, jitter };
        const base = Math.min(p.maxDelayMs, p.initialDelayMs * p.multiplier ** (n - 1));
        const d = backoffDelay(n, p, () => r);
        expect(d).toBeLessThanOrEqual(base);
        expect(d).toBeGreaterThanOrEqual(Math.floor(base * (1 - jitter)));
      }),
    );
    // Different draws give different waits: callers back from one outage do not arrive together.
    expect(new Set([0, 0.3, 0.6, 0.9].map((r) => backoffDelay(3, policy, () => r))).size).toBe(4);
  });

  it('stops after maxAttempts, the error carrying the attempts made, having slept between them only', async () => {
    const clock = fakeClock(() => 0.5);
    let calls = 0;
    const err = await withRetry(async () => { calls++; throw down(); }, policy, clock).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaxPlatformError);
    expect(err).toMatchObject({ code: 'http-503', attempts: 6, retryable: true });
    expect(calls).toBe(6);
    expect(clock.slept).toEqual([75, 150, 300, 600, 750]);
  });

  it('does not start a retry that would pass maxElapsedMs', async () => {
    const clock = fakeClock();
    let calls = 0;
    const err = await withRetry(async () => { calls++; throw down(); }, { ...policy, maxElapsedMs: 350 }, clock).catch((e: unknown) => e);
    // Waits of 100 and 200 fit in 350 ms; the next (400) would not.
    expect(clock.slept).toEqual([100, 200]);
    expect(calls).toBe(3);
    expect(err).toMatchObject({ attempts: 3 });
  });

  it('an answer that is not retryable (6655) ends the call at once', async () => {
    const clock = fakeClock();
    const err = await withRetry(async () => { throw new TaxPlatformError({ code: '6655', message: 'repeat' }); }, policy, clock).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '6655', attempts: 1, retryable: false });
    expect(clock.slept).toEqual([]);
  });

  it('a failure that passes returns the later answer', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(withRetry(async () => (++calls < 3 ? Promise.reject(down()) : 'ok'), policy, clock)).resolves.toBe('ok');
    expect(calls).toBe(3);
  });

  it('which codes are worth another attempt', () => {
    const retryable = (code: string) => new TaxPlatformError({ code, message: '' }).retryable;
    expect(['unreachable', 'http-503', 'http-502', 'http-504', '2116'].map(retryable)).toEqual([true, true, true, true, true]);
    expect(['6655', '6783', '1108', '1101', 'http-500', 'http-400', 'not-found'].map(retryable)).toEqual([false, false, false, false, false, false, false]);
  });

  it('a retry setting out of range is refused naming it', () => {
    expect(retryPolicy()).toEqual(DEFAULT_RETRY_POLICY);
    expect(() => retryPolicy({ maxAttempts: 0 })).toThrow('retry.maxAttempts must be an integer ≥ 1, got 0');
    expect(() => retryPolicy({ jitter: 1.5 })).toThrow('retry.jitter must be a number from 0 to 1, got 1.5');
    expect(() => retryPolicy({ multiplier: 0.5 })).toThrow('retry.multiplier must be a number ≥ 1');
    expect(() => retryPolicy({ maxElapsedMs: -1 })).toThrow('retry.maxElapsedMs must be a number of ms ≥ 0');
  });
});
