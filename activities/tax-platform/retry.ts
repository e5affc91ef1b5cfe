// Retrying a platform call with exponential backoff: bounded in attempts and in total time, each
// wait jittered so that many callers coming back from one outage do not arrive together.
import { setTimeout as sleep } from 'node:timers/promises';
import { TaxPlatformError } from './errors';

export interface RetryPolicy {
  /** Attempts in all, the first included (≥ 1). */
  maxAttempts: number;
  /** The wait before the second attempt, before jitter. */
  initialDelayMs: number;
  /** Each later wait is the previous one times this (≥ 1). */
  multiplier: number;
  /** No single wait is longer than this. */
  maxDelayMs: number;
  /** No retry starts once this much time has passed since the first attempt began. */
  maxElapsedMs: number;
  /** Share of each wait that is random, 0-1: a wait is in [base × (1 − jitter), base]. */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialDelayMs: 250,
  multiplier: 2,
  maxDelayMs: 5_000,
  maxElapsedMs: 30_000,
  jitter: 0.5,
};

/** What retrying needs from the world, injectable for tests. */
export interface RetryClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  random: () => number;
}

export const SYSTEM_CLOCK: RetryClock = { now: () => Date.now(), sleep: (ms) => sleep(ms), random: Math.random };

/** The policy with `over` applied, or an error naming the setting that is out of range. */
export function retryPolicy(over: Partial<RetryPolicy> = {}): RetryPolicy {
  const p = { ...DEFAULT_RETRY_POLICY, ...over };
  const bad = (name: keyof RetryPolicy, rule: string) => new Error(`retry.${name} must be ${rule}, got ${JSON.stringify(p[name])}`);
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1) throw bad('maxAttempts', 'an integer ≥ 1');
  for (const k of ['initialDelayMs', 'maxDelayMs', 'maxElapsedMs'] as const) if (!Number.isFinite(p[k]) || p[k] < 0) throw bad(k, 'a number of ms ≥ 0');
  if (!Number.isFinite(p.multiplier) || p.multiplier < 1) throw bad('multiplier', 'a number ≥ 1');
  if (!(p.jitter >= 0 && p.jitter <= 1)) throw bad('jitter', 'a number from 0 to 1');
  return p;
}

/** The wait after failed attempt `attempt` (1-based): exponential, capped, then jittered down. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (attempt - 1));
  return Math.round(base * (1 - policy.jitter * random()));
}

export interface RetryEvent {
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  error: TaxPlatformError;
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retryable, runs out of
 * attempts, or would retry past maxElapsedMs. The error thrown carries the attempts made.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  clock: RetryClock = SYSTEM_CLOCK,
  onRetry?: (e: RetryEvent) => void,
): Promise<T> {
  const started = clock.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!(err instanceof TaxPlatformError)) throw err;
      err.attempts = n;
      if (!err.retryable || n >= policy.maxAttempts) throw err;
      const delayMs = backoffDelay(n, policy, clock.random);
      if (clock.now() - started + delayMs > policy.maxElapsedMs) throw err;
      onRetry?.({ attempt: n, delayMs, error: err });
      await clock.sleep(delayMs);
    }
  }
}
