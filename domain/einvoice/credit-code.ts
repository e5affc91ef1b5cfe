// Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters
//   1     registration authority code (登记管理部门代码)
//   2     organization type code (机构类别代码), per authority
//   3-8   administrative division code (登记管理机关行政区划码, GB/T 2260), 6 digits
//   9-17  organization code (主体标识码, GB 11714): 8 characters + its check character
//   18    check character over the first 17 (mod 31)
// Every character is from the 31-character alphabet below (no I, O, S, V, Z).
import type { Rng } from './random';
import { pick, randomInt } from './random';

export const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** Weights of positions 1-17 for the 18th character: 3^i mod 31. */
export const CREDIT_CODE_WEIGHTS: readonly number[] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** GB 11714 weights of the organization code's 8 body characters. */
export const ORG_CODE_WEIGHTS: readonly number[] = [3, 7, 9, 10, 5, 8, 4, 2];

/**
 * Registration authorities and the organization types each may register (GB 32100-2015, table 1
 * and annex). Exported so a deployment meeting a newer authority code can see what is checked.
 */
export const REGISTRATION_AUTHORITIES: Readonly<Record<string, { name: string; types: Readonly<Record<string, string>> }>> = {
  '1': { name: '机构编制', types: { '1': '机关', '2': '事业单位', '3': '中央编办直接管理机构编制的群众团体', '9': '其他' } },
  '2': { name: '外交', types: { '1': '外国常驻新闻机构', '9': '其他' } },
  '3': { name: '司法行政', types: { '1': '律师执业机构', '2': '公证处', '3': '基层法律服务所', '4': '司法鉴定机构', '5': '仲裁委员会', '9': '其他' } },
  '4': { name: '文化', types: { '1': '外国在华文化中心', '9': '其他' } },
  '5': { name: '民政', types: { '1': '社会团体', '2': '民办非企业单位', '3': '基金会', '9': '其他' } },
  '6': { name: '旅游', types: { '1': '外国旅游部门常驻代表机构', '2': '港澳台地区旅游部门常驻内地（大陆）代表机构', '9': '其他' } },
  '7': { name: '宗教', types: { '1': '宗教活动场所', '2': '宗教院校', '9': '其他' } },
  '8': { name: '工会', types: { '1': '基层工会', '9': '其他' } },
  '9': { name: '工商', types: { '1': '企业', '2': '个体工商户', '3': '农民专业合作社' } },
  A: { name: '中央军委改革和编制办公室', types: { '1': '军队事业单位', '9': '其他' } },
  N: { name: '农业', types: { '1': '组级集体经济组织', '2': '村级集体经济组织', '3': '乡镇级集体经济组织', '9': '其他' } },
  Y: { name: '其他', types: { '1': '其他' } },
};

const CODE_VALUE: Readonly<Record<string, number>> = Object.fromEntries([...CREDIT_CODE_ALPHABET].map((c, i) => [c, i]));

/** GB 11714 character values: 0-9 for digits, 10-35 for A-Z (the full Latin alphabet). */
function orgCharValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  return -1;
}

/** The GB 11714 check character of an 8-character organization code body (0-9 or X). */
export function orgCodeCheckChar(body: string): string {
  if (!/^[0-9A-Z]{8}$/.test(body)) throw new Error(`an organization code body is 8 characters 0-9/A-Z, got ${JSON.stringify(body)}`);
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += orgCharValue(body[i]) * ORG_CODE_WEIGHTS[i];
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** The 18th character of a code whose first 17 characters are given. */
export function creditCodeCheckChar(first17: string): string {
  if (first17.length !== 17) throw new Error(`expected the first 17 characters, got ${first17.length}`);
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CODE_VALUE[first17[i]];
    if (v === undefined) throw new Error(`${JSON.stringify(first17[i])} is not in the credit code alphabet`);
    sum += v * CREDIT_CODE_WEIGHTS[i];
  }
  const c = 31 - (sum % 31);
  return CREDIT_CODE_ALPHABET[c === 31 ? 0 : c];
}

export type CreditCodeProblem =
  | 'length'
  | 'alphabet'
  | 'registration-authority'
  | 'organization-type'
  | 'division-code'
  | 'organization-code-check'
  | 'check-character';

/** The first problem found, or undefined for a valid code. Upper case only, as issued. */
export function creditCodeProblem(code: string): CreditCodeProblem | undefined {
  if (typeof code !== 'string' || code.length !== 18) return 'length';
  for (const c of code) if (CODE_VALUE[c] === undefined) return 'alphabet';
  const authority = REGISTRATION_AUTHORITIES[code[0]];
  if (!authority) return 'registration-authority';
  if (!Object.prototype.hasOwnProperty.call(authority.types, code[1])) return 'organization-type';
  if (!/^\d{6}$/.test(code.slice(2, 8))) return 'division-code';
  if (orgCodeCheckChar(code.slice(8, 16)) !== code[16]) return 'organization-code-check';
  if (creditCodeCheckChar(code.slice(0, 17)) !== code[17]) return 'check-character';
  return undefined;
}

/** What each problem means, as every refusal of a credit code says it (the simulator, the diagnosis). */
export const CREDIT_CODE_PROBLEM_TEXT: Readonly<Record<CreditCodeProblem, string>> = {
  length: 'is not 18 characters long (a unified social credit code has 18)',
  alphabet: 'has a character outside the credit code alphabet (0-9 and A-Y without I, O, S, V, Z)',
  'registration-authority': 'starts with an unknown registration authority code',
  'organization-type': 'has an organization type its registration authority does not register',
  'division-code': 'has no 6-digit administrative division code in characters 3-8',
  'organization-code-check': 'has a wrong organization code check character (the 17th)',
  'check-character': 'has a wrong check character (the 18th)',
};

export function isValidCreditCode(code: string): boolean {
  return creditCodeProblem(code) === undefined;
}

/** Builds a valid code from its parts, computing both check characters. */
export function makeCreditCode(parts: { authority: string; type: string; division: string; orgBody: string }): string {
  const { authority, type, division, orgBody } = parts;
  const first17 = `${authority}${type}${division}${orgBody}${orgCodeCheckChar(orgBody)}`;
  const code = first17 + creditCodeCheckChar(first17);
  const problem = creditCodeProblem(code);
  if (problem) throw new Error(`cannot make a credit code from ${JSON.stringify(parts)}: ${problem}`);
  return code;
}

const BODY_CHARS: readonly string[] = [...CREDIT_CODE_ALPHABET];

/**
 * A random valid code for a taxpayer registered in `division` (6 digits, e.g. '110108').
 * Mostly enterprises (91...), some individual businesses (92...) and cooperatives (93...);
 * organization codes are either all digits (older registrations) or `MA` + 6 characters
 * (assigned since the 2015 reform), as seen in practice.
 */
export function randomCreditCode(rng: Rng, division: string): string {
  const u = rng();
  const type = u < 0.86 ? '1' : u < 0.97 ? '2' : '3';
  let body: string;
  if (rng() < 0.6) {
    body = 'MA' + Array.from({ length: 6 }, () => pick(rng, BODY_CHARS)).join('');
  } else {
    body = String(randomInt(rng, 10_000_000, 99_999_999));
  }
  return makeCreditCode({ authority: '9', type, division, orgBody: body });
}
