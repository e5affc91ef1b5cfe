// Text messages through Tencent Cloud's SendSms (YINGJI_SMS_PROVIDER=tencent) against the local SMS
// gateway (apps/sms-gateway, a real HTTP server in-process on 127.0.0.1, port 0) answering as
// sms.tencentcloudapi.com does: it checks the TC3-HMAC-SHA256 signature with its key pair, the
// timestamp, the app id and the template, keeps what it accepts, and refuses a bad number alone.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OutgoingNotification, RecipientRefusedError } from '../../activities/notify/channel';
import { createNotifyActivities, NotificationRequest } from '../../activities/notify/notify.activities';
import { createSmsChannel } from '../../activities/notify/sms';
import { SmsRefusedError } from '../../activities/notify/sms/gateway';
import { createTencentGateway, TC3_CONTENT_TYPE, tc3Authorization } from '../../activities/notify/sms/tencent';
import { smsList } from '../../apps/cli/src/sms-commands';
import { SmsConfig } from '../../apps/shared/config';
import { listSms, RunningSmsGateway, startSmsGateway } from '../../apps/sms-gateway/src';
import type { Harness } from './support/harness';
import { restoreEnvAfterEach, startNotifyWorld } from './support/notify-world';

const AT = '2026-11-23T08:00:00.000Z';
const KEY = { accessKeyId: 'AKIDyingjiTEST', accessKeySecret: 'tc3-right-s3cret' };
const TEMPLATE = '1110';
const APP_ID = '1400006666';

async function gateway(dir: string): Promise<RunningSmsGateway> {
  return startSmsGateway({ host: '127.0.0.1', port: 0, dir, ...KEY, templateCode: TEMPLATE, appId: APP_ID });
}
const settings = (g: RunningSmsGateway, over: Partial<SmsConfig> = {}): SmsConfig => ({
  provider: 'tencent', url: g.url, ...KEY, signName: '应急Yingji', templateCode: TEMPLATE, appId: APP_ID, region: 'ap-guangzhou', ...over,
});
const tencent = (g: RunningSmsGateway, over: { secretKey?: string; appId?: string } = {}) =>
  createTencentGateway({ url: g.url, secretId: KEY.accessKeyId, secretKey: over.secretKey ?? KEY.accessKeySecret, appId: over.appId ?? APP_ID, region: 'ap-guangzhou' });
const message = (phoneNumbers: string[]) => ({ phoneNumbers, signName: '应急Yingji', templateCode: TEMPLATE, templateParam: { content: '发票库故障，II级' } });

function notice(over: Partial<OutgoingNotification> = {}): OutgoingNotification {
  return {
    id: 'inc-tc:notify:step:tell-finance:sms',
    incidentId: 'inc-tc',
    stepId: 'tell-finance',
    reason: 'step:tell-finance',
    audience: ['finance'],
    recipients: [{ person: 'li-na', name: '李娜', address: '+86 138 0013 8000' }],
    message: '发票库故障，II级，预计恢复 4h',
    drill: false,
    at: AT,
    ...over,
  };
}

describe('SMS through the local gateway as Tencent Cloud', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-tc-sms-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('delivers a signed message per number that the gateway keeps and `sms list` shows; a retry is not sent twice', async () => {
    const dir = path.join(tmp, 'ok');
    const g = await gateway(dir);
    try {
      const sms = createSmsChannel({ sms: settings(g) });
      const out = await sms.deliver(notice(), { to: { finance: '13900139000' } });
      expect(out.detail).toMatch(/^accepted by SMS gateway 127\.0\.0\.1:\d+ for 13800138000 \(BizId \S+\), 13900139000 \(BizId \S+\)$/);

      const kept = listSms(dir);
      expect(kept.map((m) => [m.provider, m.phoneNumbers, m.templateCode, m.templateParam])).toEqual([
        ['tencent', ['13800138000'], TEMPLATE, { 1: '发票库故障，II级，预计恢复 4h' }],
        ['tencent', ['13900139000'], TEMPLATE, { 1: '发票库故障，II级，预计恢复 4h' }],
      ]);
      expect(out.detail).toContain(`13800138000 (BizId ${kept[0].bizId})`);
      const lines: string[] = [];
      expect(smsList(dir, (l) => lines.push(l))).toBe(2);
      expect(lines[0]).toMatch(/ {2}to 13800138000 {2}【应急Yingji】 1110 {2}发票库故障，II级，预计恢复 4h {2}\(BizId \S+\)$/);

      // The activity retried after a lost answer: the same SessionContext per number, answered with the first SerialNo.
      const again = await sms.deliver(notice(), { to: { finance: '13900139000' } });
      expect(listSms(dir)).toHaveLength(2);
      expect(again.detail).toContain(`13900139000 (BizId ${kept[1].bizId})`);
    } finally {
      await g.stop();
    }
  });

  it('refuses a bad number for that number only, while the other gets theirs', async () => {
    const dir = path.join(tmp, 'bad-number');
    const g = await gateway(dir);
    try {
      // One request for two numbers: Tencent answers each in SendStatusSet.
      const both = await tencent(g).send(message(['13800138000', '12345']));
      expect(both.message).toMatch(/^Ok; \+12345 refused \(InvalidParameterValue\.IncorrectPhoneNumber: incorrect number format\)$/);
      expect(listSms(dir).map((m) => m.phoneNumbers)).toEqual([['13800138000']]);
      expect(both.bizId).toBe(listSms(dir)[0].bizId);

      // Through the channel, one copy per number: the refused one is that recipient's refusal, the next is still sent.
      const session = createSmsChannel({ sms: settings(g) }).open!(notice(), { to: { finance: '13900139000' } });
      const refused = await session.send({ key: 'role:finance:12345', address: '12345' }).then(() => undefined, (e: Error) => e);
      expect(refused).toBeInstanceOf(RecipientRefusedError);
      expect(refused?.message).toBe('12345 (SMS gateway ' + new URL(g.url).host + ' refused (InvalidParameterValue.IncorrectPhoneNumber: incorrect number format))');
      expect((await session.send(session.targets[1])).detail).toMatch(/^13900139000 \(BizId \S+\)$/);
      session.close();
      expect(listSms(dir).map((m) => m.phoneNumbers[0])).toEqual(['13800138000', '13900139000']);
    } finally {
      await g.stop();
    }
  });

  it('refuses the whole request, with Tencent\'s Code and without the secret, for a wrong secret, key id, app id or template, or an old timestamp', async () => {
    const dir = path.join(tmp, 'refused');
    const g = await gateway(dir);
    const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: Error) => e);
    try {
      const wrong = await refusal(tencent(g, { secretKey: 'wrong-secret' }).send(message(['13800138000'])));
      expect(wrong).toBeInstanceOf(SmsRefusedError);
      expect(wrong).toMatchObject({ code: 'AuthFailure.SignatureFailure' });
      expect(wrong?.message).toMatch(/^SMS gateway 127\.0\.0\.1:\d+ refused \(AuthFailure\.SignatureFailure: The provided credentials could not be validated\. Please check your signature is correct\.\)$/);
      expect(wrong?.message).not.toContain('wrong-secret');

      const keyId = await refusal(createTencentGateway({ url: g.url, secretId: 'AKIDother', secretKey: KEY.accessKeySecret, appId: APP_ID, region: 'ap-guangzhou' }).send(message(['13800138000'])));
      expect(keyId).toMatchObject({ code: 'AuthFailure.SecretIdNotFound' });
      expect(await refusal(tencent(g, { appId: '1400000001' }).send(message(['13800138000'])))).toMatchObject({ code: 'InvalidParameterValue.SdkAppIdNotExist' });
      // One request is all mainland China numbers or none (the channel sends one number per request).
      expect(await refusal(tencent(g).send(message(['13800138000', '85291234567'])))).toMatchObject({ code: 'UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber' });
      const template = await refusal(createSmsChannel({ sms: settings(g, { templateCode: '9999' }) }).deliver(notice(), {}));
      expect(template?.message).toMatch(/refused \(FailedOperation\.TemplateIncorrectOrUnapproved: Template 9999 is not approved or does not exist\.\)$/);
      expect(template).toMatchObject({ nonRetryable: true });

      // Rightly signed, but 10 minutes old: Tencent allows 5.
      const payload = JSON.stringify({ PhoneNumberSet: ['+8613800138000'], SmsSdkAppId: APP_ID, SignName: '应急Yingji', TemplateId: TEMPLATE, TemplateParamSet: ['x'] });
      const timestamp = Math.floor(Date.now() / 1000) - 600;
      const host = new URL(g.url).host;
      const res = await fetch(g.url, {
        method: 'POST',
        headers: {
          Authorization: tc3Authorization({ secretId: KEY.accessKeyId, secretKey: KEY.accessKeySecret }, { method: 'POST', headers: { 'content-type': TC3_CONTENT_TYPE, host }, payload, timestamp, service: 'sms' }),
          'Content-Type': TC3_CONTENT_TYPE,
          'X-TC-Action': 'SendSms',
          'X-TC-Version': '2021-01-11',
          'X-TC-Timestamp': String(timestamp),
          'X-TC-Region': 'ap-guangzhou',
        },
        body: payload,
      });
      expect(((await res.json()) as { Response: { Error: { Code: string } } }).Response.Error.Code).toBe('AuthFailure.SignatureExpire');
      expect(listSms(dir)).toEqual([]);
    } finally {
      await g.stop();
    }
  });
});

describe('the notify activity on the sms channel through Tencent Cloud', () => {
  let h: Harness;
  let g: RunningSmsGateway;
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-tc-notify-')), 'sms');
  const NAMES = ['YINGJI_SMS_PROVIDER', 'YINGJI_SMS_URL', 'YINGJI_SMS_ACCESS_KEY_ID', 'YINGJI_SMS_ACCESS_KEY_SECRET', 'YINGJI_SMS_SIGN_NAME', 'YINGJI_SMS_TEMPLATE_CODE', 'YINGJI_SMS_APP_ID', 'YINGJI_SMS_REGION'];
  restoreEnvAfterEach(NAMES);
  const INCIDENT = 'inc-tc';
  const request = (id: string): NotificationRequest => ({
    id,
    incidentId: INCIDENT,
    stepId: 'tell-finance',
    reason: 'step:tell-finance',
    channel: 'sms',
    channelConfig: {},
    audience: ['finance'],
    recipients: [{ person: 'li-na', name: '李娜', address: '13800138000' }],
    message: '发票库故障，II级，预计恢复 4h',
    drill: false,
    at: AT,
  });
  const row = async (id: string) => (await h.db.query(`SELECT status, attempts, detail, channel FROM notifications WHERE id = $1`, [id]))[0];
  const configure = (secret: string, appId: string | null = APP_ID) => {
    Object.assign(process.env, {
      YINGJI_SMS_PROVIDER: 'tencent', YINGJI_SMS_URL: g.url, YINGJI_SMS_ACCESS_KEY_ID: KEY.accessKeyId, YINGJI_SMS_ACCESS_KEY_SECRET: secret,
      YINGJI_SMS_SIGN_NAME: '应急Yingji', YINGJI_SMS_TEMPLATE_CODE: TEMPLATE,
    });
    if (appId) process.env.YINGJI_SMS_APP_ID = appId;
    else delete process.env.YINGJI_SMS_APP_ID;
  };

  beforeAll(async () => {
    h = await startNotifyWorld(INCIDENT, 'tencent sms test');
    g = await gateway(dir);
  });
  afterAll(async () => {
    await g?.stop();
    await h?.close();
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('records sms as unavailable, naming YINGJI_SMS_APP_ID, when Tencent is chosen without its app id', async () => {
    configure(KEY.accessKeySecret, null);
    const result = await createNotifyActivities(h.db).sendNotification(request('n-tc-off'));
    expect(result).toMatchObject({ status: 'unavailable', detail: 'no SMS gateway configured (YINGJI_SMS_APP_ID not set)' });
    expect(await row('n-tc-off')).toMatchObject({ status: 'unavailable', channel: 'sms' });
  });

  it('delivers with the right key and records the row delivered', async () => {
    configure(KEY.accessKeySecret);
    expect(await createNotifyActivities(h.db).sendNotification(request('n-tc'))).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(await row('n-tc')).toMatchObject({ status: 'delivered', channel: 'sms', detail: expect.stringMatching(/for 13800138000 \(BizId \S+\)$/) });
    expect(listSms(dir).map((m) => [m.provider, m.phoneNumbers[0]])).toEqual([['tencent', '13800138000']]);
  });

  it('records a wrong secret failed with AuthFailure.SignatureFailure, for good and without the secret', async () => {
    configure('wrong-secret');
    const notify = createNotifyActivities(h.db);
    const err = await notify.sendNotification(request('n-tc-wrong')).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/refused \(AuthFailure\.SignatureFailure: The provided credentials could not be validated\. Please check your signature is correct\.\)$/);
    expect(err).toMatchObject({ nonRetryable: true });
    // What the workflow does once the activity has failed for good.
    await notify.recordNotificationFailed(request('n-tc-wrong'), err!.message);
    const r = await row('n-tc-wrong');
    expect(r).toMatchObject({ status: 'failed', attempts: 1, detail: err!.message });
    expect(JSON.stringify(r)).not.toContain('wrong-secret');
    expect(listSms(dir)).toHaveLength(1);
  });
});
