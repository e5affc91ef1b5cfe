// Notifications against real PostgreSQL and a real HTTP receiver on 127.0.0.1: each format's payload,
// one delivery per id however often the activity runs, failures kept for the retry, channels that
// cannot send say so, drill messages carry the mark, and no webhook key leaks into the records.
// The receiver is on loopback, which webhooks may reach only when the deployment allows it:
// these tests allow 127.0.0.1 (YINGJI_WEBHOOK_ALLOW_HOSTS); webhook-egress.test.ts tests the refusals.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyAuditChain } from '../../activities/records/audit-log';
import { createRecordActivities } from '../../activities/records/records.activities';
import { channelFor } from '../../activities/notify/channel';
import { createNotifyActivities, NotificationRequest, NotifyActivities } from '../../activities/notify/notify.activities';
import { createWebhookChannel } from '../../activities/notify/webhook';
import { Harness, startHarness } from './support/harness';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A webhook receiver: `/ok/...` answers 200, `/fail/...` 500 (echoing the query), `/errcode` a chat refusal, `/hang` never. */
function startReceiver(): Promise<{ server: Server; base: string; received: Received[]; failing: Set<string> }> {
  const received: Received[] = [];
  const failing = new Set<string>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/hang') return; // never answers
      received.push({ path: url.pathname, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      if (url.pathname.startsWith('/fail') || failing.has(url.pathname)) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`boom, your request was ${req.url}`);
      } else if (url.pathname === '/errcode') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errcode: 93000, errmsg: `invalid webhook url, key ${url.searchParams.get('key')}` }));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, failing })),
  );
}

const AT = '2026-11-23T08:00:00.000Z';
const ALLOW_LOOPBACK = { allowHosts: ['127.0.0.1'], strict: false };
const INCIDENT = 'inc-notify';

describe('notify activities', () => {
  let h: Harness;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  let notify: NotifyActivities;

  function request(id: string, over: Partial<NotificationRequest> = {}): NotificationRequest {
    return {
      id,
      incidentId: INCIDENT,
      stepId: 'tell-finance',
      reason: 'step',
      channel: 'webhook',
      channelConfig: { url: `${rx.base}/ok/${id}`, format: 'generic' },
      audience: ['finance', 'commander'],
      recipients: [
        { person: 'li.na', name: '李娜', address: 'li.na@example.com' },
        { person: 'wang.wei', name: '王伟' },
        { person: 'zhao.lei' },
      ],
      message: '发票库故障，II级，预计恢复 4h',
      drill: false,
      at: AT,
      ...over,
    };
  }
  const sentTo = (id: string) => rx.received.filter((r) => r.path.endsWith(`/${id}`));
  const row = async (id: string) => (await h.db.query(`SELECT * FROM notifications WHERE id = $1`, [id]))[0];
  const timeline = (key: string) => h.db.query(`SELECT kind, actor, message, data FROM timeline_entries WHERE event_key = $1`, [key]);

  beforeAll(async () => {
    rx = await startReceiver();
    h = await startHarness({ worker: false });
    await h.publishPlan('hello-drill.yaml');
    await createRecordActivities(h.db).recordIncidentOpened({
      incidentId: INCIDENT, planId: 'hello-drill', planVersion: 1, title: 'notify test', mode: 'live', facts: {}, launchedBy: 'test', at: AT,
    });
    notify = createNotifyActivities(h.db, { egress: ALLOW_LOOPBACK });
  });
  afterAll(async () => {
    rx?.server.closeAllConnections();
    await new Promise((r) => rx?.server.close(r));
    await h?.close();
  });

  it('delivers a generic webhook once, with the whole notification, and records it', async () => {
    const result = await notify.sendNotification(request('n-generic'));
    expect(result).toEqual({ id: 'n-generic', status: 'delivered', detail: expect.stringMatching(/^HTTP 200 from 127\.0\.0\.1:\d+ \(generic\)$/), attempts: 1 });
    const got = sentTo('n-generic');
    expect(got).toHaveLength(1);
    expect(got[0].headers['idempotency-key']).toBe('n-generic');
    expect(got[0].body).toEqual({
      id: 'n-generic',
      incidentId: INCIDENT,
      stepId: 'tell-finance',
      reason: 'step',
      audience: ['finance', 'commander'],
      recipients: request('x').recipients,
      message: '发票库故障，II级，预计恢复 4h',
      drill: false,
      at: AT,
    });
    expect(await row('n-generic')).toMatchObject({ status: 'delivered', attempts: 1, channel: 'webhook', drill: false, incident_id: INCIDENT, step_id: 'tell-finance' });
    expect((await row('n-generic')).delivered_at).toBeInstanceOf(Date);
    expect(await timeline('n-generic')).toEqual([
      expect.objectContaining({ kind: 'notification.delivered', actor: 'yingji', message: 'Notified finance, commander via webhook (3 recipients)' }),
    ]);
  });

  it.each([
    ['wecom', { msgtype: 'text', text: { content: 'hello' } }],
    ['dingtalk', { msgtype: 'text', text: { content: 'hello' } }],
    ['feishu', { msg_type: 'text', content: { text: 'hello' } }],
    ['slack', { text: 'hello' }],
  ])('delivers the %s format', async (format, payload) => {
    const id = `n-${format}`;
    const result = await notify.sendNotification(request(id, { message: 'hello', channelConfig: { url: `${rx.base}/ok/${id}`, format } }));
    expect(result.status).toBe('delivered');
    expect(sentTo(id).map((r) => r.body)).toEqual([payload]);
  });

  it('treats a chat channel named directly as a webhook in its format', async () => {
    const id = 'n-chat-channel';
    const result = await notify.sendNotification(request(id, { channel: 'feishu', message: 'hi', channelConfig: { url: `${rx.base}/ok/${id}` } }));
    expect(result.status).toBe('delivered');
    expect(sentTo(id).map((r) => r.body)).toEqual([{ msg_type: 'text', content: { text: 'hi' } }]);
  });

  it('never sends twice for one id: retries after delivery, and concurrent runs', async () => {
    const first = await notify.sendNotification(request('n-generic'));
    expect(first).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(sentTo('n-generic')).toHaveLength(1);

    const results = await Promise.all([1, 2, 3].map(() => notify.sendNotification(request('n-together'))));
    expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(sentTo('n-together')).toHaveLength(1);
    expect(await timeline('n-together')).toHaveLength(1);
    expect(Number((await h.db.query(`SELECT count(*)::int AS n FROM audit_entries WHERE subject_id = 'n-together'`))[0].n)).toBe(1);
  });

  it('a 500 throws naming the status and host, keeps the attempt, and the retry delivers', async () => {
    const id = 'n-flaky';
    rx.failing.add(`/ok/${id}`);
    await expect(notify.sendNotification(request(id))).rejects.toThrow(/^webhook to 127\.0\.0\.1:\d+ answered HTTP 500/);
    await expect(notify.sendNotification(request(id))).rejects.toThrow(/HTTP 500/);
    // The status only: the receiver's answer (`boom, your request was ...`) is not kept.
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 2, detail: expect.stringMatching(/^webhook to 127\.0\.0\.1:\d+ answered HTTP 500$/), delivered_at: null });
    expect(await timeline(id)).toEqual([]);

    rx.failing.delete(`/ok/${id}`);
    expect(await notify.sendNotification(request(id))).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(sentTo(id)).toHaveLength(3);
    expect(await notify.sendNotification(request(id))).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(sentTo(id)).toHaveLength(3);
  });

  it('keeps a webhook key out of errors, details and the timeline', async () => {
    const secret = 'SECRETKEY0123456789';
    const req = request('n-secret', { channelConfig: { url: `${rx.base}/fail?key=${secret}`, format: 'wecom' } });
    const err: Error = await notify.sendNotification(req).then(
      () => {
        throw new Error('expected a failure');
      },
      (e: Error) => e,
    );
    expect(err.message).toMatch(/HTTP 500/);
    expect(err.message).not.toContain(secret);
    expect((await row('n-secret')).detail).not.toContain(secret);

    const refused = request('n-refused', { channelConfig: { url: `${rx.base}/errcode?key=${secret}`, format: 'wecom' } });
    await expect(notify.sendNotification(refused)).rejects.toThrow(/refused the message: code 93000/);
    expect((await row('n-refused')).detail).not.toContain(secret);
    expect((await row('n-refused')).status).toBe('pending');

    await notify.recordNotificationFailed(req, err.message);
    const all = JSON.stringify(await h.db.query(`SELECT * FROM timeline_entries`)) + JSON.stringify(await h.db.query(`SELECT * FROM audit_entries`));
    expect(all).not.toContain(secret);
  });

  it('marks a notification failed once the workflow gives up', async () => {
    const id = 'n-gave-up';
    const req = request(id, { channelConfig: { url: `${rx.base}/fail/${id}` } });
    await expect(notify.sendNotification(req)).rejects.toThrow(/HTTP 500/);
    await notify.recordNotificationFailed(req, 'webhook to host answered HTTP 500');
    await notify.recordNotificationFailed(req, 'webhook to host answered HTTP 500');
    expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1, detail: 'webhook to host answered HTTP 500' });
    expect(await timeline(`${id}:failed`)).toEqual([
      expect.objectContaining({ kind: 'notification.failed', message: 'webhook notification to finance, commander failed after 1 attempt: webhook to host answered HTTP 500' }),
    ]);
    // A delivered notification is never turned into a failure.
    await notify.recordNotificationFailed(request('n-generic'), 'late');
    expect(await row('n-generic')).toMatchObject({ status: 'delivered' });
  });

  it('records a webhook without a url as unavailable, without retrying', async () => {
    const result = await notify.sendNotification(request('n-no-url', { channelConfig: { format: 'wecom' } }));
    expect(result).toEqual({ id: 'n-no-url', status: 'unavailable', detail: 'no url configured (notify.channels.webhook.url)', attempts: 1 });
    expect(await row('n-no-url')).toMatchObject({ status: 'unavailable', delivered_at: null });
    expect(await timeline('n-no-url')).toEqual([
      expect.objectContaining({ kind: 'notification.unavailable', message: 'webhook notification not sent: no url configured (notify.channels.webhook.url)' }),
    ]);
    expect(await notify.sendNotification(request('n-no-url', { channelConfig: { format: 'wecom' } }))).toEqual(result);
  });

  it('never pretends for a channel that is not built', async () => {
    expect(channelFor('phone')).toBeUndefined();
    const result = await notify.sendNotification(request('n-phone', { channel: 'phone', channelConfig: { to: { finance: '+86 10 5555 0100' } } }));
    expect(result).toMatchObject({ status: 'unavailable', detail: 'channel phone is not available yet' });
    expect(await row('n-phone')).toMatchObject({ status: 'unavailable', detail: 'channel phone is not available yet', channel: 'phone' });
    expect(await timeline('n-phone')).toEqual([
      expect.objectContaining({ kind: 'notification.unavailable', message: 'phone notification not sent: channel phone is not available yet' }),
    ]);
  });

  it('marks drill notifications 演练 DRILL in the message, the payload and the row', async () => {
    await notify.sendNotification(request('n-drill-wecom', { drill: true, channelConfig: { url: `${rx.base}/ok/n-drill-wecom`, format: 'wecom' } }));
    await notify.sendNotification(request('n-drill-generic', { drill: true }));
    expect(sentTo('n-drill-wecom')[0].body).toEqual({ msgtype: 'text', text: { content: '【演练 DRILL】 发票库故障，II级，预计恢复 4h' } });
    expect(sentTo('n-drill-generic')[0].body).toMatchObject({ drill: true, message: '【演练 DRILL】 发票库故障，II级，预计恢复 4h' });
    expect(await row('n-drill-generic')).toMatchObject({ drill: true, message: '【演练 DRILL】 发票库故障，II级，预计恢复 4h' });
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const channel = createWebhookChannel({ timeoutMs: 300 });
    await expect(channel.deliver({ ...request('n-hang'), recipients: [] }, { url: `${rx.base}/hang` }, ALLOW_LOOPBACK)).rejects.toThrow(/^webhook to 127\.0\.0\.1:\d+ timed out after 0\.3 s$/);
  });

  it('keeps the audit chain intact', async () => {
    expect(await verifyAuditChain(h.db.manager)).toMatchObject({ ok: true });
  });
});
