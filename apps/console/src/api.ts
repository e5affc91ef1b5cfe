// The console's one way to call the API: same origin, the session cookie, and the CSRF token on
// every change. A refusal is thrown with the API's own words, for the screen to show as they are.
import { parse } from 'cookie';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The API's message: a string, or the validation messages joined. */
function messageOf(body: unknown, fallback: string): string {
  const m = (body as { message?: unknown } | null)?.message;
  if (typeof m === 'string') return m;
  if (Array.isArray(m)) return m.join('; ');
  return fallback;
}

async function call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = contentType;
  if (method !== 'GET') headers['x-csrf-token'] = parse(document.cookie).yingji_csrf ?? '';
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const type = res.headers.get('content-type') ?? '';
  const parsed: unknown = res.status === 204 ? undefined : type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw new ApiError(res.status, messageOf(parsed, `${res.status} ${res.statusText}`));
  return parsed as T;
}

/** What to show a person when a call failed: the API's own words. */
export const refusalOf = (err: unknown): string => (err instanceof ApiError ? err.message : String(err));

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  /** A text body (a plan's YAML) with its own content type. */
  postText: <T>(path: string, text: string, contentType: string) => call<T>('POST', path, text, contentType),
  del: <T>(path: string) => call<T>('DELETE', path),
};
