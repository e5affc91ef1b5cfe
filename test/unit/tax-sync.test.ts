// The pure parts of issuing and sync: what an issued invoice looks like, which drafts are refused,
// which invoices block the declaration, the resync's period, and the request serials.
import { checkDraft, draftRow, syntheticDrafts } from '../../activities/invoices/issue-drafts';
import { declarationBlockingBefore, newRequestSerial } from '../../activities/invoices/sync';
import { resyncPeriod } from '../../activities/invoices/sync.activities';
import { isValidCreditCode, isValidInvoiceNo, mulberry32, randomCreditCode, taxFor } from '../../domain/einvoice';

const NOW = new Date('2026-12-01T02:00:00Z'); // 10:00 on Dec 1 in Beijing
const rng = mulberry32(7);
const SELLER = randomCreditCode(rng, '110108');
const BUYER = randomCreditCode(rng, '310115');

describe('issued invoices', () => {
  it('made-up drafts become rows with valid numbers and credit codes, the right tax and total, in the seller province and period', () => {
    const drafts = syntheticDrafts(mulberry32(1), 2000);
    const rows = drafts.map((d, i) => draftRow(checkDraft(d, NOW), 1000 + i, false));
    const problems = rows.filter(
      (r) =>
        !isValidInvoiceNo(r.invoice_no) ||
        !isValidCreditCode(r.seller_tax_id) ||
        (r.buyer_tax_id !== null && !isValidCreditCode(r.buyer_tax_id)) ||
        r.tax !== taxFor(r.amount, r.tax_rate) ||
        r.total !== r.amount + r.tax ||
        r.amount <= 0 ||
        r.invoice_no.slice(2, 4) !== r.region ||
        r.seller_tax_id.slice(2, 4) !== r.region ||
        r.folder !== 'sales/2026-12',
    );
    expect(problems).toEqual([]);
    expect(new Set(rows.map((r) => r.invoice_no)).size).toBe(rows.length);
    expect(new Set(rows.map((r) => r.seller_tax_id)).size).toBeGreaterThan(1);
    expect(new Set(rows.map((r) => r.kind))).toEqual(new Set(['special', 'ordinary']));
  });

  it('a given seller, buyer and amount are used on every draft', () => {
    const drafts = syntheticDrafts(mulberry32(2), 50, { seller: SELLER, buyer: BUYER, amountFen: 123_456 });
    expect(new Set(drafts.map((d) => `${d.sellerTaxId}/${d.buyerTaxId}/${d.amountFen}`))).toEqual(new Set([`${SELLER}/${BUYER}/123456`]));
  });

  it('refuses a draft naming the field: a wrong check character, a person on a special invoice, no amount, an unknown rate, a future instant', () => {
    const ok = { sellerTaxId: SELLER, buyerTaxId: BUYER, amountFen: 10_000 };
    const wrong = SELLER.slice(0, 17) + (SELLER[17] === '0' ? '1' : '0');
    expect(() => checkDraft({ ...ok, sellerTaxId: wrong }, NOW, 'drafts[3]')).toThrow(`drafts[3].sellerTaxId "${wrong}" has a wrong check character (the 18th)`);
    expect(() => checkDraft({ ...ok, buyerTaxId: null, kind: 'special' }, NOW)).toThrow('draft.buyerTaxId is required on a special invoice');
    expect(() => checkDraft({ ...ok, amountFen: 0 }, NOW)).toThrow('draft.amountFen must be a positive whole number of fen, got 0');
    expect(() => checkDraft({ ...ok, amountFen: 10.5 }, NOW)).toThrow('draft.amountFen must be a positive whole number of fen, got 10.5');
    expect(() => checkDraft({ ...ok, taxRate: 7 as 13 }, NOW)).toThrow('draft.taxRate must be one of 13, 9, 6, 5, 3, 1, 0, got 7');
    expect(() => checkDraft({ ...ok, issuedAt: '2026-12-02T00:00:00Z' }, NOW)).toThrow('draft.issuedAt 2026-12-02T00:00:00.000Z is in the future');
    expect(checkDraft({ ...ok, buyerTaxId: null }, NOW)).toMatchObject({ kind: 'ordinary', buyerName: '个人', issuedAt: NOW.toISOString() });
  });
});

describe('what blocks the declaration', () => {
  it('before the deadline the previous month is being declared: invoices before this month block it', () => {
    expect(declarationBlockingBefore(NOW).toISOString()).toBe('2026-11-30T16:00:00.000Z'); // 2026-12-01 00:00 Beijing
  });

  it('after the deadline (2026-12-15 for November) the current month is next: invoices before next month block it', () => {
    expect(declarationBlockingBefore(new Date('2026-12-16T02:00:00Z')).toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });

  it('outside the shipped calendar the usual rule applies (the previous month)', () => {
    expect(declarationBlockingBefore(new Date('2031-05-03T02:00:00Z')).toISOString()).toBe('2031-04-30T16:00:00.000Z');
  });
});

describe("the resync's period", () => {
  it('current, previous or a past yyyy-MM; a future or malformed one is refused naming it', () => {
    expect(resyncPeriod('current', NOW)).toBe('2026-12');
    expect(resyncPeriod('previous', NOW)).toBe('2026-11');
    expect(resyncPeriod('2026-01', NOW)).toBe('2026-01');
    expect(resyncPeriod(undefined, NOW)).toBeUndefined();
    expect(() => resyncPeriod('2027-01', NOW)).toThrow('with.period 2027-01 is in the future (the current period is 2026-12)');
    expect(() => resyncPeriod('2026-13', NOW)).toThrow('with.period must be current, previous or a tax period yyyy-MM, got "2026-13"');
    expect(() => resyncPeriod(202612, NOW)).toThrow('got 202612');
  });
});

describe('request serials', () => {
  it('are what QDFPSC accepts (1-64 letters, digits, _ or -) and never repeat', () => {
    const serials = Array.from({ length: 10_000 }, newRequestSerial);
    expect(serials.filter((s) => !/^[A-Za-z0-9_-]{1,64}$/.test(s))).toEqual([]);
    expect(new Set(serials).size).toBe(serials.length);
  });
});
