// The local IM robot server's settings, from the environment. Defaults fit the embedded stack:
// loopback only, messages under the data folder's im/ (where `yingji im list` reads them). Each
// robot is configured by its token (WeCom: key) and, for DingTalk and Feishu, the secret messages
// must be signed with; the worker gets the same secret through the variable its plan names.
import { randomBytes, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { DEPLOYMENT_ROBOTS } from '../../../activities/notify/robots/deployment';
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
  return { host, port, dir: imRobotsDir(path.resolve(env.YINGJI_DATA_DIR ?? path.join(PROJECT_ROOT, '.data')), env), robots };
}

/** Where the robot server keeps messages: YINGJI_IM_ROBOTS_DIR, else the data folder's im/. */
export function imRobotsDir(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.YINGJI_IM_ROBOTS_DIR || path.join(dataDir, 'im'));
}

/** The variables that name a robot of the user's own: with any set, `yingji up` runs no robot server. */
export const OWN_ROBOT_SETTINGS = Object.values(DEPLOYMENT_ROBOTS).map((r) => r.url);

/** One robot per kind for one run of the embedded stack, with tokens and secrets made for it. */
export function robotsForRun(): ImRobot[] {
  const hex = (n: number) => randomBytes(n).toString('hex');
  return [
    { kind: 'dingtalk', name: 'dingtalk', token: hex(32), secret: `SEC${hex(32)}` },
    { kind: 'feishu', name: 'feishu', token: randomUUID(), secret: randomBytes(16).toString('base64url') },
    { kind: 'wecom', name: 'wecom', token: randomUUID() },
  ];
}

/** The robot server's settings for `robots` (YINGJI_IM_ROBOT_*), one robot per kind. */
export function robotServerEnv(robots: ImRobot[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of robots) {
    if (r.kind === 'wecom') out.YINGJI_IM_ROBOT_WECOM_KEY = r.token;
    else {
      out[`YINGJI_IM_ROBOT_${r.kind.toUpperCase()}_TOKEN`] = r.token;
      if (r.secret) out[`YINGJI_IM_ROBOT_${r.kind.toUpperCase()}_SECRET`] = r.secret;
    }
  }
  return out;
}

/** The worker's deployment robots (YINGJI_DINGTALK_URL, YINGJI_DINGTALK_SECRET, ...) for `robots` on the server at `base`. */
export function deploymentRobotEnv(base: string, robots: ImRobot[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of robots) {
    const setting = DEPLOYMENT_ROBOTS[r.kind];
    out[setting.url] = robotUrl(base, r);
    if (setting.secret && r.secret) out[setting.secret] = r.secret;
  }
  return out;
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
