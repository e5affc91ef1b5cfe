// Fully digitalized invoice numbers (数电票号码): 20 digits =
//   2-digit year + 2-digit provincial tax authority code + 1-digit issuing channel + 15-digit sequence.
// There is no check digit, so a typo that stays within the format cannot be detected here
// (reconciliation's "data entry error" cause looks for near matches instead).

/**
 * Provincial tax authority codes: the 31 provincial-level administrative divisions (GB/T 2260
 * first two digits). The project's choice: the five cities specially designated in the state plan
 * (计划单列市: Dalian, Qingdao, Ningbo, Xiamen, Shenzhen) are filed under their province's code.
 */
export const PROVINCES: Readonly<Record<string, string>> = {
  '11': '北京', '12': '天津', '13': '河北', '14': '山西', '15': '内蒙古',
  '21': '辽宁', '22': '吉林', '23': '黑龙江',
  '31': '上海', '32': '江苏', '33': '浙江', '34': '安徽', '35': '福建', '36': '江西', '37': '山东',
  '41': '河南', '42': '湖北', '43': '湖南', '44': '广东', '45': '广西', '46': '海南',
  '50': '重庆', '51': '四川', '52': '贵州', '53': '云南', '54': '西藏',
  '61': '陕西', '62': '甘肃', '63': '青海', '64': '宁夏', '65': '新疆',
};
export const PROVINCE_CODES: readonly string[] = Object.keys(PROVINCES);

export function isProvinceCode(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(PROVINCES, code);
}

export const SEQUENCE_DIGITS = 15;
export const MAX_SEQUENCE = 10 ** SEQUENCE_DIGITS - 1;

export interface InvoiceNoParts {
  /** Two-digit year, 0-99 (the year of issue in China Standard Time, modulo 100). */
  year: number;
  /** Provincial tax authority code, e.g. '11' (Beijing). */
  region: string;
  /** Issuing channel digit, 0-9. The generator uses 1 and 2; any digit is accepted. */
  channel: number;
  /** 1 .. 10^15 - 1. */
  sequence: number;
}

const INVOICE_NO = /^(\d{2})(\d{2})(\d)(\d{15})$/;

/** The parts of a well-formed number, or undefined (also for an unknown region or a zero sequence). */
export function parseInvoiceNo(no: string): InvoiceNoParts | undefined {
  if (typeof no !== 'string') return undefined;
  const m = INVOICE_NO.exec(no);
  if (!m || !isProvinceCode(m[2])) return undefined;
  const sequence = Number(m[4]);
  if (sequence < 1) return undefined;
  return { year: Number(m[1]), region: m[2], channel: Number(m[3]), sequence };
}

export function isValidInvoiceNo(no: string): boolean {
  return parseInvoiceNo(no) !== undefined;
}

export function formatInvoiceNo(parts: InvoiceNoParts): string {
  const { year, region, channel, sequence } = parts;
  if (!Number.isInteger(year) || year < 0 || year > 99) throw new Error(`invoice number year must be 0-99, got ${year}`);
  if (!isProvinceCode(region)) throw new Error(`unknown provincial tax authority code ${JSON.stringify(region)}`);
  if (!Number.isInteger(channel) || channel < 0 || channel > 9) throw new Error(`issuing channel must be one digit, got ${channel}`);
  if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence > MAX_SEQUENCE) throw new Error(`sequence must be 1..${MAX_SEQUENCE}, got ${sequence}`);
  return `${String(year).padStart(2, '0')}${region}${channel}${String(sequence).padStart(SEQUENCE_DIGITS, '0')}`;
}
