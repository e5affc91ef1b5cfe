// The declaration calendar (tax-platform.md): the last day to declare each month's VAT, shipped as
// data (declaration-calendar.json), not a formula, because the State Taxation Administration moves
// it for holidays each year. A deadline is the END of its day in Beijing time (UTC+8): declaring
// is possible until 24:00 of that day, so the deadline instant is 16:00 UTC of the same date.
// Pure: callers pass `now`; a period outside the calendar is an error, never a guess.
import shipped from './declaration-calendar.json';
import { addMonths, CHINA_UTC_OFFSET_MS, isTaxPeriod, periodStart, taxPeriodOf } from './period';
import type { TaxPeriod } from './period';

export type DeadlineBasis = 'published' | 'derived';
const BASES: readonly DeadlineBasis[] = ['published', 'derived'];

export interface DeclarationDeadline {
  period: TaxPeriod;
  /** `yyyy-MM-dd`, the last day (Beijing time) to declare `period`. */
  deadline: string;
  /** `published`: announced by the STA (source in `note`); `derived`: the usual rule on known or assumed holidays. */
  basis: DeadlineBasis;
  note: string;
}

export interface DeclarationCalendar {
  first: TaxPeriod;
  last: TaxPeriod;
  entries: ReadonlyMap<TaxPeriod, DeclarationDeadline>;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HOUR_MS = 3600_000;

/** A real calendar date `yyyy-MM-dd` (2026-02-30 is not one), as its UTC midnight in ms; undefined if not. */
function dateMs(text: unknown): number | undefined {
  const m = typeof text === 'string' ? DATE.exec(text) : null;
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === text ? ms : undefined;
}

/**
 * Checks calendar data (the shipped file, or another in its shape) and returns it indexed by period.
 * Throws one error listing every problem, each naming the entry (`deadlines[3] (2024-03)`).
 */
export function loadDeclarationCalendar(data: unknown, source = 'declaration-calendar.json'): DeclarationCalendar {
  const problems: string[] = [];
  const list = (data as { deadlines?: unknown } | null)?.deadlines;
  if (!Array.isArray(list) || list.length === 0) throw new Error(`${source}: expected "deadlines", a non-empty list of { period, deadline, basis, note }`);
  const entries = new Map<TaxPeriod, DeclarationDeadline>();
  list.forEach((raw: unknown, i) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    const name = `deadlines[${i}]${isTaxPeriod(e.period) ? ` (${e.period})` : ''}`;
    const bad = (what: string) => problems.push(`${name}: ${what}`);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('expected { period, deadline, basis, note }');
    const extra = Object.keys(e).filter((k) => !['period', 'deadline', 'basis', 'note'].includes(k));
    if (extra.length) bad(`unknown field ${extra.map((k) => `"${k}"`).join(', ')}; an entry has period, deadline, basis and note`);
    if (!isTaxPeriod(e.period)) return bad(`period ${JSON.stringify(e.period)} is not a tax period (yyyy-MM)`);
    const period = e.period;
    const day = dateMs(e.deadline);
    if (day === undefined) bad(`deadline ${JSON.stringify(e.deadline)} is not a date (yyyy-MM-dd)`);
    else {
      const ends = periodStart(addMonths(period, 1)).getTime() + CHINA_UTC_OFFSET_MS; // first day after the period, as a date
      const limit = periodStart(addMonths(period, 3)).getTime() + CHINA_UTC_OFFSET_MS;
      if (day < ends) bad(`deadline ${String(e.deadline)} is before the period ends; a period is declared after its month, from ${addMonths(period, 1)}-01`);
      else if (day >= limit) bad(`deadline ${String(e.deadline)} is more than two months after the period; is the period or the year wrong?`);
    }
    if (!BASES.includes(e.basis as DeadlineBasis)) bad(`basis ${JSON.stringify(e.basis)} must be "published" or "derived"`);
    if (typeof e.note !== 'string' || e.note.trim() === '') bad('note must say where the date comes from (for derived dates: which holidays moved it)');
    if (entries.has(period)) return bad(`period ${period} is listed twice`);
    entries.set(period, { period, deadline: String(e.deadline), basis: e.basis as DeadlineBasis, note: String(e.note) });
  });
  const periods = [...entries.keys()].sort();
  if (periods.length > 0) {
    for (let p = periods[0]; p <= periods[periods.length - 1]; p = addMonths(p, 1)) {
      if (!entries.has(p)) problems.push(`period ${p} is missing: the calendar must list every month from ${periods[0]} to ${periods[periods.length - 1]}`);
    }
  }
  if (problems.length) throw new Error(`${source}: ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n  ${problems.join('\n  ')}`);
  return { first: periods[0], last: periods[periods.length - 1], entries };
}

let shippedCalendar: DeclarationCalendar | undefined;
/** The calendar shipped with Yingji (checked on first use). */
export function declarationCalendar(): DeclarationCalendar {
  return (shippedCalendar ??= loadDeclarationCalendar(shipped));
}

/** The calendar's entry for `period`; an error for a period it does not cover. */
export function deadlineEntry(period: TaxPeriod, calendar = declarationCalendar()): DeclarationDeadline {
  if (!isTaxPeriod(period)) throw new Error(`not a tax period (yyyy-MM): ${JSON.stringify(period)}`);
  const entry = calendar.entries.get(period);
  if (!entry) throw new Error(`the declaration calendar covers ${calendar.first} to ${calendar.last}; it has no deadline for ${period} (add the STA's published date to declaration-calendar.json)`);
  return entry;
}

/** The moment declaring `period` closes: the end (24:00, Beijing time) of its deadline day. */
export function declarationDeadline(period: TaxPeriod, calendar = declarationCalendar()): Date {
  const day = dateMs(deadlineEntry(period, calendar).deadline)!;
  return new Date(day + 24 * HOUR_MS - CHINA_UTC_OFFSET_MS);
}

/** Hours (with fractions) from `now` until `period`'s deadline; negative once it has passed. */
export function hoursUntilDeadline(now: Date, period: TaxPeriod, calendar = declarationCalendar()): number {
  if (Number.isNaN(now.getTime())) throw new Error('hoursUntilDeadline: invalid date');
  return (declarationDeadline(period, calendar).getTime() - now.getTime()) / HOUR_MS;
}

/**
 * The period being declared at `now`: the previous month until its deadline has passed, then the
 * current month (declared next month).
 */
export function periodBeingDeclared(now: Date, calendar = declarationCalendar()): TaxPeriod {
  const previous = addMonths(taxPeriodOf(now), -1);
  return now.getTime() < declarationDeadline(previous, calendar).getTime() ? previous : addMonths(previous, 1);
}

/**
 * The `taxDeadlineHours` fact: whole hours left (rounded down) until the deadline of the period
 * being declared at `now`. Never negative: once a deadline passes, the next period's counts.
 */
export function taxDeadlineHours(now: Date, calendar = declarationCalendar()): number {
  return Math.floor(hoursUntilDeadline(now, periodBeingDeclared(now, calendar), calendar));
}
