// Durations as plan owners write them: a whole number and one unit, `90s`, `15m`, `1h`, `2d`.

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d{1,9})(s|m|h|d)$/;

export const DURATION_PATTERN = '^[0-9]{1,9}(s|m|h|d)$';

/** Milliseconds for a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** The shortest exact way to write `ms` (`90s`, `15m`, `1h`, `2d`); milliseconds below a second round up. */
export function formatDuration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s % 86_400 === 0 && s > 0) return `${s / 86_400}d`;
  if (s % 3600 === 0 && s > 0) return `${s / 3600}h`;
  if (s % 60 === 0 && s > 0) return `${s / 60}m`;
  return `${s}s`;
}
