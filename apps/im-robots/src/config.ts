// The local IM robot server's settings, from the environment. Defaults fit the embedded stack:
// loopback only, messages under the data folder's im/ (where `yingji im list` reads them). Each
// robot is configured by its token (WeCom: key) and, for DingTalk and Feishu, the secret messages
// must be signed with; the worker gets the same secret through the variable its plan names.
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../shared/config';
import { isLoopback, portFrom } from '../../shared/listen';

export const ROBOT_KINDS = ['dingtalk', 'feishu', 'wecom'] as const;
export type RobotKind = (typeof ROBOT_KINDS)[number];

export interface ImRobot {
  kind: RobotKind;
  /** Shown in what is kept and listed; the token never is. */
  name: string;
  /** DingTalk access_token, Feishu hook token, WeCom key: the URL's credential. */
  token: string;
  /** DingTalk and Feishu only: messages must carry a signature made with it. */
  secret?: string;
}

export interface ImRobotsConfig {
  host: string;
  /** 0: any free port (tests). */
  port: number;
  /** messages.jsonl (accepted) and refusals.jsonl, one JSON line each. */
  dir: string;
  robots: ImRobot[];
}

export const DEFAULT_IM_ROBOTS_PORT = 2527;

/**
 * YINGJI_IM_ROBOTS_HOST/_PORT/_DIR, and one robot per kind: YINGJI_IM_ROBOT_DINGTALK_TOKEN (+ _SECRET),
 * YINGJI_IM_ROBOT_FEISHU_TOKEN (+ _SECRET), YINGJI_IM_ROBOT_WECOM_KEY. At least one robot.
 */
export function imRobotsConfig(env: NodeJS.ProcessEnv = process.env): ImRobotsConfig {
  const port = portFrom(env, 'YINGJI_IM_ROBOTS_PORT', DEFAULT_IM_ROBOTS_PORT);
  const host = env.YINGJI_IM_ROBOTS_HOST || '127.0.0.1';
  // Plain HTTP with secrets in URLs: never on a network interface.
  if (!isLoopback(host)) {
    throw new Error(`YINGJI_IM_ROBOTS_HOST must be a loopback address (127.0.0.1, ::1, localhost), got "${host}": the robot server speaks plain HTTP`);
  }
  const get = (k: string) => (env[k] ?? '').trim() || undefined;
  const robots: ImRobot[] = [];
  for (const kind of ['dingtalk', 'feishu'] as const) {
    const token = get(`YINGJI_IM_ROBOT_${kind.toUpperCase()}_TOKEN`);
    const secret = get(`YINGJI_IM_ROBOT_${kind.toUpperCase()}_SECRET`);
    if (secret && !token) throw new Error(`YINGJI_IM_ROBOT_${kind.toUpperCase()}_SECRET is set without YINGJI_IM_ROBOT_${kind.toUpperCase()}_TOKEN`);
    if (token) robots.push({ kind, name: kind, token, secret });
  }
  const key = get('YINGJI_IM_ROBOT_WECOM_KEY');
  if (key) robots.push({ kind: 'wecom', name: 'wecom', token: key });
  if (robots.length === 0) throw new Error('no robot configured: set YINGJI_IM_ROBOT_DINGTALK_TOKEN, YINGJI_IM_ROBOT_FEISHU_TOKEN or YINGJI_IM_ROBOT_WECOM_KEY');
  const dataDir = path.resolve(env.YINGJI_DATA_DIR ?? path.join(PROJECT_ROOT, '.data'));
  return { host, port, dir: path.resolve(env.YINGJI_IM_ROBOTS_DIR || path.join(dataDir, 'im')), robots };
}

/** The webhook URL a plan names for `robot` on a server at `base` (it holds the token: a secret). */
export function robotUrl(base: string, robot: Pick<ImRobot, 'kind' | 'token'>): string {
  const t = encodeURIComponent(robot.token);
  switch (robot.kind) {
    case 'dingtalk':
      return `${base}/robot/send?access_token=${t}`;
    case 'feishu':
      return `${base}/open-apis/bot/v2/hook/${t}`;
    case 'wecom':
      return `${base}/cgi-bin/webhook/send?key=${t}`;
  }
}
