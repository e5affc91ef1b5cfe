import { parseDuration } from '../../../../domain/plan/duration';

export interface AlertSettings {
  /** A group whose alerts all resolved and fire again within this window joins the same incident. */
  flapWindowMs: number;
  /** Intake requests worked on at once; the rest are answered 503 with Retry-After (Alertmanager retries 5xx). */
  intakeConcurrency: number;
}

export const ALERT_SETTINGS = Symbol('ALERT_SETTINGS');

/** YINGJI_ALERT_FLAP_WINDOW (default 10m) and YINGJI_ALERT_INTAKE_CONCURRENCY (default 8), refused when malformed. */
export function alertSettings(env: NodeJS.ProcessEnv = process.env): AlertSettings {
  const window = env.YINGJI_ALERT_FLAP_WINDOW ?? '10m';
  const flapWindowMs = parseDuration(window);
  if (flapWindowMs === undefined) throw new Error(`YINGJI_ALERT_FLAP_WINDOW "${window}" is not a duration like 90s or 10m`);
  const concurrency = env.YINGJI_ALERT_INTAKE_CONCURRENCY ?? '8';
  const intakeConcurrency = Number(concurrency);
  if (!Number.isInteger(intakeConcurrency) || intakeConcurrency < 1 || intakeConcurrency > 256) {
    throw new Error(`YINGJI_ALERT_INTAKE_CONCURRENCY "${concurrency}" must be a whole number from 1 to 256`);
  }
  return { flapWindowMs, intakeConcurrency };
}
