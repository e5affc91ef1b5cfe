// Diagnosing an invoice that "is not in the system" (tax-platform.md): one arranged case per cause,
// several causes at once, near numbers and bad questions.
import fc from 'fast-check';
import { DISCREPANCY_CAUSES } from '../../domain';
import { DIAGNOSIS_CAUSES, diagnoseInvoice, DiagnosisInputError, nearNumbers, numberDifference, reconcile } from '../../domain/einvoice/diagnosis';
import type { Finding, InvoiceDiagnosisInput, PlatformLookup } from '../../domain/einvoice/diagnosis';
import { BUYER, LI_NA, MINUTE, NOW_MS, SELLER, SYNC, invoiceNo, iso, recordOf, row } from './einvoice-diagnosis-fixtures';

const NO = invoiceNo(1234567);

function input(over: Partial<InvoiceDiagnosisInput> = {}): InvoiceDiagnosisInput {
  const local = over.local === undefined ? row() : over.local;
  const platform: PlatformLookup = over.platform ?? { reached: true, invoice: local ? recordOf(local) : null };
  return { question: { invoiceNo: NO }, asker: LI_NA, local, candidates: [], platform, sync: SYNC, ...over };
}

function causes(findings: Finding[]): string[] {
  return findings.map((f) => f.cause);
}

describe('diagnosing one invoice: one arranged case per cause', () => {
  it('nothing wrong: the invoice is visible to the asker and on the platform', () => {
    const d = diagnoseInvoice(input());
    expect(d).toEqual({ invoiceNo: NO, outcome: 'visible', findings: [] });
  });

  it('network: the platform is unstable (2116) after retries', () => {
    const d = diagnoseInvoice(input({ platform: { reached: false, error: { code: '2116', message: '电局环境不稳定', attempts: 5 } } }));
    expect(d.outcome).toBe('explained');
    expect(causes(d.findings)).toEqual(['network']);
    expect(d.findings[0].evidence).toEqual({ reason: 'platform-error', code: '2116', message: '电局环境不稳定', attempts: 5 });
    expect(d.findings[0].nextStep.zh).toContain('2116');
    expect(d.findings[0].nextStep.en).toContain('5 attempts');

    const down = diagnoseInvoice(input({ platform: { reached: false, error: { code: 'http-503', httpStatus: 503, attempts: 4 } } }));
    expect(down.findings.map((f) => [f.cause, f.evidence])).toEqual([['network', { reason: 'unreachable', code: 'http-503', httpStatus: 503, attempts: 4 }]]);
  });

  it('version: the local record has a kind this system does not read', () => {
    const local = row({ kind: 'special-v2' });
    const d = diagnoseInvoice(input({ local, platform: { reached: true, invoice: recordOf(local, { kind: 'special' }) } }));
    expect(causes(d.findings)).toEqual(['version']);
    expect(d.findings[0].evidence).toEqual({ where: 'local', kind: 'special-v2', readableKinds: ['special', 'ordinary'], readableFormatVersions: ['1.0'] });
  });

  it('version: the platform record states a format version this system does not read', () => {
    const d = diagnoseInvoice(input({ platform: { reached: true, invoice: recordOf(row(), { formatVersion: '2.0' }) } }));
    expect(causes(d.findings)).toEqual(['version']);
    expect(d.findings[0].evidence).toMatchObject({ where: 'platform', kind: 'special', formatVersion: '2.0' });
  });

  it('permission: present locally, filed in a folder outside the asker\'s scope (seed 001: the account\'s rights)', () => {
    const d = diagnoseInvoice(input({ local: row({ folder: 'assets/2026-11' }) }));
    expect(causes(d.findings)).toEqual(['permission']);
    expect(d.findings[0].evidence).toEqual({
      reason: 'out-of-scope',
      askerId: 'li.na',
      outside: ['folder'],
      rowRegion: '11',
      rowFolder: 'assets/2026-11',
      askerRegions: ['11'],
      askerFolders: ['sales', 'purchases'],
    });
    expect(d.findings[0].nextStep.en).toContain('folder (assets/2026-11)');
  });

  it('permission: the platform login has expired (1101)', () => {
    const d = diagnoseInvoice(input({ platform: { reached: false, error: { code: '1101', message: '登录已失效', attempts: 1 } } }));
    expect(causes(d.findings)).toEqual(['permission']);
    expect(d.findings[0].evidence).toEqual({ reason: 'login-expired', code: '1101', message: '登录已失效', attempts: 1 });
  });

  it('sync delay: on the platform, not local yet, issued 10 minutes ago (within the 30-minute window)', () => {
    const record = recordOf(row({ issuedAt: iso(NOW_MS - 10 * MINUTE) }));
    const d = diagnoseInvoice(input({ local: null, platform: { reached: true, invoice: record } }));
    expect(causes(d.findings)).toEqual(['sync-delay']);
    expect(d.findings[0].evidence).toEqual({ reason: 'not-local-yet', platformIssuedAt: record.issuedAt, ageMs: 10 * MINUTE, platformDelayMs: 30 * MINUTE });
    expect(d.findings[0].nextStep.en).toContain('after 20 min');
  });

  it('sync failure: the local row failed with the platform\'s code', () => {
    const local = row({ syncStatus: 'failed', syncedAt: null, syncCode: '1108', syncMessage: '电局数据异常' });
    const d = diagnoseInvoice(input({ local, platform: { reached: true, invoice: null } }));
    expect(causes(d.findings)).toEqual(['sync-failure']);
    expect(d.findings[0].evidence).toEqual({ reason: 'failed', syncStatus: 'failed', code: '1108', message: '电局数据异常' });
    expect(d.findings[0].nextStep).toEqual({
      zh: '同步失败（平台代码 1108 电局返回数据异常）：稍后重新同步；持续出现请联系平台客服。',
      en: 'Sync failed (platform code 1108 bad data from the bureau): resync later; if it persists, ask the platform support.',
    });
  });

  it('sync failure: refused as already existing (6783) is told to query rather than resend', () => {
    const local = row({ syncStatus: 'failed', syncedAt: null, syncCode: '6783' });
    const d = diagnoseInvoice(input({ local }));
    expect(causes(d.findings)).toEqual(['sync-failure']);
    expect(d.findings[0].nextStep.en).toContain('query the platform by number and issue date');
  });

  it('sync failure: pending past the sync interval, and accepted but lost past the delay window', () => {
    const issuedAt = iso(NOW_MS - 2 * 3600_000);
    const pending = diagnoseInvoice(input({ local: row({ issuedAt, syncStatus: 'pending', syncedAt: null }), platform: { reached: true, invoice: null } }));
    expect(pending.findings.map((f) => [f.cause, f.evidence])).toEqual([
      ['sync-failure', { reason: 'pending-too-long', syncStatus: 'pending', issuedAt, ageMs: 120 * MINUTE, syncIntervalMs: 15 * MINUTE }],
    ]);
    const lost = diagnoseInvoice(input({ local: row({ issuedAt, syncedAt: iso(NOW_MS - 60 * MINUTE) }), platform: { reached: true, invoice: null } }));
    expect(lost.findings.map((f) => [f.cause, f.evidence])).toEqual([
      ['sync-failure', { reason: 'lost-after-acceptance', syncStatus: 'synced', syncedAt: iso(NOW_MS - 60 * MINUTE), ageMs: 60 * MINUTE, platformDelayMs: 30 * MINUTE }],
    ]);
  });

  it('data entry: a local invoice whose number has two adjacent digits swapped, same total and date', () => {
    // Asked ...1234567; the ledger has ...1234576 with the customer's total and date, and the
    // sequence neighbour ...1234568 (one digit off, but another amount: not a match).
    const keyed = row({ invoiceNo: invoiceNo(1234576) });
    const neighbour = row({ invoiceNo: invoiceNo(1234568), amount: 20_000, total: 22_600 });
    const d = diagnoseInvoice(
      input({
        question: { invoiceNo: NO, issueDate: '2026-11-18', amount: 1_130_000 },
        local: null,
        candidates: [keyed, neighbour],
        platform: { reached: true, invoice: null },
      }),
    );
    expect(causes(d.findings)).toEqual(['data-entry']);
    expect(d.findings[0].evidence).toEqual({
      reason: 'near-number',
      invoiceNo: NO,
      nearInvoiceNo: invoiceNo(1234576),
      foundIn: 'local',
      difference: 'transposition',
      position: 19,
      agreeingFacts: ['amount', 'issueDate'],
    });
  });

  it('data entry: the same number with another amount', () => {
    const d = diagnoseInvoice(input({ question: { invoiceNo: NO, amount: 1_300_000 } }));
    expect(causes(d.findings)).toEqual(['data-entry']);
    expect(d.findings[0].evidence).toEqual({
      reason: 'other-facts',
      invoiceNo: NO,
      differences: [{ field: 'amount', question: 1_300_000, local: 1_000_000, platform: 1_000_000 }],
    });
  });

  it('misfiled: present under purchases/ when the person looked in sales/2026-11 (seed 001\'s case study)', () => {
    const d = diagnoseInvoice(input({ question: { invoiceNo: NO, folder: 'sales/2026-11' }, local: row({ folder: 'purchases/2026-11' }) }));
    expect(causes(d.findings)).toEqual(['misfiled']);
    expect(d.findings[0].evidence).toEqual({ folder: 'purchases/2026-11', expectedFolder: 'sales/2026-11', basis: 'asked' });
    expect(d.findings[0].nextStep.zh).toContain('purchases/2026-11');
  });

  it('misfiled: under a folder of another period than its issue date (within the folder the person looked in)', () => {
    const d = diagnoseInvoice(input({ question: { invoiceNo: NO, folder: 'sales' }, local: row({ folder: 'sales/2026-10' }) }));
    expect(d.findings.map((f) => [f.cause, f.evidence])).toEqual([['misfiled', { folder: 'sales/2026-10', expectedFolder: 'sales/2026-11', basis: 'issue-period' }]]);
  });

  it('truly missing: not local, not on the platform, no near number: a task for finance with the evidence', () => {
    const unrelated = row({ invoiceNo: invoiceNo(7654321) });
    const question = { invoiceNo: NO, issueDate: '2026-11-18', amount: 1_130_000, sellerTaxId: SELLER };
    const d = diagnoseInvoice(input({ question, local: null, candidates: [unrelated], platform: { reached: true, invoice: null } }));
    expect(d.outcome).toBe('truly-missing');
    expect(causes(d.findings)).toEqual(['truly-missing']);
    expect(d.findings[0].evidence).toEqual({
      invoiceNo: NO,
      question,
      local: 'absent',
      platform: 'absent',
      nearCandidatesChecked: 1,
      checkedCauses: ['network', 'version', 'permission', 'sync-delay', 'sync-failure', 'data-entry', 'misfiled'],
    });
    expect(d.findings[0].nextStep.en).toContain('hand it to finance as a task');
  });

  it('truly missing: on the platform for days but never in the ledger', () => {
    const d = diagnoseInvoice(input({ local: null, platform: { reached: true, invoice: recordOf(row()) } }));
    expect(d.outcome).toBe('truly-missing');
    expect(d.findings[0].evidence).toMatchObject({ local: 'absent', platform: 'present' });
  });
});

describe('several causes at once are all reported, in the seed\'s order', () => {
  it('an outage does not hide a misfiled invoice', () => {
    const d = diagnoseInvoice(
      input({
        question: { invoiceNo: NO, folder: 'sales' },
        local: row({ folder: 'purchases/2026-11' }),
        platform: { reached: false, error: { code: 'unreachable', message: 'connect ECONNREFUSED', attempts: 6 } },
      }),
    );
    expect(causes(d.findings)).toEqual(['network', 'misfiled']);
    expect(d.findings[1].evidence).toEqual({ folder: 'purchases/2026-11', expectedFolder: 'sales', basis: 'asked' });
  });

  it('out of region, failed to sync and misfiled: three findings in order', () => {
    const local = row({ region: '31', folder: 'purchases/2026-11', syncStatus: 'failed', syncedAt: null, syncCode: '6655' });
    const d = diagnoseInvoice(input({ question: { invoiceNo: NO, folder: 'sales/2026-11' }, local, platform: { reached: true, invoice: null } }));
    expect(causes(d.findings)).toEqual(['permission', 'sync-failure', 'misfiled']);
    expect(d.findings[0].evidence).toMatchObject({ reason: 'out-of-scope', outside: ['region'], rowRegion: '31' });
    expect(d.findings[1].evidence).toMatchObject({ reason: 'failed', code: '6655' });
  });
});

describe('the causes', () => {
  it('are the eight of tax-platform.md in the seed\'s order, and include every cause a plan may name', () => {
    expect(DIAGNOSIS_CAUSES).toEqual(['network', 'version', 'permission', 'sync-delay', 'sync-failure', 'data-entry', 'misfiled', 'truly-missing']);
    for (const c of DISCREPANCY_CAUSES) expect(DIAGNOSIS_CAUSES).toContain(c);
  });
});

describe('near numbers', () => {
  it('are one digit off or one adjacent transposition away', () => {
    expect(numberDifference('12345', '12355')).toEqual({ difference: 'one-digit', position: 4 });
    expect(numberDifference('12345', '12354')).toEqual({ difference: 'transposition', position: 4 });
    expect(numberDifference('12345', '12346')).toEqual({ difference: 'one-digit', position: 5 });
    expect(numberDifference('12345', '13245')).toEqual({ difference: 'transposition', position: 2 });
    expect(numberDifference('12345', '12345')).toBeUndefined();
    expect(numberDifference('12345', '21354')).toBeUndefined();
    expect(numberDifference('12345', '1234')).toBeUndefined();
    const variants = [...nearNumbers('1123')];
    expect(new Set(variants).size).toBe(variants.length);
    expect(variants).toHaveLength(4 * 9 + 2); // no swap of the two equal 1s
    expect(variants.every((v) => numberDifference('1123', v) !== undefined)).toBe(true);
  });

  it('for any invoice number: every variant is near, and a number with two separate digits changed is not', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{20}$/), fc.integer({ min: 0, max: 17 }), fc.integer({ min: 1, max: 9 }), (no, i, bump) => {
        for (const v of nearNumbers(no)) expect(numberDifference(no, v)).toBeDefined();
        const digit = (c: string) => String((Number(c) + bump) % 10);
        const far = no.slice(0, i) + digit(no[i]) + no[i + 1] + digit(no[i + 2]) + no.slice(i + 3);
        expect(numberDifference(no, far)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});

describe('bad questions are refused with the field and the value', () => {
  function refusal(fn: () => unknown): DiagnosisInputError {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(DiagnosisInputError);
      return e as DiagnosisInputError;
    }
    throw new Error('expected a DiagnosisInputError');
  }

  it('an invoice number of the wrong length', () => {
    const e = refusal(() => diagnoseInvoice(input({ question: { invoiceNo: '2611200000001234567' } })));
    expect(e).toMatchObject({ field: 'invoiceNo', value: '2611200000001234567' });
    expect(e.message).toBe('invoiceNo: "2611200000001234567" has 19 characters; an invoice number has 20 digits');
  });

  it('a credit code with a wrong check character', () => {
    const bad = SELLER.slice(0, 17) + (SELLER[17] === '0' ? '1' : '0');
    const e = refusal(() => diagnoseInvoice(input({ question: { invoiceNo: NO, sellerTaxId: bad } })));
    expect(e).toMatchObject({ field: 'sellerTaxId', value: bad });
    expect(e.message).toBe(`sellerTaxId: "${bad}" has a wrong check character (the 18th): expected ${SELLER[17]}`);
    const r = refusal(() => reconcile({ question: { taxpayer: bad, period: '2026-11' }, asker: LI_NA, local: [], platform: { reached: true, invoices: [] }, sync: SYNC }));
    expect(r).toMatchObject({ field: 'taxpayer', value: bad });
  });

  it('a period in the future', () => {
    const e = refusal(() => reconcile({ question: { taxpayer: SELLER, period: '2026-12' }, asker: LI_NA, local: [], platform: { reached: true, invoices: [] }, sync: SYNC }));
    expect(e.message).toBe('period: "2026-12" is in the future (the current period is 2026-11)');
    const f = refusal(() => reconcile({ question: { taxpayer: SELLER, period: '2026-13' }, asker: LI_NA, local: [], platform: { reached: true, invoices: [] }, sync: SYNC }));
    expect(f).toMatchObject({ field: 'period', value: '2026-13' });
  });

  it('an issue date in the future or not in the calendar, a buyer code of the wrong length', () => {
    expect(refusal(() => diagnoseInvoice(input({ question: { invoiceNo: NO, issueDate: '2026-11-21' } }))).message).toBe(
      'issueDate: "2026-11-21" is in the future (today is 2026-11-20 in China)',
    );
    expect(refusal(() => diagnoseInvoice(input({ question: { invoiceNo: NO, issueDate: '2026-02-30' } }))).field).toBe('issueDate');
    expect(refusal(() => diagnoseInvoice(input({ question: { invoiceNo: NO, buyerTaxId: BUYER.slice(0, 17) } }))).field).toBe('buyerTaxId');
  });

  it('an outage reported without any attempt', () => {
    const e = refusal(() => diagnoseInvoice(input({ platform: { reached: false, error: { code: '2116', attempts: 0 } } })));
    expect(e).toMatchObject({ field: 'platform.error.attempts', value: 0 });
  });

  it('an unknown region in the asker\'s scope', () => {
    const e = refusal(() => diagnoseInvoice(input({ asker: { id: 'li.na', regions: ['99'], folders: 'all' } })));
    expect(e).toMatchObject({ field: 'asker.regions[0]', value: '99' });
  });
});
