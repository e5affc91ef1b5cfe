// The mail sink's settings, from the environment. Defaults fit the embedded stack: loopback only,
// messages under the data folder's mail/ (where `yingji mail list` reads them).
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../shared/config';
import { isLoopback, portFrom } from '../../shared/listen';

export interface MailSinkConfig {
  host: string;
  /** 0: any free port (tests). */
  port: number;
  /** Each message is kept here as `<id>.eml`. */
  dir: string;
}

export function mailSinkConfig(env: NodeJS.ProcessEnv = process.env): MailSinkConfig {
  const port = portFrom(env, 'YINGJI_MAIL_SINK_PORT', 2525);
  const host = env.YINGJI_MAIL_SINK_HOST || '127.0.0.1';
  // It takes any message from anyone who connects: never on a network interface.
  if (!isLoopback(host)) {
    throw new Error(`YINGJI_MAIL_SINK_HOST must be a loopback address (127.0.0.1, ::1, localhost), got "${host}": the sink accepts mail from anyone who reaches it`);
  }
  const dataDir = path.resolve(env.YINGJI_DATA_DIR ?? path.join(PROJECT_ROOT, '.data'));
  return { host, port, dir: path.resolve(env.YINGJI_MAIL_SINK_DIR || path.join(dataDir, 'mail')) };
}
