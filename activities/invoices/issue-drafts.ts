// What the issuing path turns into invoice rows: a draft (seller, buyer, amount, rate, instant),
// checked the way a tax clerk's software checks it (valid credit codes, positive whole fen, a known
// rate, not in the future), or made up with sensible content when only a count is asked for.
import {
  PROVINCES,
  CREDIT_CODE_PROBLEM_TEXT,
  chinaYear,
  creditCodeProblem,
  formatInvoiceNo,
  isTaxRate,
  pick,
  priceWithTax,
  randomCreditCode,
  standardNormal,
  taxPeriodOf,
  weightedPicker,
} from '../../domain/einvoice';
import type { InvoiceKind, Rng, TaxRate } from '../../domain/einvoice';

export interface InvoiceDraft {
  sellerTaxId: string;
  /** null: a person (ordinary invoices only). */
  buyerTaxId: string | null;
  sellerName?: string;
  buyerName?: string;
  kind?: InvoiceKind;
  /** Excluding tax, in fen (> 0). */
  amountFen: number;
  taxRate?: TaxRate;
  /** ISO 8601 instant; default the issuing moment. */
  issuedAt?: string;
}

/** A draft that cannot be issued, naming the field (`seller`, `amount`, ...) and why. */
export class DraftError extends Error {
  override readonly name = 'DraftError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Issuing a little ahead of the clock is tolerated (clock skew); beyond that it is a mistake. */
const FUTURE_SKEW_MS = 5 * 60_000;

export function creditCodeRefusal(field: string, code: unknown): DraftError | undefined {
  const problem = typeof code === 'string' ? creditCodeProblem(code) : 'length';
  if (!problem) return undefined;
  return new DraftError(field, `${field} ${JSON.stringify(code)} ${CREDIT_CODE_PROBLEM_TEXT[problem]}`);
}

/** The province code of a seller's credit code (characters 3-4), which its invoice numbers carry. */
export function regionOf(taxId: string): string | undefined {
  const region = taxId.slice(2, 4);
  return Object.prototype.hasOwnProperty.call(PROVINCES, region) ? region : undefined;
}

/** A draft as a row, or a DraftError naming `drafts[i].<field>`. */
export function checkDraft(d: InvoiceDraft, now: Date, where = 'draft'): Required<InvoiceDraft> & { region: string; issuedAt: string } {
  const bad = (field: string, message: string) => new DraftError(`${where}.${field}`, `${where}.${field} ${message}`);
  const seller = creditCodeRefusal(`${where}.sellerTaxId`, d.sellerTaxId);
  if (seller) throw seller;
  const region = regionOf(d.sellerTaxId);
  if (!region) throw bad('sellerTaxId', `${d.sellerTaxId} is registered in division ${d.sellerTaxId.slice(2, 8)}, which names no province`);
  if (d.buyerTaxId !== null) {
    const buyer = creditCodeRefusal(`${where}.buyerTaxId`, d.buyerTaxId);
    if (buyer) throw buyer;
  }
  const kind = d.kind ?? (d.buyerTaxId === null ? 'ordinary' : 'special');
  if (kind !== 'special' && kind !== 'ordinary') throw bad('kind', `must be special or ordinary, got ${JSON.stringify(d.kind)}`);
  if (kind === 'special' && d.buyerTaxId === null) throw bad('buyerTaxId', 'is required on a special invoice (a person cannot receive one)');
  if (!Number.isSafeInteger(d.amountFen) || d.amountFen <= 0) throw bad('amountFen', `must be a positive whole number of fen, got ${JSON.stringify(d.amountFen)}`);
  const taxRate = d.taxRate ?? 13;
  if (!isTaxRate(taxRate)) throw bad('taxRate', `must be one of 13, 9, 6, 5, 3, 1, 0, got ${JSON.stringify(d.taxRate)}`);
  const at = d.issuedAt === undefined ? now : new Date(d.issuedAt);
  if (Number.isNaN(at.getTime())) throw bad('issuedAt', `is not an instant, got ${JSON.stringify(d.issuedAt)}`);
  if (at.getTime() > now.getTime() + FUTURE_SKEW_MS) throw bad('issuedAt', `${at.toISOString()} is in the future`);
  return {
    sellerTaxId: d.sellerTaxId,
    buyerTaxId: d.buyerTaxId,
    sellerName: d.sellerName ?? companyName(d.sellerTaxId),
    buyerName: d.buyerName ?? (d.buyerTaxId === null ? '个人' : companyName(d.buyerTaxId)),
    kind,
    amountFen: d.amountFen,
    taxRate,
    region,
    issuedAt: at.toISOString(),
  };
}

const INDUSTRY = ['科技', '贸易', '物流', '电子', '信息技术', '咨询服务', '商贸', '软件'];

/** A plausible, stable company name for a credit code (the same code always gets the same name). */
function companyName(taxId: string): string {
  let h = 0;
  for (const c of taxId) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `${PROVINCES[taxId.slice(2, 4)] ?? ''}${taxId.slice(10, 14)}${INDUSTRY[h % INDUSTRY.length]}有限公司`;
}

const pickRate = weightedPicker<TaxRate>([[13, 50], [6, 25], [9, 10], [3, 8], [1, 4], [5, 2], [0, 1]]);
const DIVISIONS = ['110108', '110105', '310115', '440305', '330106', '320102', '510107', '420106'];

/**
 * `count` drafts with made-up content: a few sellers (or the given one), buyers with credit codes
 * (or the given one), amounts log-normal around 1,000 CNY (or the given amount), common rates.
 */
export function syntheticDrafts(
  rng: Rng,
  count: number,
  opts: { seller?: string; buyer?: string; amountFen?: number; issuedAt?: string } = {},
): InvoiceDraft[] {
  const sellers = opts.seller ? [opts.seller] : Array.from({ length: Math.min(5, Math.max(1, count)) }, () => randomCreditCode(rng, pick(rng, DIVISIONS)));
  const buyers = opts.buyer ? [opts.buyer] : Array.from({ length: Math.min(50, Math.max(1, count)) }, () => randomCreditCode(rng, pick(rng, DIVISIONS)));
  return Array.from({ length: count }, () => ({
    sellerTaxId: pick(rng, sellers),
    buyerTaxId: pick(rng, buyers),
    kind: rng() < 0.4 ? 'special' : 'ordinary',
    amountFen: opts.amountFen ?? Math.min(Math.max(Math.round(100_000 * Math.exp(1.5 * standardNormal(rng))), 100), 10_000_000_000),
    taxRate: pickRate(rng),
    issuedAt: opts.issuedAt,
  }));
}

/** The invoice row of a checked draft, numbered `sequence` (channel 1: this issuing path). */
export function draftRow(d: ReturnType<typeof checkDraft>, sequence: number, held: boolean) {
  const at = new Date(d.issuedAt);
  const money = priceWithTax(d.amountFen, d.taxRate);
  return {
    invoice_no: formatInvoiceNo({ year: chinaYear(at) % 100, region: d.region, channel: 1, sequence }),
    issued_at: d.issuedAt,
    kind: d.kind,
    seller_tax_id: d.sellerTaxId,
    buyer_tax_id: d.buyerTaxId,
    seller_name: d.sellerName,
    buyer_name: d.buyerName,
    amount: money.amount,
    tax_rate: d.taxRate,
    tax: money.tax,
    total: money.total,
    region: d.region,
    folder: `sales/${taxPeriodOf(at)}`,
    held,
  };
}
