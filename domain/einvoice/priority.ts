// Restore priority classes (einvoice-domain.md): each invoice belongs to exactly one class, the
// first that matches, in this order:
//   1 current-period-undeclared  issued this tax period and not declared (blocks tax filing)
//   2 red-letter                 a red-letter invoice, or an original that was (partially) red-flushed
//   3 high-value                 total >= 1,000,000 CNY
//   4 current-period             the rest of this tax period
//   5 last-12-months             issued in the 12 tax periods before this one
//   6 archive                    everything else
// Periods are months in China Standard Time. "This period" starts at the start of now's month
// and is open-ended, so an invoice dated after `now` (clock skew) counts as current, not archive.
// The same rules exist twice: priorityClassOf for records in memory, priorityClassSql for the
// `invoices` table; the integration tests check they agree on generated data in PostgreSQL.
import { PRIORITY_CLASSES } from '../plan/vocabulary';
import type { PriorityClass } from '../plan/vocabulary';
import { isRedLetter } from './invoice';
import type { Invoice } from './invoice';
import { HIGH_VALUE_FEN } from './money';
import { addMonths, periodStart, taxPeriodOf } from './period';
import type { TaxPeriod } from './period';

export { PRIORITY_CLASSES };
export type { PriorityClass };

export type ClassifiableInvoice = Pick<Invoice, 'issuedAt' | 'status' | 'originalInvoiceNo' | 'total' | 'declaredPeriod'>;

export interface PriorityBounds {
  /** now's tax period, e.g. '2026-11'. */
  period: TaxPeriod;
  /** Start of the current period (inclusive). */
  currentStart: Date;
  /** Start of the period 12 months before the current one (inclusive). */
  last12Start: Date;
}

export function priorityBounds(now: Date | string): PriorityBounds {
  const at = toInstant(now);
  const period = taxPeriodOf(at);
  return { period, currentStart: periodStart(period), last12Start: periodStart(addMonths(period, -12)) };
}

/** A classifier for many invoices against one `now` (the bounds are computed once). */
export function priorityClassifier(now: Date | string): (inv: ClassifiableInvoice) => PriorityClass {
  const b = priorityBounds(now);
  const current = b.currentStart.getTime();
  const last12 = b.last12Start.getTime();
  return (inv) => {
    const issued = inv.issuedAt.getTime();
    if (issued >= current && (inv.declaredPeriod === null || inv.declaredPeriod === undefined)) return 'current-period-undeclared';
    if (isRedLetter(inv) || inv.status === 'red-flushed' || inv.status === 'partially-red-flushed') return 'red-letter';
    if (inv.total >= HIGH_VALUE_FEN) return 'high-value';
    if (issued >= current) return 'current-period';
    if (issued >= last12) return 'last-12-months';
    return 'archive';
  };
}

export function priorityClassOf(inv: ClassifiableInvoice, now: Date | string): PriorityClass {
  return priorityClassifier(now)(inv);
}

/** The class's own condition over the `invoices` columns, before earlier classes are excluded. */
function matchSql(cls: PriorityClass, b: PriorityBounds): string {
  const current = `'${b.currentStart.toISOString()}'::timestamptz`;
  switch (cls) {
    case 'current-period-undeclared':
      return `issued_at >= ${current} AND declared_period IS NULL`;
    case 'red-letter':
      return `original_invoice_no IS NOT NULL OR status IN ('red-flushed', 'partially-red-flushed')`;
    case 'high-value':
      return `total >= ${HIGH_VALUE_FEN}`;
    case 'current-period':
      return `issued_at >= ${current}`;
    case 'last-12-months':
      return `issued_at >= '${b.last12Start.toISOString()}'::timestamptz`;
    case 'archive':
      return 'true';
  }
}

function assertClass(cls: string): asserts cls is PriorityClass {
  if (!(PRIORITY_CLASSES as readonly string[]).includes(cls)) {
    throw new Error(`unknown priority class ${JSON.stringify(cls)} (one of ${PRIORITY_CLASSES.join(', ')})`);
  }
}

/**
 * A WHERE fragment (parenthesized, no `WHERE`) selecting exactly the rows of `invoices` that
 * priorityClassOf puts in `cls` at `now`: the class's condition and none of the earlier ones.
 * Instants are literals, so the result does not depend on the session's TimeZone. NULLs in a
 * column count as "does not match" (COALESCE), as in priorityClassOf.
 */
export function priorityClassSql(cls: PriorityClass, nowIso: string | Date): string {
  assertClass(cls);
  const b = priorityBounds(nowIso);
  const idx = PRIORITY_CLASSES.indexOf(cls);
  const parts = [`COALESCE((${matchSql(cls, b)}), false)`];
  for (const earlier of PRIORITY_CLASSES.slice(0, idx)) parts.push(`NOT COALESCE((${matchSql(earlier, b)}), false)`);
  return `(${parts.join(' AND ')})`;
}

/** A SQL expression over `invoices` giving each row's class name (for GROUP BY). */
export function priorityClassCaseSql(nowIso: string | Date): string {
  const b = priorityBounds(nowIso);
  const whens = PRIORITY_CLASSES.filter((c) => c !== 'archive').map((c) => `WHEN COALESCE((${matchSql(c, b)}), false) THEN '${c}'`);
  return `(CASE ${whens.join(' ')} ELSE 'archive' END)`;
}

function toInstant(now: Date | string): Date {
  const d = typeof now === 'string' ? new Date(now) : now;
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new Error(`not an instant: ${JSON.stringify(now)}`);
  return d;
}
