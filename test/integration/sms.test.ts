// Text messages against the local SMS gateway (apps/sms-gateway, a real HTTP server in-process on
// 127.0.0.1, port 0) that checks Aliyun SendSms signatures: what it keeps, a wrong secret or
// template refused with Aliyun's Code, a retried send not sent twice, and the notify activity's row.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OutgoingNotification } from '../../activities/notify/channel';
import { createNotifyActivities, NotificationRequest } from '../../activities/notify/notify.activities';
import { createSmsChannel } from '../../activities/notify/sms';
import { createAliyunGateway } from '../../activities/notify/sms/aliyun';
import { SmsRefusedError } from '../../activities/notify/sms/gateway';
import { SmsConfig } from '../../apps/shared/config';
import { listSms, RunningSmsGateway, startSmsGateway } from '../../apps/sms-gateway/src';
import type { Harness } from './support/harness';
import { restoreEnvAfterEach, startNotifyWorld } from './support/notify-world';

const AT = '2026-11-23T08:00:00.000Z';
const KEY = { accessKeyId: 'LTAItest', accessKeySecret: 'right-s3cret/+=' };
const TEMPLATE = 'SMS_YINGJI_NOTICE';

async function gateway(dir: string): Promise<RunningSmsGateway> {
  return startSmsGateway({ host: '127.0.0.1', port: 0, dir, ...KEY, templateCode: TEMPLATE });
}
const settings = (g: RunningSmsGateway, over: Partial<SmsConfig> = {}): SmsConfig => ({ url: g.url, ...KEY, signName: '应急Yingji', templateCode: TEMPLATE, ...over });

function notice(over: Partial<OutgoingNotification> = {}): OutgoingNotification {
  return {
    id: 'inc-sms:notify:step:tell-finance:sms',
    incidentId: 'inc-sms',
    stepId: 'tell-finance',
    reason: 'step:tell-finance',
    audience: ['finance'],
    recipients: [
      { person: 'li-na', name: '李娜', address: '+86 138 0013 8000' },
      { person: 'wang-qiang', name: '王强' },
    ],
    message: '发票库故障，II级，预计恢复 4h',
    drill: false,
    at: AT,
    ...over,
  };
}

describe('SMS through the local Aliyun-style gateway', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-sms-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('delivers a signed message per number that the gateway keeps, and a retry is not sent twice', async () => {
    const dir = path.join(tmp, 'ok');
    const g = await gateway(dir);
    try {
      const sms = createSmsChannel({ sms: settings(g) });
      const drill = notice({ drill: true, message: '【演练 DRILL】 发票库故障，II级，预计恢复 4h；请财务暂停开票并通知大客户，等待进一步指令' });
      const out = await sms.deliver(drill, { to: { finance: '13900139000', legal: '13700137000' } });
      expect(out.detail).toMatch(/^accepted by SMS gateway 127\.0\.0\.1:\d+ for 13800138000 \(BizId \S+\), 13900139000 \(BizId \S+\); no mobile number for wang-qiang$/);

      const kept = listSms(dir);
      // The directory's mobile, then the audience's role number; legal is not in the audience.
      expect(kept.map((m) => m.phoneNumbers)).toEqual([['13800138000'], ['13900139000']]);
      expect(kept[0]).toMatchObject({ signName: '应急Yingji', templateCode: TEMPLATE, templateParam: { content: '【演练 DRILL】 发票库故障，II级，预计恢复 4h；请财务暂停…' } });
      expect(kept[0].outId).not.toBe(kept[1].outId);

      // The activity retried after a lost answer: same OutIds, the gateway drops them and answers with the first BizIds.
      const again = await sms.deliver(drill, { to: { finance: '13900139000' } });
      expect(listSms(dir)).toHaveLength(2);
      expect(again.detail).toContain(`13800138000 (BizId ${kept[0].bizId})`);
      expect(again.detail).toContain(`13900139000 (BizId ${kept[1].bizId})`);
    } finally {
      await g.stop();
    }
  });

  it('is refused, for good and without the secret, when the secret or the template is wrong', async () => {
    const dir = path.join(tmp, 'refused');
    const g = await gateway(dir);
    try {
      const wrong = await createSmsChannel({ sms: settings(g, { accessKeySecret: 'wrong-secret' }) }).deliver(notice(), {}).then(() => undefined, (e: Error) => e);
      expect(wrong?.message).toMatch(/^SMS gateway 127\.0\.0\.1:\d+ refused \(SignatureDoesNotMatch: Specified signature is not matched with our calculation\.\)$/);
      expect(wrong).toMatchObject({ nonRetryable: true });
      expect(wrong?.message).not.toContain('wrong-secret');

      const template = await createSmsChannel({ sms: settings(g, { templateCode: 'SMS_OTHER' }) }).deliver(notice(), {}).then(() => undefined, (e: Error) => e);
      expect(template?.message).toMatch(/refused \(isv\.SMS_TEMPLATE_ILLEGAL: 模板不合法\(不存在或被拉黑\) SMS_OTHER\)$/);
      expect(template).toMatchObject({ nonRetryable: true });

      // A number the gateway cannot text is refused with its Code (the channel never sends one: it checks first).
      const bad = await createAliyunGateway({ url: g.url, ...KEY })
        .send({ phoneNumbers: ['12345'], signName: '应急Yingji', templateCode: TEMPLATE, templateParam: { content: 'x' } })
        .then(() => undefined, (e: Error) => e);
      expect(bad).toBeInstanceOf(SmsRefusedError);
      expect(bad).toMatchObject({ code: 'isv.MOBILE_NUMBER_ILLEGAL', message: expect.stringMatching(/refused \(isv\.MOBILE_NUMBER_ILLEGAL: 非法手机号 12345\)$/) });
      expect(listSms(dir)).toEqual([]);
    } finally {
      await g.stop();
    }
  });

  it('says unavailable, naming why, when nobody has a mobile number', async () => {
    const err = await createSmsChannel({ sms: { url: 'http://127.0.0.1:9', ...KEY, signName: 's', templateCode: TEMPLATE } })
      .deliver(notice({ recipients: [{ person: 'wang-qiang' }] }), { to: { finance: '+86 10 5555 0100' } })
      .then(() => undefined, (e: Error) => e);
    expect(err?.name).toBe('ChannelUnavailableError');
    expect(err?.message).toBe('no mobile number to send to (notify.channels.sms.to names none of finance; no mobile number for wang-qiang, finance (+86 10 5555 0100 is not a mobile number))');
  });

  it('treats a gateway that cannot be reached as worth a retry', async () => {
    const g = await gateway(path.join(tmp, 'gone'));
    const url = g.url;
    await g.stop();
    const err = await createSmsChannel({ sms: { url, ...KEY, signName: 's', templateCode: TEMPLATE } }).deliver(notice(), {}).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/^SMS gateway 127\.0\.0\.1:\d+ could not be reached \(ECONNREFUSED: /);
    expect((err as { nonRetryable?: boolean }).nonRetryable).toBeFalsy();
  });
});

describe('the notify activity on the sms channel', () => {
  let h: Harness;
  let g: RunningSmsGateway;
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-sms-notify-')), 'sms');
  const NAMES = ['YINGJI_SMS_URL', 'YINGJI_SMS_ACCESS_KEY_ID', 'YINGJI_SMS_ACCESS_KEY_SECRET', 'YINGJI_SMS_SIGN_NAME', 'YINGJI_SMS_TEMPLATE_CODE'];
  restoreEnvAfterEach(NAMES);
  const INCIDENT = 'inc-sms';
  const request = (id: string, over: Partial<NotificationRequest> = {}): NotificationRequest => ({
    id,
    incidentId: INCIDENT,
    stepId: 'tell-finance',
    reason: 'step:tell-finance',
    channel: 'sms',
    channelConfig: { to: { finance: '13900139000' } },
    audience: ['finance'],
    recipients: [{ person: 'li-na', name: '李娜', address: '13800138000' }],
    message: '发票库故障，II级，预计恢复 4h',
    drill: false,
    at: AT,
    ...over,
  });
  const row = async (id: string) => (await h.db.query(`SELECT status, attempts, detail, channel FROM notifications WHERE id = $1`, [id]))[0];
  const configure = (secret: string) =>
    Object.assign(process.env, { YINGJI_SMS_URL: g.url, YINGJI_SMS_ACCESS_KEY_ID: KEY.accessKeyId, YINGJI_SMS_ACCESS_KEY_SECRET: secret, YINGJI_SMS_SIGN_NAME: '应急Yingji', YINGJI_SMS_TEMPLATE_CODE: TEMPLATE });

  beforeAll(async () => {
    h = await startNotifyWorld(INCIDENT, 'sms test');
    g = await gateway(dir);
  });
  afterAll(async () => {
    await g?.stop();
    await h?.close();
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('records sms as unavailable, naming the missing settings, when no key pair is configured', async () => {
    for (const k of NAMES) delete process.env[k];
    const result = await createNotifyActivities(h.db).sendNotification(request('n-sms-off'));
    expect(result).toMatchObject({
      status: 'unavailable',
      detail: 'no SMS gateway configured (YINGJI_SMS_ACCESS_KEY_ID, YINGJI_SMS_ACCESS_KEY_SECRET, YINGJI_SMS_SIGN_NAME, YINGJI_SMS_TEMPLATE_CODE not set)',
    });
    expect(await row('n-sms-off')).toMatchObject({ status: 'unavailable', channel: 'sms' });
  });

  it('delivers through YINGJI_SMS_URL and records the row delivered with the numbers', async () => {
    configure(KEY.accessKeySecret);
    const notify = createNotifyActivities(h.db);
    expect(await notify.sendNotification(request('n-sms'))).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(await row('n-sms')).toMatchObject({ status: 'delivered', channel: 'sms', detail: expect.stringMatching(/for 13800138000 \(BizId \S+\), 13900139000 \(BizId \S+\)$/) });
    expect(listSms(dir).map((m) => [m.phoneNumbers[0], m.templateParam.content])).toEqual([
      ['13800138000', '发票库故障，II级，预计恢复 4h'],
      ['13900139000', '发票库故障，II级，预计恢复 4h'],
    ]);
  });

  it('records a wrong secret failed with the gateway Code, and no secret', async () => {
    configure('wrong-secret');
    const notify = createNotifyActivities(h.db);
    const err = await notify.sendNotification(request('n-sms-wrong')).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/refused \(SignatureDoesNotMatch: Specified signature is not matched with our calculation\.\)$/);
    expect(err).toMatchObject({ nonRetryable: true });
    // What the workflow does once the activity has failed for good.
    await notify.recordNotificationFailed(request('n-sms-wrong'), err!.message);
    const r = await row('n-sms-wrong');
    expect(r).toMatchObject({ status: 'failed', attempts: 1, detail: err!.message });
    expect(JSON.stringify(r)).not.toContain('wrong-secret');
    expect(listSms(dir)).toHaveLength(2);
  });
});
