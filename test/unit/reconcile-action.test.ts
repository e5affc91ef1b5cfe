// The reconcileInvoices action's own decisions, on reconciliations the core made from arranged rows:
// its `with` read and refused by field, tasks only for truly missing invoices (capped at 50 with
// the rest listed in the last), the cause filter, and the line the commander reads.
import { ApplicationFailure } from '@temporalio/common';
import { DIAGNOSIS_CAUSES, reconcile } from '../../domain/einvoice/diagnosis';
import type { PlatformInvoice, Reconciliation } from '../../domain/einvoice/diagnosis';
import { FOLLOW_UP_CAP, narrowed, outcomeLine, parseReconcileWith, trulyMissingFollowUps } from '../../activities/invoices/reconcile-action';
import { BUYER, LI_NA, SELLER, SYNC, invoiceNo, recordOf, row } from './einvoice-diagnosis-fixtures';

const NOW = new Date(SYNC.now); // 2026-11-20 12:00 China time

/** November: `agree` invoices on both sides, `missing` only on the platform (issued Nov 5), one failed upload, one misfiled. */
function arranged(missing: number, agree = 3): Reconciliation {
  const local = Array.from({ length: agree }, (_, k) => row({ invoiceNo: invoiceNo(100 + k) }));
  const failed = row({ invoiceNo: invoiceNo(200), syncStatus: 'failed', syncedAt: null });
  const misfiled = row({ invoiceNo: invoiceNo(300), folder: 'sales/2026-10' });
  const platform: PlatformInvoice[] = [...local, misfiled].map((r) => recordOf(r));
  // Far apart (every 10,007th number), so none is a near number of another.
  for (let k = 0; k < missing; k++) platform.push(recordOf(row({ invoiceNo: invoiceNo(1_000_000 + k * 10_007), issuedAt: '2026-11-05T02:00:00.000Z', amount: 5_000 + k, total: 5_650 + k })));
  return reconcile({ question: { taxpayer: SELLER, period: '2026-11' }, asker: LI_NA, local: [...local, failed, misfiled], platform: { reached: true, invoices: platform }, sync: SYNC });
}

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    return (err as Error).message;
  }
  throw new Error('not refused');
};

describe('reconcileInvoices with', () => {
  it('defaults to the current period, every taxpayer, every cause, truly missing to finance; previous is the month before', () => {
    expect(parseReconcileWith({}, NOW)).toEqual({ period: '2026-11', taxpayers: 'all', causes: [...DIAGNOSIS_CAUSES], missingTo: 'finance' });
    expect(parseReconcileWith({ period: 'previous', taxpayers: [SELLER, SELLER], causes: ['truly-missing'], missingTo: 'tax' }, NOW)).toEqual({
      period: '2026-10',
      taxpayers: [SELLER],
      causes: ['truly-missing'],
      missingTo: 'tax',
    });
    // Beijing's month: 2026-11-30 16:00 UTC is already December there.
    expect(parseReconcileWith({}, new Date('2026-11-30T16:00:00Z')).period).toBe('2026-12');
  });

  it('refuses a bad value naming it', () => {
    const badCode = `${BUYER.slice(0, 17)}${BUYER[17] === '0' ? '1' : '0'}`;
    expect(refusal(() => parseReconcileWith({ period: '2026-13' }, NOW))).toBe('with.period: "2026-13" is not "current", "previous" or a month written yyyy-MM');
    expect(refusal(() => parseReconcileWith({ period: '2026-12' }, NOW))).toBe('with.period: "2026-12" is in the future (the current period is 2026-11)');
    expect(refusal(() => parseReconcileWith({ taxpayers: [SELLER, badCode] }, NOW))).toMatch(/^with\.taxpayers\[1\]: ".*" .*check character.*expected/);
    expect(refusal(() => parseReconcileWith({ causes: ['network', 'typo'] }, NOW))).toBe(`with.causes[1]: "typo" is not one of ${DIAGNOSIS_CAUSES.join(', ')}`);
  });
});

describe('follow-ups for truly missing invoices', () => {
  it('one task per truly missing invoice, for finance, keyed by its number, with the evidence and the next step; none for the other causes', () => {
    const r = arranged(2);
    expect(r.discrepancies.map((d) => [d.side, d.findings.map((f) => f.cause)])).toEqual(
      expect.arrayContaining([
        ['both', ['misfiled']],
        ['local-only', ['sync-failure']],
        ['platform-only', ['truly-missing']],
      ]),
    );
    const tasks = trulyMissingFollowUps([narrowed(r, DIAGNOSIS_CAUSES)], 'finance');
    expect(tasks.map((t) => [t.key, t.role])).toEqual([
      [invoiceNo(1_000_000), 'finance'],
      [invoiceNo(1_010_007), 'finance'],
    ]);
    expect(tasks[0].title).toBe(`调查确实缺失的发票 Investigate truly missing invoice ${invoiceNo(1_000_000)}`);
    expect(tasks[0].evidence).toEqual([
      `确实缺失 truly missing: ${SELLER} 2026-11, platform-only`,
      `invoiceNo: ${invoiceNo(1_000_000)}`,
      'local: absent',
      'platform: present',
      'nearCandidatesChecked: 1', // the one local-only row (the failed upload)
      `checkedCauses: ${JSON.stringify(DIAGNOSIS_CAUSES.filter((c) => c !== 'truly-missing'))}`,
      expect.stringMatching(/^下一步 以上原因均已排除/),
      'next: None of the other causes holds (local: absent, platform: present): hand it to finance as a task with all the evidence attached, and ask the tax platform\'s support to check.',
    ]);
  });

  it(`at most ${FOLLOW_UP_CAP} tasks: the last one lists the rest`, () => {
    const tasks = trulyMissingFollowUps([narrowed(arranged(53), DIAGNOSIS_CAUSES)], 'finance');
    expect(tasks).toHaveLength(FOLLOW_UP_CAP);
    expect(new Set(tasks.map((t) => t.key)).size).toBe(FOLLOW_UP_CAP);
    const last = tasks[FOLLOW_UP_CAP - 1].evidence.at(-1)!;
    expect(last).toMatch(/^另有 3 张确实缺失的发票未单独建任务 3 more truly missing invoices have no task of their own: \d{20}, \d{20}, \d{20}$/);
    const listed = last.split(': ')[1].split(', ');
    expect(listed.every((no) => !tasks.some((t) => t.key === no))).toBe(true);
    expect(tasks[0].evidence.at(-1)).toMatch(/^next: /);
  });

  it('the cause filter keeps only discrepancies with an asked cause, and the commander reads one line', () => {
    const r = arranged(2);
    const w = parseReconcileWith({ causes: ['sync-failure'] }, NOW);
    const only = narrowed(r, w.causes);
    expect(only.discrepancies.map((d) => d.invoiceNo)).toEqual([invoiceNo(200)]);
    expect(trulyMissingFollowUps([only], 'finance')).toEqual([]);
    const counts = Object.fromEntries(DIAGNOSIS_CAUSES.map((c) => [c, c === 'sync-failure' ? 1 : 0])) as Record<(typeof DIAGNOSIS_CAUSES)[number], number>;
    expect(outcomeLine(w, [only], counts, 0)).toBe('对账 Reconciled 2026-11 (causes: sync-failure): 1 taxpayer checked, 1 discrepancy (sync-failure 1)');
    const all = parseReconcileWith({}, NOW);
    expect(outcomeLine(all, [narrowed(r, all.causes), narrowed(arranged(0), all.causes)], { ...counts, misfiled: 2, 'sync-failure': 2, 'truly-missing': 2 }, 2)).toBe(
      '对账 Reconciled 2026-11: 2 taxpayers checked, 6 discrepancies (sync-failure 2, misfiled 2, truly-missing 2); 2 truly missing handed to finance',
    );
  });
});
