// Robot signing as DingTalk and Feishu define it, checked against values computed independently
// (openssl dgst -sha256 -hmac, and Python's hmac), and the plan's `secretEnv`: the name of the
// worker's variable holding the secret, never the secret, never substituted into the stored plan.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, parsePlan } from '../../domain/plan/parse-plan';
import { dingtalkSign, dingtalkSignedUrl, feishuSign, feishuSignedBody, sameSignature } from '../../activities/notify/robots/sign';
import { createLocalRobotPace } from '../../activities/notify/robots/pace';

// printf '%s\n%s' 1700000000000 SECexample0123456789abcdef | openssl dgst -sha256 -hmac SECexample0123456789abcdef -binary | base64
const DINGTALK = { secret: 'SECexample0123456789abcdef', ts: 1700000000000, sign: '+cxnz7PMkHTgYGZLYfiu2juTRMk8MZfdVOdDh8s0utc=' };
// printf '' | openssl dgst -sha256 -hmac "$(printf '%s\n%s' 1700000000 demo-feishu-secret)" -binary | base64
const FEISHU = { secret: 'demo-feishu-secret', ts: 1700000000, sign: 'V3Wp8znUoP+7XezI+6p/Lp2Uyk2BLceZJJbP1KE87hk=' };

describe('DingTalk robot signature', () => {
  it('is base64(HmacSHA256(secret, timestamp + "\\n" + secret))', () => {
    expect(dingtalkSign(DINGTALK.secret, DINGTALK.ts)).toBe(DINGTALK.sign);
    expect(dingtalkSign('another secret', DINGTALK.ts)).not.toBe(DINGTALK.sign);
    expect(dingtalkSign(DINGTALK.secret, DINGTALK.ts + 1)).not.toBe(DINGTALK.sign);
  });

  it('goes URL-encoded into the query, after the access token', () => {
    const signed = dingtalkSignedUrl(new URL('https://oapi.dingtalk.com/robot/send?access_token=abc'), DINGTALK.secret, DINGTALK.ts);
    expect(signed.search).toBe('?access_token=abc&timestamp=1700000000000&sign=%2Bcxnz7PMkHTgYGZLYfiu2juTRMk8MZfdVOdDh8s0utc%3D');
    expect(signed.searchParams.get('sign')).toBe(DINGTALK.sign);
  });
});

describe('Feishu robot signature', () => {
  it('is base64(HmacSHA256(key = timestamp + "\\n" + secret, message = ""))', () => {
    expect(feishuSign(FEISHU.secret, FEISHU.ts)).toBe(FEISHU.sign);
    expect(feishuSign('another secret', FEISHU.ts)).not.toBe(FEISHU.sign);
  });

  it('goes into the body with the timestamp in seconds', () => {
    const body = feishuSignedBody({ msg_type: 'text', content: { text: 'hi' } }, FEISHU.secret, FEISHU.ts * 1000 + 999);
    expect(body).toEqual({ timestamp: '1700000000', sign: FEISHU.sign, msg_type: 'text', content: { text: 'hi' } });
  });

  it('compares signatures of any length without throwing', () => {
    expect(sameSignature(FEISHU.sign, FEISHU.sign)).toBe(true);
    expect(sameSignature(FEISHU.sign, 'short')).toBe(false);
  });
});

describe('a plan names the secret variable of a signing robot (secretEnv)', () => {
  const base = readFileSync(join(__dirname, '../plans/run/escalation-drill.yaml'), 'utf8');
  const env = { YINGJI_PLAN_TEST_WEBHOOK_URL: 'https://example.com/hook', YINGJI_PLAN_DINGTALK_SECRET: 'SEC-the-secret' };
  const withChannel = (line: string) => base.replace('    webhook: { url: "${YINGJI_PLAN_TEST_WEBHOOK_URL}", format: generic }', line);
  const problems = (text: string) => {
    const r = parsePlan(text, { file: 'p.yaml', env });
    return r.ok ? [] : r.problems.map(formatProblem);
  };

  it('keeps the variable name, never its value', () => {
    const text = withChannel('    dingtalk: { url: "https://oapi.dingtalk.com/robot/send?access_token=t", secretEnv: YINGJI_PLAN_DINGTALK_SECRET }');
    const r = parsePlan(text, { file: 'p.yaml', env });
    if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
    expect(r.plan.notify?.channels?.dingtalk).toEqual({ url: 'https://oapi.dingtalk.com/robot/send?access_token=t', secretEnv: 'YINGJI_PLAN_DINGTALK_SECRET' });
    expect(JSON.stringify(r.plan)).not.toContain('SEC-the-secret');
  });

  it('accepts it on a webhook in a signing format, and on feishu', () => {
    expect(problems(withChannel('    webhook: { url: "https://open.feishu.cn/open-apis/bot/v2/hook/t", format: feishu, secretEnv: YINGJI_PLAN_DINGTALK_SECRET }'))).toEqual([]);
    expect(problems(withChannel('    feishu: { url: "https://open.feishu.cn/open-apis/bot/v2/hook/t", secretEnv: YINGJI_PLAN_FEISHU_SECRET }'))).toEqual([]);
  });

  it('refuses ${...} (the secret would be stored), other names, and robots that do not sign', () => {
    const one = (line: string) => problems(withChannel(line));
    expect(one('    dingtalk: { url: "https://x.example/robot/send", secretEnv: "${YINGJI_PLAN_DINGTALK_SECRET}" }')).toEqual([
      expect.stringMatching(/notify\.channels\.dingtalk\.secretEnv: name the variable without \$\{ \}, e\.g\. secretEnv: YINGJI_PLAN_DINGTALK_SECRET: the secret itself never goes into the plan$/),
    ]);
    const written = one('    dingtalk: { url: "https://x.example/robot/send", secretEnv: SECabcdef0123 }');
    expect(written).toEqual([expect.stringMatching(/notify\.channels\.dingtalk\.secretEnv: expected the name of a YINGJI_PLAN_\* variable holding the robot's secret/)]);
    expect(written.join()).not.toContain('SECabcdef0123');
    expect(one('    dingtalk: { url: "https://x.example/robot/send", secretEnv: DATABASE_URL }')).toHaveLength(1);
    expect(one('    wecom: { url: "https://x.example/send?key=k", secretEnv: YINGJI_PLAN_DINGTALK_SECRET }')).toEqual([expect.stringMatching(/notify\.channels\.wecom\.secretEnv: unknown field "secretEnv"; fields here are "url"$/)]);
    expect(one('    webhook: { url: "https://x.example/h", format: wecom, secretEnv: YINGJI_PLAN_DINGTALK_SECRET }')).toEqual([
      expect.stringMatching(/notify\.channels\.webhook\.secretEnv: only dingtalk and feishu robots sign with a secret/),
    ]);
  });
});

describe('a robot paced in one process', () => {
  it('sends every message in the order asked, never more than the limit within a window', async () => {
    const pace = createLocalRobotPace({ limit: 3, windowMs: 200, pollMs: 20 });
    const events: Array<{ i: number; start: number; end: number }> = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        pace.turn('robot', async () => {
          const start = Date.now();
          await new Promise((r) => setTimeout(r, 5));
          events.push({ i, start, end: Date.now() });
        }),
      ),
    );
    expect(events.map((e) => e.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // The 4th message after any message starts only once that one ended a window ago.
    for (let k = 0; k + 3 < events.length; k++) expect(events[k + 3].start - events[k].end).toBeGreaterThanOrEqual(200);
  });
});
