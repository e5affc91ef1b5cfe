// What a tax-platform call can end in, as one typed error: the platform's own code (2116, 1108,
// 1101, 6655, 6783, ...) or a transport failure ('http-<status>', 'unreachable'), with whether
// trying again can help and how many attempts were made. Shaped like the diagnosis core's
// PlatformError (domain/einvoice/diagnosis/diagnosis.types.ts), so a failed call is its evidence.

/** Codes answered by the platform that retrying can fix: 2116 unstable (电局环境不稳定). */
const RETRYABLE_CODES = new Set(['2116']);
/** Transport statuses worth another attempt: a gateway or the platform itself is down for now. */
const RETRYABLE_HTTP = new Set([502, 503, 504]);

export class TaxPlatformError extends Error {
  override readonly name = 'TaxPlatformError';
  /** The platform's code, or 'http-<status>' / 'unreachable' when no platform answer was read. */
  readonly code: string;
  readonly httpStatus?: number;
  /** Attempts made for the call before this error was final (≥ 1). */
  attempts: number;
  /** True when another attempt later may succeed (transport, 503, 2116); false for answers (6655, 6783, 1108, ...). */
  readonly retryable: boolean;
  /** True when the call got no answer within its timeout. */
  readonly timedOut: boolean;
  /** On 6655: the acceptance serial of the first upload under the same request serial (query it instead). */
  readonly sllsh?: string;

  constructor(init: { code: string; message: string; httpStatus?: number; attempts?: number; retryable?: boolean; timedOut?: boolean; sllsh?: string }) {
    super(init.message);
    this.code = init.code;
    this.httpStatus = init.httpStatus;
    this.attempts = init.attempts ?? 1;
    this.retryable = init.retryable ?? isRetryableCode(init.code);
    this.timedOut = init.timedOut ?? false;
    if (init.sllsh !== undefined) this.sllsh = init.sllsh;
  }

  /** Plain data for Temporal, the audit log and the diagnosis core (no stack, no request). */
  toJSON(): { code: string; message: string; httpStatus?: number; attempts: number; retryable: boolean; timedOut: boolean; sllsh?: string } {
    return {
      code: this.code,
      message: this.message,
      ...(this.httpStatus !== undefined ? { httpStatus: this.httpStatus } : {}),
      attempts: this.attempts,
      retryable: this.retryable,
      timedOut: this.timedOut,
      ...(this.sllsh !== undefined ? { sllsh: this.sllsh } : {}),
    };
  }
}

export function isRetryableCode(code: string): boolean {
  if (code === 'unreachable') return true;
  const http = /^http-(\d{3})$/.exec(code);
  return http ? RETRYABLE_HTTP.has(Number(http[1])) : RETRYABLE_CODES.has(code);
}

/**
 * A failure of fetch itself as a TaxPlatformError: a timeout (AbortSignal.timeout) or no
 * connection. Only local error codes are kept (ECONNREFUSED), never what a far side may have sent.
 */
export function transportError(err: unknown, call: string, timeoutMs: number): TaxPlatformError {
  const name = (err as { name?: unknown })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new TaxPlatformError({ code: 'unreachable', message: `${call}: no answer within ${timeoutMs} ms (timeout)`, timedOut: true });
  }
  const cause = (err as { cause?: { code?: unknown } })?.cause?.code;
  const local = typeof cause === 'string' && /^[A-Z0-9_]+$/.test(cause) ? cause : 'connection error';
  return new TaxPlatformError({ code: 'unreachable', message: `${call}: the platform cannot be reached (${local})` });
}
