/**
 * Failed authentications counted per key (a source address, a claimed token id), in this process's
 * memory: enough for the one API process Yingji runs; several API processes would each count their
 * own (and a restart forgets). After `limit` failures in a window the key is answered 429 until the
 * window ends. A window that throttled is handed back once it ends (`takeEnded`), so the audit trail
 * gets its count instead of one entry per request.
 */
export interface ThrottledWindow {
  key: string;
  start: Date;
  end: Date;
  /** Every failure counted for the key in the window, the first `limit` included. */
  failures: number;
  /** Up to MAX_NOTES distinct notes (the addresses a token id was tried from). */
  notes: string[];
  /** The window was still open when it was taken (the API is shutting down). */
  cutShort: boolean;
}

interface Window {
  start: number;
  failures: number;
  notes: Set<string>;
}

const MAX_KEYS = 10_000;
const MAX_NOTES = 20;

export class AuthThrottle {
  private readonly windows = new Map<string, Window>();
  /** Throttled windows that ended before anyone took them. */
  private readonly ended: ThrottledWindow[] = [];

  constructor(
    readonly limit = 10,
    readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts one failure for `key` (`note`: what to remember about it, e.g. the address).
   * `throttled` once the limit is passed; `first` on the first throttled one; `retryAfterS` until
   * the window ends.
   */
  fail(key: string, note?: string): { throttled: false } | { throttled: true; first: boolean; failures: number; retryAfterS: number; until: Date } {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (w) this.close(key, w, false);
      if (this.windows.size >= MAX_KEYS) this.forget(now);
      w = { start: now, failures: 0, notes: new Set() };
      this.windows.set(key, w);
    }
    w.failures++;
    if (note && w.notes.size < MAX_NOTES) w.notes.add(note);
    if (w.failures <= this.limit) return { throttled: false };
    const until = w.start + this.windowMs;
    return { throttled: true, first: w.failures === this.limit + 1, failures: w.failures, retryAfterS: Math.max(1, Math.ceil((until - now) / 1000)), until: new Date(until) };
  }

  /** The windows that throttled and have ended (all of them, open ones cut short, with `all`); each is handed out once. */
  takeEnded(all = false): ThrottledWindow[] {
    const now = this.now();
    for (const [key, w] of this.windows) if (all || now - w.start >= this.windowMs) this.close(key, w, now - w.start < this.windowMs);
    return this.ended.splice(0);
  }

  /** When the earliest open throttled window ends (ms since the epoch), if any. */
  nextEnd(): number | undefined {
    let next: number | undefined;
    for (const w of this.windows.values()) if (w.failures > this.limit && (next === undefined || w.start + this.windowMs < next)) next = w.start + this.windowMs;
    return next;
  }

  private close(key: string, w: Window, cutShort: boolean): void {
    this.windows.delete(key);
    if (w.failures > this.limit) {
      this.ended.push({ key, start: new Date(w.start), end: new Date(cutShort ? this.now() : w.start + this.windowMs), failures: w.failures, notes: [...w.notes], cutShort });
    }
  }

  /** Room for new keys: ended windows first, then the oldest that never throttled (their failures are audited one by one). */
  private forget(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= this.windowMs) this.close(key, w, false);
    for (const [key, w] of this.windows) {
      if (this.windows.size < MAX_KEYS) break;
      if (w.failures <= this.limit) this.windows.delete(key);
    }
  }
}
