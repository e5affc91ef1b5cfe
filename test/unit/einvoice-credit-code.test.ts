// Unified social credit codes (统一社会信用代码, GB 32100-2015) and their GB 11714 organization codes.
import fc from 'fast-check';
import {
  CREDIT_CODE_ALPHABET,
  creditCodeCheckChar,
  creditCodeProblem,
  isValidCreditCode,
  makeCreditCode,
  mulberry32,
  orgCodeCheckChar,
  randomCreditCode,
} from '../../domain/einvoice';

// Codes as published by the registered entities (business licences, annual reports); each one was
// checked by hand with the two algorithms, as worked through for 小米 below.
const PUBLISHED = [
  '91350100M000100Y43', // the example in GB 32100-2015 itself
  '91110108551385082Q', // 小米科技有限责任公司
  '91440300708461136T', // 深圳市腾讯计算机系统有限公司
  '91330100799655058B', // 阿里巴巴（中国）有限公司
  '914403001922038216', // 华为技术有限公司
  '91100000100003962T', // 中国工商银行股份有限公司
];

describe('unified social credit codes', () => {
  it('accepts published codes', () => {
    for (const code of PUBLISHED) expect([code, creditCodeProblem(code)]).toEqual([code, undefined]);
  });

  it('computes both check characters as worked by hand for 91110108551385082Q', () => {
    // Organization code 55138508-2: values 5 5 1 3 8 5 0 8, weights 3 7 9 10 5 8 4 2
    //   15 + 35 + 9 + 30 + 40 + 40 + 0 + 16 = 185; 185 mod 11 = 9; 11 - 9 = 2.
    expect(orgCodeCheckChar('55138508')).toBe('2');
    // First 17: 9 1 1 1 0 1 0 8 5 5 1 3 8 5 0 8 2, weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
    //   9 + 3 + 9 + 27 + 0 + 26 + 0 + 136 + 100 + 145 + 25 + 39 + 64 + 120 + 0 + 240 + 56 = 999;
    //   999 mod 31 = 7; 31 - 7 = 24 -> alphabet[24] = 'Q'.
    expect(creditCodeCheckChar('91110108551385082')).toBe('Q');
  });

  it('maps the organization check 10 to X and 11 to 0', () => {
    // Over enough random bodies every check value appears, X (10) and 0 (11) included.
    const rng = mulberry32(1);
    const seen = new Set<string>();
    for (let i = 0; i < 2000 && seen.size < 11; i++) {
      const body = String(10_000_000 + Math.floor(rng() * 89_999_999));
      seen.add(orgCodeCheckChar(body));
    }
    expect([...seen].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
    // GB 11714 letter values are A=10 .. Z=35 (the full Latin alphabet, unlike the 31-char one).
    // 'MA000000': 22*3 + 10*7 = 136; 136 mod 11 = 4; 11 - 4 = 7.
    expect(orgCodeCheckChar('MA000000')).toBe('7');
  });

  it('maps the final check 31 to 0', () => {
    // Find a 17-character prefix whose weighted sum is a multiple of 31.
    const code = makeCreditCode({ authority: '9', type: '1', division: '110108', orgBody: 'MA000000' });
    expect(isValidCreditCode(code)).toBe(true);
    const rng = mulberry32(7);
    let zero: string | undefined;
    for (let i = 0; i < 5000 && !zero; i++) {
      const c = randomCreditCode(rng, '310115');
      if (c.endsWith('0')) zero = c;
    }
    expect(zero).toBeDefined();
    expect(isValidCreditCode(zero!)).toBe(true);
  });

  it('rejects any single-character change of a valid code', () => {
    const codes = [...PUBLISHED, ...Array.from({ length: 30 }, (_, i) => randomCreditCode(mulberry32(i), '440305'))];
    let mutants = 0;
    for (const code of codes) {
      for (let pos = 0; pos < 18; pos++) {
        for (const c of [...CREDIT_CODE_ALPHABET, 'I', 'O', 'S', 'V', 'Z', 'a', 'q', '-', ' ']) {
          if (c === code[pos]) continue;
          const mutant = code.slice(0, pos) + c + code.slice(pos + 1);
          expect([mutant, isValidCreditCode(mutant)]).toEqual([mutant, false]);
          mutants++;
        }
      }
    }
    // Every position, every other character of the alphabet plus 9 outsiders.
    expect(mutants).toBe(codes.length * 18 * (CREDIT_CODE_ALPHABET.length - 1 + 9));
  });

  it('rejects swapped neighbours among the first 17 (weights 3^i: a swap changes the sum by 2*w*(a-b), never 0 mod 31)', () => {
    for (const code of PUBLISHED) {
      for (let pos = 0; pos < 16; pos++) {
        if (code[pos] === code[pos + 1]) continue;
        const swapped = code.slice(0, pos) + code[pos + 1] + code[pos] + code.slice(pos + 2);
        expect([swapped, isValidCreditCode(swapped)]).toEqual([swapped, false]);
      }
    }
  });

  it('names the first problem', () => {
    expect(creditCodeProblem('91110108551385082')).toBe('length');
    expect(creditCodeProblem('91110108551385082QQ')).toBe('length');
    expect(creditCodeProblem('91110108551385082q')).toBe('alphabet');
    expect(creditCodeProblem('91110108551385O82Q')).toBe('alphabet');
    expect(creditCodeProblem('B1110108551385082Q')).toBe('registration-authority');
    expect(creditCodeProblem('94110108551385082Q')).toBe('organization-type');
    expect(creditCodeProblem('9111010A551385082Q')).toBe('division-code');
    expect(creditCodeProblem('91110108551385083Q')).toBe('organization-code-check');
    expect(creditCodeProblem('91110108551385082R')).toBe('check-character');
    expect(isValidCreditCode(null as unknown as string)).toBe(false);
  });

  it('generates valid codes, deterministically from the seed, in the given division', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const types = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const code = randomCreditCode(a, '330106');
      expect(code).toBe(randomCreditCode(b, '330106'));
      expect(code.slice(2, 8)).toBe('330106');
      types.add(code.slice(0, 2));
      if (!isValidCreditCode(code)) throw new Error(`generated an invalid code ${code}: ${creditCodeProblem(code)}`);
    }
    expect([...types].sort()).toEqual(['91', '92', '93']);
  });

  it('makes a code from any parts and validates it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(['1', '2'], ['5', '3'], ['9', '1'], ['9', '2'], ['Y', '1'], ['N', '9']),
        fc.stringMatching(/^\d{6}$/),
        fc.array(fc.constantFrom(...CREDIT_CODE_ALPHABET), { minLength: 8, maxLength: 8 }),
        ([authority, type], division, body) => {
          const code = makeCreditCode({ authority, type, division, orgBody: body.join('') });
          expect(code).toHaveLength(18);
          expect(isValidCreditCode(code)).toBe(true);
        },
      ),
    );
  });
});
