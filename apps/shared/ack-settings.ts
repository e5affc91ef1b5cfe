// Where acknowledgement links point and what signs them. The API (which checks links) and the
// worker (which puts them in notices) must read the same two settings.
import { AckClaims, signAckToken } from '../../domain/acknowledgement/ack-link';

export interface AckSettings {
  /** YINGJI_ACK_SECRET: signs links and derives SMS reply codes (env only, never printed). */
  secret: string;
  /** YINGJI_PUBLIC_URL without a trailing slash: the API as people's phones reach it. */
  publicUrl: string;
}

/** A secret shorter than this is guessable offline from one link. */
export const MIN_ACK_SECRET_LENGTH = 32;

/**
 * YINGJI_ACK_SECRET and YINGJI_PUBLIC_URL (default: the API's own address, http://<YINGJI_API_HOST
 * or 127.0.0.1>:<YINGJI_API_PORT or 3000>, with 0.0.0.0 and :: read as 127.0.0.1). Undefined when no
 * secret is set: notices then carry no link, and /ack answers that links are not enabled. Bad values
 * throw, naming the setting.
 */
export function ackSettingsFrom(env: NodeJS.ProcessEnv): AckSettings | undefined {
  const secret = (env.YINGJI_ACK_SECRET ?? '').trim();
  if (!secret) return undefined;
  if (secret.length < MIN_ACK_SECRET_LENGTH) {
    throw new Error(`YINGJI_ACK_SECRET must be at least ${MIN_ACK_SECRET_LENGTH} characters (e.g. openssl rand -hex 32), got ${secret.length}`);
  }
  const raw = (env.YINGJI_PUBLIC_URL ?? '').trim() || defaultPublicUrl(env);
  let u: URL | undefined;
  try {
    u = new URL(raw);
  } catch {
    // reported below
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search || u.hash) {
    throw new Error(`YINGJI_PUBLIC_URL must be an http:// or https:// address without a login, query or fragment (e.g. https://yingji.example.com), got "${raw}"`);
  }
  return { secret, publicUrl: u.toString().replace(/\/+$/, '') };
}

function defaultPublicUrl(env: NodeJS.ProcessEnv): string {
  const host = (env.YINGJI_API_HOST ?? '').trim() || '127.0.0.1';
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${(env.YINGJI_API_PORT ?? '').trim() || '3000'}`;
}

/** The link a notice carries: `${publicUrl}/ack/${token}`. */
export function ackLinkFor(c: AckClaims, s: AckSettings): string {
  return `${s.publicUrl}/ack/${signAckToken(c, s.secret)}`;
}
