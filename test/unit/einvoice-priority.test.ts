// Restore priority classes: one class per invoice, the first that matches, months in Beijing time.
import {
  PRIORITY_CLASSES,
  priorityBounds,
  priorityClassCaseSql,
  priorityClassOf,
  priorityClassSql,
  priorityClassifier,
  synthesizeInvoices,
} from '../../domain/einvoice';
import type { ClassifiableInvoice, PriorityClass } from '../../domain/einvoice';
import { PRIORITY_CLASSES as VOCABULARY } from '../../domain/plan/vocabulary';

// 2026-11-23 10:09 in Beijing. The current period 2026-11 starts 2026-10-31T16:00Z; the 12 periods
// before it start 2025-10-31T16:00Z (2025-11-01 00:00 Beijing).
const NOW = new Date('2026-11-23T02:09:00Z');

function inv(over: Partial<ClassifiableInvoice> = {}): ClassifiableInvoice {
  return { issuedAt: new Date('2026-05-10T03:00:00Z'), status: 'issued', originalInvoiceNo: null, total: 11_300, declaredPeriod: '2026-05', ...over };
}

describe('priority classes', () => {
  it('are the six classes of einvoice-domain.md, in restore order, as plans name them', () => {
    expect([...PRIORITY_CLASSES]).toEqual(['current-period-undeclared', 'red-letter', 'high-value', 'current-period', 'last-12-months', 'archive']);
    expect([...PRIORITY_CLASSES]).toEqual([...VOCABULARY]);
  });

  it('compute the bounds in China Standard Time', () => {
    const b = priorityBounds(NOW);
    expect(b.period).toBe('2026-11');
    expect(b.currentStart.toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(b.last12Start.toISOString()).toBe('2025-10-31T16:00:00.000Z');
    // 2026-11-30 23:00 UTC is already December in Beijing.
    expect(priorityBounds('2026-11-30T23:00:00Z').period).toBe('2026-12');
  });

  it.each<[string, Partial<ClassifiableInvoice>, PriorityClass]>([
    ['this month, undeclared', { issuedAt: new Date('2026-11-20T01:00:00Z'), declaredPeriod: null }, 'current-period-undeclared'],
    ['this month, undeclared, also red-letter and high-value', { issuedAt: new Date('2026-11-20T01:00:00Z'), declaredPeriod: null, originalInvoiceNo: '26112000000000000001', total: -200_000_000 }, 'current-period-undeclared'],
    ['first instant of the month (Beijing midnight)', { issuedAt: new Date('2026-10-31T16:00:00.000Z'), declaredPeriod: null }, 'current-period-undeclared'],
    ['dated after now, undeclared (clock skew)', { issuedAt: new Date('2026-12-05T00:00:00Z'), declaredPeriod: null }, 'current-period-undeclared'],
    ['a red-letter invoice from last year', { issuedAt: new Date('2025-01-10T00:00:00Z'), originalInvoiceNo: '25112000000000000001', total: -11_300 }, 'red-letter'],
    ['a red-flushed original', { status: 'red-flushed' }, 'red-letter'],
    ['a partially red-flushed original, high value, this month', { status: 'partially-red-flushed', total: 500_000_000, issuedAt: new Date('2026-11-02T00:00:00Z'), declaredPeriod: '2026-11' }, 'red-letter'],
    ['exactly 1,000,000 CNY', { total: 100_000_000 }, 'high-value'],
    ['high value in the archive', { total: 100_000_001, issuedAt: new Date('2020-01-01T00:00:00Z') }, 'high-value'],
    ['one fen under high value, this month, declared', { total: 99_999_999, issuedAt: new Date('2026-11-02T00:00:00Z'), declaredPeriod: '2026-11' }, 'current-period'],
    ['the last instant of October (Beijing)', { issuedAt: new Date('2026-10-31T15:59:59.999Z'), declaredPeriod: null }, 'last-12-months'],
    ['undeclared last month', { issuedAt: new Date('2026-10-15T00:00:00Z'), declaredPeriod: null }, 'last-12-months'],
    ['first instant of the 12-month window', { issuedAt: new Date('2025-10-31T16:00:00.000Z') }, 'last-12-months'],
    ['just before the 12-month window', { issuedAt: new Date('2025-10-31T15:59:59.999Z') }, 'archive'],
    ['old and ordinary', { issuedAt: new Date('2023-03-01T00:00:00Z') }, 'archive'],
  ])('%s', (_what, over, expected) => {
    expect(priorityClassOf(inv(over), NOW)).toBe(expected);
    expect(priorityClassifier(NOW.toISOString())(inv(over))).toBe(expected);
  });

  it('put every synthesized invoice in exactly one class, and use all six', () => {
    const classify = priorityClassifier(NOW);
    const counts = Object.fromEntries(PRIORITY_CLASSES.map((c) => [c, 0])) as Record<PriorityClass, number>;
    for (const i of synthesizeInvoices(20_000, { seed: 3, now: NOW })) counts[classify(i)]++;
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(20_000);
    for (const c of PRIORITY_CLASSES) expect([c, counts[c] > 0]).toEqual([c, true]);
  });

  describe('priorityClassSql', () => {
    it('excludes every earlier class and uses instants, not the session time zone', () => {
      const sql = priorityClassSql('current-period', NOW.toISOString());
      expect(sql).toContain(`'2026-10-31T16:00:00.000Z'::timestamptz`);
      expect(sql).toContain('NOT COALESCE((issued_at >= ');
      expect(sql).toContain(`NOT COALESCE((original_invoice_no IS NOT NULL OR status IN ('red-flushed', 'partially-red-flushed')), false)`);
      expect(sql).toContain('NOT COALESCE((total >= 100000000), false)');
      expect(sql.match(/NOT COALESCE/g)).toHaveLength(3);
      expect(priorityClassSql('current-period-undeclared', NOW).match(/NOT COALESCE/g)).toBeNull();
      expect(priorityClassSql('archive', NOW).match(/NOT COALESCE/g)).toHaveLength(5);
      expect(priorityClassSql('last-12-months', NOW)).toContain(`'2025-10-31T16:00:00.000Z'::timestamptz`);
    });

    it('refuses unknown classes and bad instants', () => {
      expect(() => priorityClassSql('urgent' as PriorityClass, NOW)).toThrow(/unknown priority class/);
      expect(() => priorityClassSql('archive', 'yesterday')).toThrow(/not an instant/);
    });

    it('has a CASE form naming the class', () => {
      const sql = priorityClassCaseSql(NOW);
      for (const c of PRIORITY_CLASSES) expect(sql).toContain(`'${c}'`);
      expect(sql).toMatch(/ELSE 'archive' END\)$/);
    });
  });
});
