import { parse, serialize, SerializeOptions } from 'cookie';
import type { Request, Response } from 'express';

/** The session's secret: HttpOnly, so no script on the page can read it. */
export const SESSION_COOKIE = 'yingji_session';
/** The CSRF value: readable by the console's script, which sends it back as X-CSRF-Token. */
export const CSRF_COOKIE = 'yingji_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** The request's cookies, parsed by the `cookie` library. */
export function cookiesOf(req: Pick<Request, 'headers'>): Record<string, string | undefined> {
  const header = req.headers.cookie;
  return header ? parse(header) : {};
}

const base = (req: Pick<Request, 'secure'>): SerializeOptions => ({ sameSite: 'strict', path: '/', secure: req.secure });

/** Both cookies, living as long as the session; `Secure` when the request came over HTTPS. */
export function setSessionCookies(req: Pick<Request, 'secure'>, res: Response, secret: string, csrf: string, expiresAt: Date): void {
  res.append('Set-Cookie', serialize(SESSION_COOKIE, secret, { ...base(req), httpOnly: true, expires: expiresAt }));
  res.append('Set-Cookie', serialize(CSRF_COOKIE, csrf, { ...base(req), expires: expiresAt }));
}

/** Both cookies emptied and expired, so the browser drops them. */
export function clearSessionCookies(req: Pick<Request, 'secure'>, res: Response): void {
  res.append('Set-Cookie', serialize(SESSION_COOKIE, '', { ...base(req), httpOnly: true, expires: new Date(0) }));
  res.append('Set-Cookie', serialize(CSRF_COOKIE, '', { ...base(req), expires: new Date(0) }));
}
