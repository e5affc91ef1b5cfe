// Date arithmetic for the checks: calendar months and years (a plan drilled 13 months ago is late
// whatever the month lengths), days as 24 hours.

export const DAY_MS = 24 * 60 * 60 * 1000;

export const day = (d: Date) => d.toISOString().slice(0, 10);

/** The same instant `n` calendar months earlier (clamped to the month's last day). */
export function monthsBefore(now: Date, n: number): Date {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - n, 1, now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds(), now.getUTCMilliseconds()));
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(now.getUTCDate(), last));
  return d;
}

export const daysBefore = (now: Date, n: number) => new Date(now.getTime() - n * DAY_MS);

/** Whole days from `from` to `to`. */
export const daysBetween = (from: Date, to: Date) => Math.floor((to.getTime() - from.getTime()) / DAY_MS);
