// The tax platform's error codes Yingji reads (tax-platform.md: real codes of the direct-connect
// API, reused by the simulator), what they mean and what to do about each. An adapter passes the
// code as received; a code not listed here is still reported, with its number only.
import type { Bilingual } from './diagnosis.types';

export interface PlatformCode {
  meaning: Bilingual;
  /** What a person does when an invoice's sync ended with this code. */
  advice: Bilingual;
}

export const PLATFORM_CODES: Readonly<Record<string, PlatformCode>> = {
  '2116': {
    meaning: { zh: '电局环境不稳定', en: 'the platform is unstable' },
    advice: { zh: '平台恢复后重新同步', en: 'resync once the platform is stable' },
  },
  '1108': {
    meaning: { zh: '电局返回数据异常', en: 'bad data from the bureau' },
    advice: { zh: '稍后重新同步；持续出现请联系平台客服', en: 'resync later; if it persists, ask the platform support' },
  },
  '1101': {
    meaning: { zh: '登录已失效，需要重新登录', en: 'login expired, log in again' },
    advice: { zh: '重新登录税务数字账户后重新同步', en: 'log in to the tax digital account again, then resync' },
  },
  '6655': {
    meaning: { zh: '请求流水号重复', en: 'duplicate request serial' },
    advice: { zh: '不要换号重传：按原流水号查询上传结果', en: 'do not upload it under a new serial: query the first upload\'s result by its serial' },
  },
  '6783': {
    meaning: { zh: '发票已存在', en: 'the invoice already exists' },
    advice: { zh: '按号码和开票日期查询平台记录，一致则标记为已同步', en: 'query the platform by number and issue date and, if it matches, mark it synced' },
  },
};

/** `2116 电局环境不稳定` / `2116 the platform is unstable`, or the code alone when unknown. */
export function describeCode(code: string): Bilingual {
  const known = Object.prototype.hasOwnProperty.call(PLATFORM_CODES, code) ? PLATFORM_CODES[code] : undefined;
  return known ? { zh: `${code} ${known.meaning.zh}`, en: `${code} ${known.meaning.en}` } : { zh: code, en: code };
}

/** The advice for an invoice whose sync ended with `code`, or undefined when the code is not known. */
export function adviceFor(code: string | null): Bilingual | undefined {
  return code !== null && Object.prototype.hasOwnProperty.call(PLATFORM_CODES, code) ? PLATFORM_CODES[code].advice : undefined;
}
