// A real HTTP server answering as DingTalk, Feishu and WeCom robots do, for the embedded stack and
// tests: it checks each message's token (WeCom: key), signature and timestamp window with the
// robot's secret, and keeps what it accepts (store.ts) instead of posting it to a chat. Refusals
// use the robots' codes and JSON shapes, and are kept too.
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { listenHttp } from '../../shared/listen';
import { dingtalkSign, feishuSign, sameSignature, SIGN_WINDOW_MS } from '../../../activities/notify/robots/sign';
import { ImRobot, ImRobotsConfig, RobotKind } from './config';
import { keepRobotMessage, keepRobotRefusal } from './store';

export interface RunningImRobots {
  /** `http://127.0.0.1:<port>`; a robot's own URL: robotUrl(url, robot). */
  url: string;
  port: number;
  dir: string;
  /** Robot names (never tokens). */
  robots: string[];
  stop(): Promise<void>;
}

/** DingTalk takes up to 20000 bytes; a little room on top. */
const BODY_MAX = 64 * 1024;

type Answer = { code: number; why: string; body: Record<string, unknown> };

const ok = (kind: RobotKind): Answer => ({ code: 0, why: 'ok', body: kind === 'feishu' ? { code: 0, msg: 'success', data: {} } : { errcode: 0, errmsg: 'ok' } });
function refuse(kind: RobotKind, code: number, msg: string): Answer {
  return { code, why: msg, body: kind === 'feishu' ? { code, msg, data: {} } : { errcode: code, errmsg: msg } };
}

/** The text of a `text` message in the robot's shape, or undefined. */
function textOf(kind: RobotKind, body: Record<string, unknown>): string | undefined {
  const inner = kind === 'feishu' ? (body.msg_type === 'text' ? body.content : undefined) : body.msgtype === 'text' ? body.text : undefined;
  const text = inner && typeof inner === 'object' ? (inner as Record<string, unknown>)[kind === 'feishu' ? 'text' : 'content'] : undefined;
  return typeof text === 'string' && text !== '' ? text : undefined;
}

const withinWindow = (ms: number) => Number.isFinite(ms) && Math.abs(Date.now() - ms) <= SIGN_WINDOW_MS;

export async function startImRobots(config: ImRobotsConfig): Promise<RunningImRobots> {
  const byToken = new Map(config.robots.map((r) => [`${r.kind}:${r.token}`, r]));

  /** Which robot a request is for, from its path and query; the kind even when the token is unknown. */
  function route(url: URL): { kind: RobotKind; robot?: ImRobot } | undefined {
    let kind: RobotKind;
    let token: string | null;
    if (url.pathname === '/robot/send') [kind, token] = ['dingtalk', url.searchParams.get('access_token')];
    else if (url.pathname === '/cgi-bin/webhook/send') [kind, token] = ['wecom', url.searchParams.get('key')];
    else if (url.pathname.startsWith('/open-apis/bot/v2/hook/')) [kind, token] = ['feishu', decodeURIComponent(url.pathname.slice('/open-apis/bot/v2/hook/'.length))];
    else return undefined;
    return { kind, robot: token ? byToken.get(`${kind}:${token}`) : undefined };
  }

  function answer(kind: RobotKind, robot: ImRobot | undefined, url: URL, raw: string): Answer {
    if (!robot) {
      if (kind === 'dingtalk') return refuse(kind, 300001, 'token is not exist');
      if (kind === 'feishu') return refuse(kind, 19001, 'param invalid: incoming webhook access token invalid');
      return refuse(kind, 93000, 'invalid webhook url');
    }
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      if (kind === 'feishu') return refuse(kind, 9499, 'Bad Request');
      return kind === 'dingtalk' ? refuse(kind, 40035, '缺少参数 json') : refuse(kind, 40008, 'invalid message type');
    }
    if (robot.secret && kind === 'dingtalk') {
      const ts = Number(url.searchParams.get('timestamp') ?? NaN);
      if (!withinWindow(ts)) return refuse(kind, 310000, 'invalid timestamp');
      if (!sameSignature(dingtalkSign(robot.secret, ts), url.searchParams.get('sign') ?? '')) return refuse(kind, 310000, 'sign not match');
    }
    if (robot.secret && kind === 'feishu') {
      const ts = typeof body.timestamp === 'string' && /^\d+$/.test(body.timestamp) ? Number(body.timestamp) : typeof body.timestamp === 'number' ? body.timestamp : NaN;
      const sign = typeof body.sign === 'string' ? body.sign : '';
      if (!withinWindow(ts * 1000) || !sameSignature(feishuSign(robot.secret, ts), sign)) {
        return refuse(kind, 19021, 'sign match fail or timestamp is not within one hour from current time');
      }
    }
    const text = textOf(kind, body);
    if (text === undefined) {
      if (kind === 'feishu') return refuse(kind, 9499, 'Bad Request');
      return kind === 'dingtalk' ? refuse(kind, 40035, '缺少参数 text') : refuse(kind, 40008, 'invalid message type');
    }
    return { ...ok(kind), why: text };
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://robots');
    const to = route(url);
    if (req.method !== 'POST' || !to) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`${req.method} ${url.pathname} is not served; robots take POST /robot/send, /open-apis/bot/v2/hook/<token>, /cgi-bin/webhook/send\n`);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= BODY_MAX) chunks.push(c);
    });
    req.on('end', () => {
      if (size > BODY_MAX) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end(`a message is at most ${BODY_MAX} bytes\n`);
        return;
      }
      const receivedAt = new Date().toISOString();
      let out: Answer;
      try {
        out = answer(to.kind, to.robot, url, Buffer.concat(chunks).toString('utf8'));
        if (out.code === 0) {
          const key = req.headers['idempotency-key'];
          keepRobotMessage(config.dir, { id: randomUUID(), kind: to.kind, robot: to.robot!.name, receivedAt, ...(typeof key === 'string' ? { idempotencyKey: key } : {}), text: out.why });
        } else {
          keepRobotRefusal(config.dir, { kind: to.kind, ...(to.robot ? { robot: to.robot.name } : {}), receivedAt, code: out.code, why: out.why });
        }
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`could not keep the message: ${(err as Error).message}\n`);
        return;
      }
      // Robots answer 200 with their code in the body, refusals included.
      res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' }).end(JSON.stringify(out.body));
    });
  });
  const listening = await listenHttp(server, config.host, config.port);
  return { ...listening, dir: config.dir, robots: config.robots.map((r) => r.name) };
}
