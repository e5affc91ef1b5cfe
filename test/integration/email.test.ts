// Email against a real SMTP server (smtp-server in-process on 127.0.0.1, messages read back with
// mailparser): what arrives, STARTTLS with a self-signed certificate trusted or not, a refused
// login or mailbox recorded with the server's reply, and the notify activity's row for email.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generate } from 'selfsigned';
import { OutgoingNotification } from '../../activities/notify/channel';
import { createEmailChannel } from '../../activities/notify/email';
import { createNotifyActivities, NotificationRequest } from '../../activities/notify/notify.activities';
import type { Harness } from './support/harness';
import { restoreEnvAfterEach, startNotifyWorld } from './support/notify-world';
import { Inbox, startSmtp } from './support/smtp-inbox';

const AT = '2026-11-23T08:00:00.000Z';
const FROM = '应急 Yingji <yingji@ops.example.com>';

function notice(over: Partial<OutgoingNotification> = {}): OutgoingNotification {
  return {
    id: 'inc-mail:notify:step:tell-finance:email',
    incidentId: 'inc-mail',
    stepId: 'tell-finance',
    reason: 'step:tell-finance',
    audience: ['finance', 'commander'],
    recipients: [
      { person: 'li-na', name: '李娜', address: 'li.na@example.com' },
      { person: 'wang-qiang', name: '王强' },
    ],
    message: '发票库故障，II级，预计恢复 4h',
    drill: false,
    at: AT,
    ...over,
  };
}

describe('email through a real SMTP server', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-email-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('sends each recipient a bilingual text and HTML message with a stable Message-ID', async () => {
    const inbox = await startSmtp();
    try {
      const email = createEmailChannel({ smtp: { url: inbox.url, from: FROM } });
      const config = { to: { finance: ['finance@example.com', 'LI.NA@example.com'], legal: 'legal@example.com' } };
      const out = await email.deliver(notice({ drill: true, message: '【演练 DRILL】 发票库故障，II级，预计恢复 4h' }), config);
      expect(out.detail).toMatch(/^accepted by SMTP 127\.0\.0\.1:\d+ for li\.na@example\.com, finance@example\.com; no email address for wang-qiang$/);

      // One message each: the directory's address, then the audience's role address; legal is not in the audience.
      expect(inbox.received.map((r) => r.rcpt)).toEqual([['li.na@example.com'], ['finance@example.com']]);
      const [first, second] = inbox.received.map((r) => r.mail);
      expect(first.subject).toBe('【演练 DRILL】 [应急 Yingji] 处置通知 Notice · inc-mail');
      expect(first.from?.text).toBe('"应急 Yingji" <yingji@ops.example.com>');
      expect(first.to && 'text' in first.to ? first.to.text : undefined).toBe('li.na@example.com');
      expect(first.text).toContain('【演练 DRILL】 发票库故障，II级，预计恢复 4h');
      expect(first.text).toContain('事件 Incident: inc-mail');
      expect(first.text).toContain('这是一次演练，不是真实事件。This is a drill, not a real incident.');
      // Chinese first, then English, in the body as in the subject.
      expect(first.text!.indexOf('处置通知')).toBeLessThan(first.text!.indexOf('Notice'));
      expect(first.html).toContain('<h2>处置通知 Notice</h2>');
      expect(first.html).toContain('发票库故障，II级，预计恢复 4h');
      expect(first.headers.get('x-yingji-notification')).toBe('inc-mail:notify:step:tell-finance:email');
      expect(first.messageId).toMatch(/^<[0-9a-f]{24}\.[0-9a-f]{12}@ops\.example\.com>$/);
      expect(second.messageId).not.toBe(first.messageId);
      // Both went over one connection.
      expect(inbox.connections()).toBe(1);

      // A retried send of the same notice carries the same Message-IDs: receivers can tell it is the same message.
      await email.deliver(notice({ drill: true }), config);
      expect(inbox.received.slice(2).map((r) => r.mail.messageId)).toEqual([first.messageId, second.messageId]);
    } finally {
      await inbox.close();
    }
  });

  it('speaks STARTTLS to a server with a self-signed certificate once YINGJI_SMTP_CA_FILE trusts it, and refuses it otherwise', async () => {
    const pems = await generate([{ name: 'commonName', value: 'mail.test' }], {
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    const caFile = path.join(tmp, 'smtp-ca.pem');
    fs.writeFileSync(caFile, pems.cert);
    const inbox = await startSmtp({ tls: { key: pems.private, cert: pems.cert }, login: { user: 'yingji', pass: 's3cret/&?' } });
    try {
      const trusted = createEmailChannel({ smtp: { url: inbox.url, from: FROM, caFile } });
      await trusted.deliver(notice(), {});
      expect(inbox.received).toHaveLength(1);
      expect(inbox.received[0]).toMatchObject({ secure: true, user: 'yingji', rcpt: ['li.na@example.com'] });

      const untrusted = createEmailChannel({ smtp: { url: inbox.url, from: FROM } });
      const err = await untrusted.deliver(notice(), {}).then(() => undefined, (e: Error) => e);
      expect(err?.message).toMatch(/TLS certificate not trusted \(.*self[- ]signed.*\); trust it with YINGJI_SMTP_CA_FILE/);
      expect(err?.message).not.toContain('s3cret');
      expect(err).toMatchObject({ nonRetryable: true });
      expect(inbox.received).toHaveLength(1);
    } finally {
      await inbox.close();
    }
  });

  it('keeps sending to the others when one mailbox is refused, and fails with the reply when all are', async () => {
    const inbox = await startSmtp();
    try {
      const email = createEmailChannel({ smtp: { url: inbox.url, from: FROM } });
      const some = await email.deliver(notice(), { to: { finance: 'unknown@example.com' } });
      expect(some.detail).toMatch(/for li\.na@example\.com; refused unknown@example\.com \(550 No such mailbox here\)/);
      expect(inbox.received.map((r) => r.rcpt)).toEqual([['li.na@example.com']]);

      const none = await email.deliver(notice({ recipients: [] }), { to: { finance: 'unknown@example.com' } }).then(() => undefined, (e: Error) => e);
      expect(none?.message).toMatch(/^SMTP 127\.0\.0\.1:\d+ refused every recipient: unknown@example\.com \(550 No such mailbox here\)$/);
      expect(none).toMatchObject({ nonRetryable: true });
    } finally {
      await inbox.close();
    }
  });

  it('treats a server that cannot be reached as worth a retry', async () => {
    const inbox = await startSmtp();
    const url = inbox.url;
    await inbox.close();
    const err = await createEmailChannel({ smtp: { url, from: FROM } }).deliver(notice(), {}).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/^SMTP 127\.0\.0\.1:\d+ could not be reached \(ESOCKET: connect ECONNREFUSED /);
    expect((err as { nonRetryable?: boolean }).nonRetryable).toBeFalsy();
  });
});

describe('the notify activity on the email channel', () => {
  let h: Harness;
  let inbox: Inbox;
  restoreEnvAfterEach(['YINGJI_SMTP_URL', 'YINGJI_SMTP_FROM']);
  const INCIDENT = 'inc-email';
  const request = (id: string, over: Partial<NotificationRequest> = {}): NotificationRequest => ({
    id,
    incidentId: INCIDENT,
    stepId: 'tell-finance',
    reason: 'step:tell-finance',
    channel: 'email',
    channelConfig: { to: { finance: 'finance@example.com' } },
    audience: ['finance'],
    recipients: [{ person: 'li-na', name: '李娜', address: 'li.na@example.com' }],
    message: '发票库故障，II级，预计恢复 4h',
    drill: false,
    at: AT,
    ...over,
  });
  const row = async (id: string) => (await h.db.query(`SELECT status, attempts, detail, channel FROM notifications WHERE id = $1`, [id]))[0];

  beforeAll(async () => {
    h = await startNotifyWorld(INCIDENT, 'email test');
  });
  afterAll(async () => {
    await inbox?.close();
    await h?.close();
  });

  it('records email as unavailable, with why, when no SMTP server is configured', async () => {
    delete process.env.YINGJI_SMTP_URL;
    const result = await createNotifyActivities(h.db).sendNotification(request('n-email-off'));
    expect(result).toMatchObject({ status: 'unavailable', detail: 'no SMTP server configured (YINGJI_SMTP_URL)' });
    expect(await row('n-email-off')).toMatchObject({ status: 'unavailable', channel: 'email' });
  });

  it('delivers through YINGJI_SMTP_URL and records the row delivered with who accepted it', async () => {
    inbox = await startSmtp();
    process.env.YINGJI_SMTP_URL = inbox.url;
    process.env.YINGJI_SMTP_FROM = FROM;
    const notify = createNotifyActivities(h.db);
    const result = await notify.sendNotification(request('n-email'));
    expect(result).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(await row('n-email')).toMatchObject({ status: 'delivered', channel: 'email', detail: expect.stringMatching(/for li\.na@example\.com, finance@example\.com$/) });
    expect(inbox.received.map((r) => r.rcpt[0])).toEqual(['li.na@example.com', 'finance@example.com']);
    // Settled: a retry of the activity sends nothing more.
    await notify.sendNotification(request('n-email'));
    expect(inbox.received).toHaveLength(2);
  });

  it('records a refused login failed with the server reply, and no password', async () => {
    const locked = await startSmtp({ login: { user: 'yingji', pass: 'right' } });
    try {
      process.env.YINGJI_SMTP_URL = locked.url.replace('yingji:right@', 'yingji:wrong-pass@');
      const notify = createNotifyActivities(h.db);
      const err = await notify.sendNotification(request('n-email-login')).then(() => undefined, (e: Error) => e);
      expect(err?.message).toMatch(/^SMTP 127\.0\.0\.1:\d+ refused \(EAUTH\): 535 Authentication credentials invalid$/);
      expect(err).toMatchObject({ nonRetryable: true });
      // What the workflow does once the activity has failed for good.
      await notify.recordNotificationFailed(request('n-email-login'), err!.message);
      const r = await row('n-email-login');
      expect(r).toMatchObject({ status: 'failed', attempts: 1, detail: err!.message });
      expect(JSON.stringify(r)).not.toContain('wrong-pass');
      expect(locked.received).toHaveLength(0);
    } finally {
      await locked.close();
    }
  });
});
