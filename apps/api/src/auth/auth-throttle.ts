/**
 * Failed authentications counted per source address, in this process's memory: enough for the one
 * API process Yingji runs; several API processes would each count their own (and a restart forgets).
 * After `limit` failures in a window the address is answered 429 until the window ends, and the
 * audit trail gets one summary entry for the window instead of one per request.
 */
export class AuthThrottle {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(
    readonly limit = 10,
    readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts one failure from `ip`. `throttled` once the limit is passed; `first` on the first
   * throttled one (write the summary then); `retryAfterS` until the window ends.
   */
  fail(ip: string): { throttled: false } | { throttled: true; first: boolean; failures: number; retryAfterS: number; until: Date } {
    const now = this.now();
    let w = this.windows.get(ip);
    if (!w || now - w.start >= this.windowMs) {
      if (this.windows.size >= 10_000) this.forgetEnded(now);
      w = { start: now, failures: 0 };
      this.windows.set(ip, w);
    }
    w.failures++;
    if (w.failures <= this.limit) return { throttled: false };
    const until = w.start + this.windowMs;
    return { throttled: true, first: w.failures === this.limit + 1, failures: w.failures, retryAfterS: Math.max(1, Math.ceil((until - now) / 1000)), until: new Date(until) };
  }

  private forgetEnded(now: number): void {
    for (const [ip, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(ip);
  }
}
