// The platform's calls as they travel (direct-connect field names, simplified, amounts in integer
// fen): what the client sends and what it reads back. Written from the API's contract (README,
// "The tax-platform simulator"), not imported from the simulator, so TAX_PLATFORM_URL may name any
// implementation of it; the simulator (apps/tax-platform) answers with these same types.

/** One invoice of an upload (QDFPSC). */
export interface UploadRow {
  /** 发票号码, 20 digits. */
  fphm: string;
  /** 开票日期: ISO 8601 with its UTC offset (China time, +08:00). */
  kprq: string;
  /** 销售方纳税人识别号. */
  xsfnsrsbh: string;
  /** 购买方纳税人识别号; absent for a person. */
  gmfnsrsbh?: string;
  /** 合计金额, 合计税额, 价税合计; negative on a red-letter invoice. */
  hjje: number;
  hjse: number;
  jshj: number;
  /** 蓝字发票号码: a red-letter invoice's original. */
  lzfphm?: string;
}

/** QDFPSC's answer: the acceptance serial to ask the result by. */
export interface UploadAccepted {
  sllsh: string;
  fpqqlsh: string;
  rows: number;
}

/** CXQDFPSCJG's answer: per invoice `00`, or the platform's code (6783 already there, 2116 lost). */
export interface UploadResult {
  sllsh: string;
  fpqqlsh: string;
  state: 'processing' | 'done';
  /** Invoices not done yet. */
  pending: number;
  results: { fphm: string; status: string; message: string }[];
}

/** An invoice as the platform holds it. */
export interface PlatformRecord {
  fphm: string;
  /** ISO 8601. */
  kprq: string;
  xsfnsrsbh: string;
  gmfnsrsbh: string | null;
  hjje: number;
  hjse: number;
  jshj: number;
  lzfphm: string | null;
  /** blue (蓝字) or red-letter (红字): the direction, not the invoice type. */
  kind?: string;
  /** 发票票种 (type code), when the implementation states it: 81/01/08 special, 82/04/10 ordinary. */
  fppz?: string;
}

export interface InvoicePage {
  nsrsbh: string;
  role: 'seller' | 'buyer';
  period: string;
  page: number;
  size: number;
  total: number;
  pages: number;
  invoices: PlatformRecord[];
}

export interface SummaryPart {
  count: number;
  hjje: number;
  hjse: number;
  jshj: number;
}

/** SCFPHZQRXX: a period's blue and red counts and amounts, and whether the summary is confirmed. */
export interface MonthlySummary {
  nsrsbh: string;
  period: string;
  blue: SummaryPart;
  red: SummaryPart;
  declaration: { status: 'confirmed'; confirmedAt: string } | { status: 'not-confirmed' };
}

export type FaultSetting =
  | { kind: 'outage' }
  | { kind: 'slow'; ms: number }
  | { kind: 'delay'; ms?: number; minutes?: number }
  | { kind: 'drop'; share?: number }
  | { kind: 'error'; code: string; share?: number }
  | { kind: 'session-expired' };

/** When a fault lifts by itself: an instant (`until`) or a duration from now (`for`, e.g. `30m`). */
export type FaultWindow = { until?: string; for?: string };

/** A fault as the simulator lists it; `until` when it lifts (or lifted) by itself. */
export type ListedFault = { kind: FaultSetting['kind']; until?: string } & Record<string, unknown>;

export interface PlatformCounters {
  /** Batches accepted (QDFPSC answered an sllsh). */
  uploads: number;
  /** Invoices stored from those batches. */
  invoices: number;
  /** Refused uploads of something already sent: repeated serials (6655) plus invoices already there (6783). */
  duplicatesRefused: number;
  duplicateSerials: number;
  alreadyExists: number;
  /** Invoices accepted and then lost under a `drop` fault. */
  drops: number;
}
