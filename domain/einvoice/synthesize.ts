// Synthetic invoices with realistic distributions, for drills, restores and benchmarks. Pure and
// deterministic: the same options give the same invoices (seeded PRNG, `now` passed in).
//
// What the data looks like (the shares are this generator's choices, not published statistics):
// - taxpayers: a pool of sellers/buyers with valid credit codes in the seller's province; a few
//   big sellers issue most invoices (skewed choice).
// - time: a hot current month (HOT_MONTH_SHARE of invoices between the start of now's tax period
//   and now), the rest over the previous 47 months, decaying with age; mostly business hours.
// - amounts: log-normal, higher for special invoices; a few tenths of a percent are high-value.
// - red-letter: RED_LETTER_SHARE of originals get a red-letter invoice (negative amounts,
//   original_invoice_no) issued after them; the original becomes red-flushed (full reversal) or
//   partially-red-flushed. Both rows are emitted, so every red-letter links to an existing original.
// - declaration: previous periods declared (a few late or never); the previous period may still be
//   undeclared before the 15th (the filing deadline); in the current period some invoices are
//   already declared (e.g. confirmed for deduction), the rest have declared_period null.
// - sync: almost all synced seconds to minutes after issue; recent ones (last 3 days) sometimes
//   pending or failed; a very few old failures that nobody fixed.
// - folder: `<category>/<period>`; a few are misfiled (wrong category or period).
import { randomCreditCode } from './credit-code';
import type { Invoice, InvoiceKind, InvoiceStatus, SyncStatus } from './invoice';
import { formatInvoiceNo, MAX_SEQUENCE, PROVINCES } from './invoice-number';
import { priceWithTax, taxFor } from './money';
import type { TaxRate } from './money';
import { addMonths, chinaDayOfMonth, periodStart, taxPeriodOf } from './period';
import type { TaxPeriod } from './period';
import { mulberry32, pick, randomInt, standardNormal, weightedPicker } from './random';
import type { Rng } from './random';

export const HOT_MONTH_SHARE = 0.2;
export const RED_LETTER_SHARE = 0.03;
export const HISTORY_MONTHS = 47;
export const FOLDER_CATEGORIES = ['sales', 'purchases', 'expenses', 'assets'] as const;

export interface SynthesizeOptions {
  seed: number;
  now: Date;
  /** The first 15-digit sequence number to use; the caller passes 1 + the largest in use. */
  firstSequence?: number;
  /** Taxpayers to draw sellers and buyers from; by default count / 40, within 50..20,000. */
  taxpayers?: number;
}

export interface Taxpayer {
  taxId: string;
  name: string;
  /** Province code, the first two digits of its division code. */
  region: string;
}

const DAY = 86_400_000;

const pickRegion = weightedPicker<string>([
  ['44', 12], ['32', 11], ['33', 8], ['37', 7], ['31', 7], ['11', 7], ['41', 5], ['51', 5], ['42', 4], ['35', 4],
  ['43', 4], ['34', 3], ['13', 3], ['50', 2.5], ['61', 2.5], ['21', 2.5], ['36', 2.5], ['45', 2], ['53', 2], ['12', 1.5],
  ['14', 1.5], ['15', 1.5], ['52', 1.5], ['65', 1.5], ['22', 1], ['23', 1], ['62', 0.8], ['46', 0.6], ['64', 0.4], ['63', 0.3],
  ['54', 0.2],
]);
const pickRate = weightedPicker<TaxRate>([[13, 50], [6, 25], [9, 10], [3, 8], [1, 4], [5, 2], [0, 1]]);
const pickCategory = weightedPicker<(typeof FOLDER_CATEGORIES)[number]>([['sales', 55], ['purchases', 25], ['expenses', 15], ['assets', 5]]);

const BRAND = [...'华信达通恒盛金泰安宏远鑫瑞丰科创联新源德隆正嘉星海天云智汇博'];
const INDUSTRY = ['科技', '贸易', '建设工程', '餐饮管理', '物流', '电子', '医药', '食品', '机械设备', '信息技术', '文化传媒', '咨询服务', '新材料', '能源', '汽车销售', '商贸', '印务', '环保科技', '供应链管理', '软件'];
const SUFFIX = ['有限公司', '有限公司', '有限公司', '股份有限公司', '有限责任公司'];
const SHOP = ['便利店', '餐馆', '五金店', '服装店', '维修部', '建材经营部', '水果店'];
const SURNAME = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹'];
const GIVEN = [...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅'];

function makeTaxpayer(rng: Rng): Taxpayer {
  const region = pickRegion(rng);
  const division = `${region}${pick(rng, ['01', '01', '02', '03', '05', '06'])}${pick(rng, ['00', '01', '02', '03', '04', '05', '06', '08', '11'])}`;
  const taxId = randomCreditCode(rng, division);
  const province = PROVINCES[region];
  const brand = pick(rng, BRAND) + pick(rng, BRAND);
  const type = taxId[1];
  const name =
    type === '2' ? `${province}${brand}${pick(rng, SHOP)}` : type === '3' ? `${province}${brand}农民专业合作社` : `${province}${brand}${pick(rng, INDUSTRY)}${pick(rng, SUFFIX)}`;
  return { taxId, name, region };
}

function personName(rng: Rng): string {
  return pick(rng, SURNAME) + pick(rng, GIVEN) + (rng() < 0.6 ? pick(rng, GIVEN) : '');
}

/** Amount excluding tax, in fen: log-normal, clamped to 1 CNY .. 500,000,000 CNY. */
function amountFen(rng: Rng, kind: InvoiceKind): number {
  const [median, sigma] = kind === 'special' ? [800_000, 1.9] : [60_000, 2.0];
  const v = Math.round(median * Math.exp(sigma * standardNormal(rng)));
  return Math.min(Math.max(v, 100), 50_000_000_000);
}

/** An instant within [from, to): 85% in business hours (09:00-18:00 China time) when the span allows. */
function instantBetween(rng: Rng, from: number, to: number): number {
  if (to <= from) return from;
  const t = from + Math.floor(rng() * (to - from));
  if (rng() >= 0.85) return t;
  const dayStart = Math.floor((t + 8 * 3600_000) / DAY) * DAY - 8 * 3600_000;
  const business = dayStart + 9 * 3600_000 + Math.floor(rng() * 9 * 3600_000);
  return business >= from && business < to ? business : t;
}

/** Invoices one by one (a red-letter invoice right after its original). */
export function* synthesizeInvoices(count: number, opts: SynthesizeOptions): Generator<Invoice> {
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`count must be a non-negative integer, got ${count}`);
  const now = opts.now.getTime();
  if (Number.isNaN(now)) throw new Error('now must be a valid date');
  const rng = mulberry32(opts.seed);
  let sequence = opts.firstSequence ?? 1;
  if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence + count - 1 > MAX_SEQUENCE) {
    throw new Error(`firstSequence ${opts.firstSequence} leaves no room for ${count} invoices`);
  }
  const poolSize = opts.taxpayers ?? Math.min(20_000, Math.max(50, Math.round(count / 40)));
  const pool = Array.from({ length: poolSize }, () => makeTaxpayer(rng));

  const nowPeriod = taxPeriodOf(opts.now);
  const currentStart = periodStart(nowPeriod).getTime();
  const previousPeriod = addMonths(nowPeriod, -1);
  const dayOfMonth = chinaDayOfMonth(opts.now);
  // Older months weigh less: 0.95^age, months 1..HISTORY_MONTHS back.
  const pickMonthsBack = weightedPicker(Array.from({ length: HISTORY_MONTHS }, (_, i) => [i + 1, 0.95 ** (i + 1)] as const));

  // Month starts and names, months back from now's period (0 = current; HISTORY_MONTHS + 1 entries).
  const periods = Array.from({ length: HISTORY_MONTHS + 1 }, (_, k) => addMonths(nowPeriod, -k));
  const starts = [...periods.map((p) => periodStart(p).getTime()), periodStart(addMonths(nowPeriod, 1)).getTime()];
  const issuedAtFor = (): { at: number; period: TaxPeriod } => {
    if (rng() < HOT_MONTH_SHARE) return { at: instantBetween(rng, currentStart, Math.max(now, currentStart)), period: nowPeriod };
    const k = pickMonthsBack(rng);
    return { at: instantBetween(rng, starts[k], starts[k - 1]), period: periods[k] };
  };

  const declaredPeriodFor = (period: TaxPeriod): TaxPeriod | null => {
    if (period >= nowPeriod) return rng() < 0.35 ? nowPeriod : null;
    if (period === previousPeriod) return dayOfMonth > 15 || rng() < dayOfMonth / 16 ? period : null;
    const u = rng();
    if (u < 0.001) return null;
    if (u < 0.003) {
      const late = addMonths(period, randomInt(rng, 1, 3));
      return late < nowPeriod ? late : previousPeriod;
    }
    return period;
  };

  const syncFor = (issuedAt: number): { syncStatus: SyncStatus; syncedAt: number | null } => {
    const u = rng();
    if (now - issuedAt < 3 * DAY) {
      if (u < 0.06) return { syncStatus: 'pending', syncedAt: null };
      if (u < 0.08) return { syncStatus: 'failed', syncedAt: null };
    } else if (u < 0.0005) {
      return { syncStatus: 'failed', syncedAt: null };
    }
    const delay = Math.round(30_000 * Math.exp(1.5 * standardNormal(rng)));
    return { syncStatus: 'synced', syncedAt: Math.min(issuedAt + delay, Math.max(now, issuedAt)) };
  };

  const folderFor = (category: string, period: TaxPeriod): string => {
    if (rng() >= 0.004) return `${category}/${period}`;
    // Misfiled: the right period under another category, or the right category in a neighbour month.
    if (rng() < 0.5) return `${pick(rng, FOLDER_CATEGORIES.filter((c) => c !== category))}/${period}`;
    return `${category}/${addMonths(period, rng() < 0.5 ? -1 : 1)}`;
  };

  const row = (fields: {
    issuedAt: number;
    /** The issue instant's tax period, when the caller knows it already. */
    period?: TaxPeriod;
    kind: InvoiceKind;
    seller: Taxpayer;
    buyer: Taxpayer | string;
    amount: number;
    taxRate: TaxRate;
    tax: number;
    status: InvoiceStatus;
    originalInvoiceNo: string | null;
    category: string;
    updatedAt?: number;
    rowVersion?: number;
  }): Invoice => {
    const { issuedAt, seller, buyer } = fields;
    const period = fields.period ?? taxPeriodOf(new Date(issuedAt));
    const { syncStatus, syncedAt } = syncFor(issuedAt);
    const invoiceNo = formatInvoiceNo({ year: Number(period.slice(2, 4)), region: seller.region, channel: rng() < 0.85 ? 2 : 1, sequence: sequence++ });
    return {
      invoiceNo,
      issuedAt: new Date(issuedAt),
      kind: fields.kind,
      sellerTaxId: seller.taxId,
      buyerTaxId: typeof buyer === 'string' ? null : buyer.taxId,
      sellerName: seller.name,
      buyerName: typeof buyer === 'string' ? buyer : buyer.name,
      amount: fields.amount,
      taxRate: fields.taxRate,
      tax: fields.tax,
      total: fields.amount + fields.tax,
      status: fields.status,
      originalInvoiceNo: fields.originalInvoiceNo,
      region: seller.region,
      folder: folderFor(fields.category, period),
      syncStatus,
      syncedAt: syncedAt === null ? null : new Date(syncedAt),
      declaredPeriod: declaredPeriodFor(period),
      updatedAt: new Date(Math.max(fields.updatedAt ?? 0, syncedAt ?? issuedAt, issuedAt)),
      rowVersion: fields.rowVersion ?? 1,
    };
  };

  let emitted = 0;
  while (emitted < count) {
    const { at: issuedAt, period } = issuedAtFor();
    const kind: InvoiceKind = rng() < 0.35 ? 'special' : 'ordinary';
    const seller = pool[Math.floor(pool.length * rng() ** 2.5)];
    let buyer: Taxpayer | string;
    if (kind === 'ordinary' && rng() < 0.35) buyer = personName(rng);
    else {
      buyer = pool[Math.floor(pool.length * rng())];
      if (buyer === seller) buyer = pool[(pool.indexOf(seller) + 1) % pool.length];
    }
    const taxRate = pickRate(rng);
    const { amount, tax } = priceWithTax(amountFen(rng, kind), taxRate);
    const category = pickCategory(rng);

    const flush = count - emitted >= 2 && rng() < RED_LETTER_SHARE;
    if (!flush) {
      yield row({ issuedAt, period, kind, seller, buyer, amount, taxRate, tax, status: 'issued', originalInvoiceNo: null, category });
      emitted++;
      continue;
    }
    // Red-letter: issued after the original (days to weeks, never after now).
    let redAt = issuedAt + Math.round(-Math.log(1 - rng()) * 12 * DAY);
    if (redAt > now) redAt = issuedAt + Math.floor(rng() * Math.max(0, now - issuedAt));
    const full = rng() < 0.65 || amount < 200;
    const reversed = full ? amount : Math.max(1, Math.round(amount * (0.1 + 0.8 * rng())));
    const status: InvoiceStatus = full ? 'red-flushed' : 'partially-red-flushed';
    const original = row({ issuedAt, period, kind, seller, buyer, amount, taxRate, tax, status, originalInvoiceNo: null, category, updatedAt: redAt, rowVersion: 2 });
    yield original;
    yield row({
      issuedAt: redAt,
      kind,
      seller,
      buyer,
      amount: -reversed,
      taxRate,
      tax: taxFor(-reversed, taxRate),
      status: 'issued',
      originalInvoiceNo: original.invoiceNo,
      category,
    });
    emitted += 2;
  }
}
