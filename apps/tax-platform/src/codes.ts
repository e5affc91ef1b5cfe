// The platform's answer codes (direct-connect API), and the error every handler throws.

export const OK = '00';

/** Real codes the simulator reuses (tax-platform.md). */
export const PLATFORM_CODES = {
  UNSTABLE: '2116', // 电局环境不稳定: platform unstable
  BAD_DATA: '1108', // bad data
  LOGIN_EXPIRED: '1101', // login expired, log in again
  DUPLICATE_SERIAL: '6655', // the request serial was used before
  ALREADY_EXISTS: '6783', // the invoice is already on the platform: query it instead
} as const;

/** The simulator's own codes where the real API has none we know of. */
export const SIM_CODES = { NOT_FOUND: 'not-found', BAD_REQUEST: 'bad-request', UNAUTHORIZED: 'unauthorized' } as const;

/** HTTP status for a code; a code the table does not know (e.g. an `error` fault's) answers 500. */
const HTTP_STATUS: Record<string, number> = {
  [PLATFORM_CODES.BAD_DATA]: 400,
  [PLATFORM_CODES.LOGIN_EXPIRED]: 401,
  [PLATFORM_CODES.DUPLICATE_SERIAL]: 409,
  [PLATFORM_CODES.ALREADY_EXISTS]: 409,
  [PLATFORM_CODES.UNSTABLE]: 500,
  [SIM_CODES.NOT_FOUND]: 404,
  [SIM_CODES.BAD_REQUEST]: 400,
  [SIM_CODES.UNAUTHORIZED]: 401,
};

export class PlatformError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly httpStatus = HTTP_STATUS[code] ?? 500,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.extra };
  }
}

export const badData = (message: string) => new PlatformError(PLATFORM_CODES.BAD_DATA, message);
