// A real HTTP server answering Aliyun's SendSms as dysmsapi does, for the embedded stack and tests:
// it checks each request's signature with its key secret, the numbers and the template, and keeps
// what it accepts (store.ts) instead of sending it on. Refusals use Aliyun's codes and JSON shape.
// A POST naming X-TC-Action is Tencent Cloud's SendSms instead, answered as Tencent does (tencent.ts).
// POST /_gateway/replies simulates a person's answer and reports it to Yingji (replies.ts).
import { randomUUID, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import { listenHttp } from '../../shared/listen';
import { signature } from '../../../activities/notify/sms/aliyun';
import { isMobile } from '../../../domain/responsibility/directory';
import { SmsGatewayConfig } from './config';
import { ReplyRequest, replyRequestProblem, reportReply } from './replies';
import { keepSms, listSms } from './store';
import { answerTencent, isTencentRequest } from './tencent';

export interface RunningSmsGateway {
  /** `http://127.0.0.1:<port>`, for YINGJI_SMS_URL. */
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/** Aliyun's limits: a template variable's value, numbers per request, a request's age. */
const VARIABLE_MAX = 35;
const NUMBERS_MAX = 1000;
const MAX_AGE_MS = 15 * 60_000;

type Answer = [number, Record<string, string>];
const refuse = (status: number, Code: string, Message: string): Answer => [status, { Code, Message }];

/** A number as SendSms takes it (national for China, country code + number otherwise) that can get a text. */
function mobile(n: string): boolean {
  if (!/^\d{5,15}$/.test(n)) return false;
  return isMobile(/^1\d{10}$/.test(n) ? n : `+${n}`);
}

export async function startSmsGateway(config: SmsGatewayConfig): Promise<RunningSmsGateway> {
  const kept = listSms(config.dir).filter((m) => m.outId);
  const byOutId = new Map(kept.filter((m) => m.provider !== 'tencent').map((m) => [m.outId!, m.bizId]));
  // Tencent's SessionContext is per request; its SerialNo per number.
  const bySession = new Map(kept.filter((m) => m.provider === 'tencent').map((m) => [`${m.outId!}\n${m.phoneNumbers[0]}`, m.bizId]));
  const nonces = new Set<string>();

  const answer = (q: URLSearchParams): Answer => {
    const p: Record<string, string> = {};
    for (const [k, v] of q) p[k] = v;
    for (const k of ['AccessKeyId', 'Signature', 'SignatureNonce', 'Timestamp', 'Action']) {
      if (!p[k]) return refuse(400, `MissingParameter`, `The input parameter "${k}" that is mandatory for processing this request is not supplied.`);
    }
    if (p.AccessKeyId !== config.accessKeyId) return refuse(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    const expected = Buffer.from(signature(config.accessKeySecret, p));
    const given = Buffer.from(p.Signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return refuse(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
    }
    const at = Date.parse(p.Timestamp);
    if (!/Z$/.test(p.Timestamp) || Number.isNaN(at) || Math.abs(Date.now() - at) > MAX_AGE_MS) {
      return refuse(400, 'InvalidTimeStamp.Expired', `Specified time stamp or date value is expired: ${p.Timestamp}`);
    }
    if (nonces.has(p.SignatureNonce)) return refuse(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    nonces.add(p.SignatureNonce);
    if (p.Action !== 'SendSms') return refuse(404, 'InvalidAction.NotFound', `Specified api ${p.Action} is not found.`);

    // Business answers come with HTTP 200, as Aliyun's do.
    const numbers = (p.PhoneNumbers ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (numbers.length === 0) return refuse(200, 'isv.MOBILE_NUMBER_ILLEGAL', '非法手机号 (PhoneNumbers is empty)');
    if (numbers.length > NUMBERS_MAX) return refuse(200, 'isv.MOBILE_COUNT_OVER_LIMIT', `手机号码数量超过限制 (${numbers.length} > ${NUMBERS_MAX})`);
    const bad = numbers.filter((n) => !mobile(n));
    if (bad.length) return refuse(200, 'isv.MOBILE_NUMBER_ILLEGAL', `非法手机号 ${bad.join(',')}`);
    if (!p.SignName) return refuse(200, 'isv.SMS_SIGNATURE_ILLEGAL', '短信签名不合法 (SignName is empty)');
    if (p.TemplateCode !== config.templateCode) return refuse(200, 'isv.SMS_TEMPLATE_ILLEGAL', `模板不合法(不存在或被拉黑) ${p.TemplateCode ?? ''}`);
    let params: unknown;
    try {
      params = JSON.parse(p.TemplateParam ?? '{}');
    } catch {
      params = undefined;
    }
    if (!params || typeof params !== 'object' || Array.isArray(params) || Object.values(params).some((v) => typeof v !== 'string')) {
      return refuse(200, 'isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
    }
    const long = Object.entries(params as Record<string, string>).find(([, v]) => Array.from(v).length > VARIABLE_MAX);
    if (long) return refuse(200, 'isv.PARAM_LENGTH_LIMIT', `参数超出长度限制 (${long[0]} > ${VARIABLE_MAX} characters)`);

    // The same OutId again is a retry of a message already taken: say so, and do not send it twice.
    const earlier = p.OutId ? byOutId.get(p.OutId) : undefined;
    if (earlier) return [200, { Code: 'OK', Message: `OK (OutId ${p.OutId} already accepted as BizId ${earlier}; not sent again)`, BizId: earlier }];
    const bizId = `${Date.now()}^${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    keepSms(config.dir, {
      provider: 'aliyun',
      bizId,
      receivedAt: new Date().toISOString(),
      outId: p.OutId || undefined,
      phoneNumbers: numbers,
      signName: p.SignName,
      templateCode: p.TemplateCode,
      templateParam: params as Record<string, string>,
    });
    if (p.OutId) byOutId.set(p.OutId, bizId);
    return [200, { Code: 'OK', Message: 'OK', BizId: bizId }];
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (req.method === 'POST' && url.pathname === '/_gateway/replies') {
      void simulateReply(req, res);
      return;
    }
    if (req.method === 'POST' && isTencentRequest(req.headers)) {
      void tencent(req, res);
      return;
    }
    let out: Answer;
    if (req.method !== 'GET' || url.pathname !== '/') out = refuse(404, 'InvalidAction.NotFound', `${req.method} ${url.pathname} is not served; SendSms is GET /`);
    else {
      try {
        out = answer(url.searchParams);
      } catch (err) {
        out = refuse(500, 'InternalError', `could not keep the message: ${(err as Error).message}`);
      }
    }
    res.writeHead(out[0], { 'content-type': 'application/json;charset=utf-8' });
    res.end(JSON.stringify({ RequestId: randomUUID().toUpperCase(), ...out[1] }));
  });

  /** Tencent's SendSms: the raw body as sent, since the signature covers its exact bytes. */
  const tencent = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    let out: { status: number; body: unknown };
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > 100_000) throw new RangeError('the request body is larger than 100 kB');
        chunks.push(chunk);
      }
      out = answerTencent(config, req.headers, Buffer.concat(chunks), bySession);
    } catch (err) {
      const Code = err instanceof RangeError ? 'InvalidParameter' : 'InternalError';
      out = { status: 200, body: { Response: { Error: { Code, Message: `could not take the request: ${(err as Error).message}` }, RequestId: randomUUID() } } };
    }
    res.writeHead(out.status, { 'content-type': 'application/json;charset=utf-8' });
    res.end(JSON.stringify(out.body));
  };

  /** POST /_gateway/replies { phone, content }: a person answered; report it to Yingji's reply callback. */
  const simulateReply = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    try {
      let text = '';
      for await (const chunk of req) {
        text += chunk;
        if (text.length > 10_000) return send(413, { error: 'the reply is larger than 10 kB' });
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return send(400, { error: 'the body is not JSON: send { "phone": "13800138000", "content": "123456" }' });
      }
      const problem = replyRequestProblem(body);
      if (problem) return send(400, { error: problem });
      if (!config.replyUrl) return send(503, { error: 'no reply URL is configured (YINGJI_SMS_GATEWAY_REPLY_URL): replies cannot be reported' });
      const reported = await reportReply(config, body as ReplyRequest);
      // The receiver's own answer, so the caller sees what became of the reply.
      send(reported.status >= 200 && reported.status < 300 ? 200 : 502, { reportedStatus: reported.status, answer: reported.body });
    } catch (err) {
      send(502, { error: `could not report the reply: ${(err as Error).message}` });
    }
  };
  const listening = await listenHttp(server, config.host, config.port);
  return { ...listening, dir: config.dir };
}
