// Input checks with the e-invoice domain's own rules (invoice numbers, credit codes, periods),
// as class-validator decorators, and one function that turns a plain body into a checked DTO or
// a 1108 naming every field that is wrong and where.
import { plainToInstance } from 'class-transformer';
import type { ClassConstructor } from 'class-transformer';
import { ValidateBy, ValidationError, validate } from 'class-validator';
import type { ValidationOptions } from 'class-validator';
import { CREDIT_CODE_PROBLEM_TEXT, creditCodeProblem, isProvinceCode, isTaxPeriod } from '../../../domain/einvoice';
import { badData } from './codes';

/** Why `no` is not a fully digitalized invoice number, or undefined. Says what was given. */
export function invoiceNoProblem(no: unknown): string | undefined {
  if (typeof no !== 'string') return `must be a string of 20 digits, got ${typeof no}`;
  if (no.length !== 20) return `must be 20 digits, got ${no.length} characters (${JSON.stringify(no.slice(0, 40))})`;
  if (!/^\d{20}$/.test(no)) return `must be 20 digits, got ${JSON.stringify(no)}`;
  if (!isProvinceCode(no.slice(2, 4))) return `has an unknown provincial tax authority code ${JSON.stringify(no.slice(2, 4))} at digits 3-4`;
  if (/^0+$/.test(no.slice(5))) return 'has a zero sequence (digits 6-20)';
  return undefined;
}

/** Why `code` is not a unified social credit code, or undefined. */
export function creditCodeMessage(code: unknown): string | undefined {
  if (typeof code !== 'string') return `must be an 18-character credit code, got ${typeof code}`;
  const problem = creditCodeProblem(code);
  return problem ? `${CREDIT_CODE_PROBLEM_TEXT[problem]}: ${JSON.stringify(code.slice(0, 40))}` : undefined;
}

function byRule(name: string, problem: (v: unknown) => string | undefined, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name, validator: { validate: (v) => problem(v) === undefined, defaultMessage: (a) => `$property ${problem(a?.value) ?? 'is invalid'}` } },
    options,
  );
}

export const IsInvoiceNo = (o?: ValidationOptions) => byRule('isInvoiceNo', invoiceNoProblem, o);
export const IsCreditCode = (o?: ValidationOptions) => byRule('isCreditCode', creditCodeMessage, o);
export const IsTaxPeriod = (o?: ValidationOptions) =>
  byRule('isTaxPeriod', (v) => (isTaxPeriod(v) ? undefined : `must be a tax period yyyy-MM, got ${JSON.stringify(v)}`), o);

/** Each failed constraint's message, named by its path (`invoices[3].fphm must be ...`). */
function messages(e: ValidationError, parent = ''): string[] {
  const at = `${parent}${/^\d+$/.test(e.property) ? `[${e.property}]` : parent ? `.${e.property}` : e.property}`;
  const own = Object.values(e.constraints ?? {}).map((m) => (m.startsWith(e.property) ? `${at}${m.slice(e.property.length)}` : `${at}: ${m}`));
  const nested = (e.children ?? []).flatMap((c) => messages(c, at));
  return own.length || nested.length ? [...own, ...nested] : [`${at} is invalid`];
}

/** The body as a checked `cls`, or a 1108 listing what is wrong (the first 20 problems). */
export async function checked<T extends object>(cls: ClassConstructor<T>, plain: unknown, what: string): Promise<T> {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) throw badData(`${what} must be a JSON object`);
  const dto = plainToInstance(cls, plain);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) {
    const all = errors.flatMap((e) => messages(e));
    const shown = all.slice(0, 20).join('; ');
    throw badData(`${what}: ${shown}${all.length > 20 ? `; and ${all.length - 20} more` : ''}`);
  }
  return dto;
}
