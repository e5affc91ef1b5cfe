import * as fs from 'node:fs';
import * as path from 'node:path';
import { takeBackup } from '../../activities/backup/take-backup';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { createNotifyActivities, NO_DEPLOYMENT_WEBHOOK } from '../../activities/notify/notify.activities';
import { backupKeyring, backupStore } from '../../apps/shared/backups';
import { ensureRecoveryTestSchedule, RECOVERY_TEST_SCHEDULE } from '../../apps/shared/schedules';
import { canConnect, dropDatabase } from '../../scripts/stack/postgres';
import { Harness, startHarness } from './support/harness';
import { startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';
import { Inbox, startSmtp } from './support/smtp-inbox';
import { adminUrl, urlOf } from './support/databases';
import { recoveryTest } from '../../workflows/recovery-test.workflow';

/** `name value` samples of a Prometheus text body. */
function samples(text: string): Record<string, number> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(' '))
      .map(([name, value]) => [name, Number(value)]),
  );
}

// The scheduled recovery test restores the latest chain into a scratch database, verifies it,
// records the result, drops the scratch database, and fails visibly when the backup is damaged:
// a failed run in Temporal, an alert to the deployment's webhook, and the /metrics gauges.
describe('recovery tests', () => {
  let h: Harness;
  let rx: WebhookReceiver;
  let smtp: Inbox;
  let source: string;
  let fullId: string;

  beforeAll(async () => {
    source = `yingji_rt_src_${process.pid}`;
    process.env.INVOICE_DATABASE_URL = urlOf(source);
    // The deployment's webhook (YINGJI_WEBHOOK_URL) on 127.0.0.1.
    rx = await startWebhookReceiver('/yingji-alerts');
    process.env.YINGJI_WEBHOOK_URL = rx.url;
    // The operators also get a failed recovery test by email, on a real SMTP server.
    smtp = await startSmtp();
    process.env.YINGJI_SMTP_URL = smtp.url;
    process.env.YINGJI_ALERT_EMAIL = 'ops@example.com, dba-oncall@example.com';
    h = await startHarness();
    await prepareInvoiceDatabase(urlOf(source));
    await generateInvoices(urlOf(source), { count: 4000, seed: 8 });
    fullId = (await takeBackup({ invoiceUrl: urlOf(source), catalog: h.db, store: backupStore(h.config), keyring: backupKeyring(h.config) }, { kind: 'full', by: 'test' })).id;
  });
  afterAll(async () => {
    await h?.close();
    await dropDatabase(adminUrl(), source);
    delete process.env.INVOICE_DATABASE_URL;
    delete process.env.YINGJI_WEBHOOK_URL;
    delete process.env.YINGJI_SMTP_URL;
    delete process.env.YINGJI_ALERT_EMAIL;
    await smtp?.close();
    await rx?.close();
  });

  const run = (id: string) => h.temporal.workflow.start(recoveryTest, { taskQueue: h.config.taskQueue, workflowId: id, args: [] });
  const notifications = () => h.db.query(`SELECT id, incident_id, subject, reason, channel, message, status, attempts, detail FROM notifications ORDER BY created_at, id`);
  const metrics = async () => {
    const viewer = await h.as('prometheus', ['manager']);
    const res = await viewer.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return { text: res.text, values: samples(res.text) };
  };

  it('passes on a good chain: recorded, the backup marked verified, the scratch database gone', async () => {
    const result = await (await run('rt-good')).result();
    expect(result).toMatchObject({ ok: true, chain: [fullId], rows: 4000 });
    const [row] = await h.db.query(`SELECT ok, error, detail FROM recovery_tests WHERE id = 'rt-good'`);
    expect(row).toMatchObject({ ok: true, error: null });
    expect(row.detail.rows).toBe(4000);
    expect((await h.db.query(`SELECT status FROM backup_catalog WHERE id = $1`, [fullId]))[0].status).toBe('verified');
    expect(await canConnect(urlOf('yingji_recovery_rtgood'))).toBe(false);
    // A pass sends nothing, and the metrics say it passed.
    expect(await notifications()).toEqual([]);
    expect(rx.received).toEqual([]);
    const { values } = await metrics();
    expect(values.yingji_recovery_test_last_run_ok).toBe(1);
    expect(values.yingji_recovery_tests_failed_total).toBe(0);
    const [{ finished_at: finishedAt }] = await h.db.query(`SELECT finished_at FROM recovery_tests WHERE id = 'rt-good'`);
    expect(values.yingji_recovery_test_last_success_timestamp_seconds).toBe(finishedAt.getTime() / 1000);
  });

  it('/metrics needs a token, like every endpoint but /health', async () => {
    await h.http.get('/metrics').expect(401);
  });

  it('fails loudly on a damaged chunk, naming it, and records the failure', async () => {
    const chunk = path.join(h.config.dataDir, 'backups', fullId, 'chunks', '000001.ybc');
    const bytes = fs.readFileSync(chunk);
    bytes[40] ^= 0x10;
    fs.writeFileSync(chunk, bytes);
    const outcome = await (await run('rt-bad')).result().then(
      () => 'passed',
      (e: Error & { cause?: Error }) => e.cause?.message ?? e.message,
    );
    expect(outcome).toMatch(new RegExp(`recovery test failed: .*backup ${fullId}, chunk 1`));
    const [row] = await h.db.query(`SELECT ok, error FROM recovery_tests WHERE id = 'rt-bad'`);
    expect(row.ok).toBe(false);
    expect(row.error).toMatch(new RegExp(`backup ${fullId}, chunk 1`));

    // One alert, to the deployment's webhook and by email to the operators, about the run and not about any incident.
    const alert = { id: 'rt-bad:alert', subject: 'recovery-test:rt-bad', reason: 'recovery-test.failed', message: `恢复测试失败 Recovery test failed: ${row.error}` };
    expect(await notifications()).toEqual([
      { ...alert, incident_id: null, channel: 'webhook', status: 'delivered', attempts: 1, detail: expect.stringMatching(/^HTTP 200 from 127\.0\.0\.1:\d+ \(generic\)$/) },
      { ...alert, id: 'rt-bad:alert:email', incident_id: null, channel: 'email', status: 'delivered', attempts: 1, detail: expect.stringMatching(/for ops@example\.com, dba-oncall@example\.com$/) },
    ]);
    expect(smtp.received.map((m) => m.rcpt[0])).toEqual(['ops@example.com', 'dba-oncall@example.com']);
    expect(smtp.received[0].mail.subject).toBe('[应急 Yingji] 恢复测试失败 Recovery test failed · recovery-test:rt-bad');
    expect(smtp.received[0].mail.text).toContain(`chunk 1`);
    expect(smtp.received[0].mail.html).toContain('恢复测试失败 Recovery test failed');
    expect(rx.received).toHaveLength(1);
    expect(rx.received[0].headers['idempotency-key']).toBe('rt-bad:alert');
    expect(rx.received[0].body).toMatchObject({ ...alert, incidentId: null, drill: false });
    const [audit] = await h.db.query(`SELECT action, subject_id, detail FROM audit_entries WHERE event_key = 'rt-bad:alert'`);
    expect(audit).toMatchObject({ action: 'notification.send', subject_id: 'rt-bad:alert', detail: { status: 'delivered', subject: 'recovery-test:rt-bad' } });

    // A retried activity (same id) finds the delivery and sends nothing again.
    const again = await createNotifyActivities(h.db, { webhook: h.config.webhook }).sendDeploymentAlert({ ...alert, at: new Date().toISOString() });
    expect(again).toMatchObject({ id: 'rt-bad:alert', status: 'delivered', attempts: 1 });
    expect(rx.received).toHaveLength(1);
    expect(smtp.received).toHaveLength(2);
    expect(await notifications()).toHaveLength(2);

    const { values } = await metrics();
    expect(values.yingji_recovery_test_last_run_ok).toBe(0);
    expect(values.yingji_recovery_tests_failed_total).toBeGreaterThanOrEqual(1);
    expect(values.yingji_recovery_test_last_success_timestamp_seconds).toBeGreaterThan(0);
  });

  it('without YINGJI_WEBHOOK_URL the alert is recorded as unavailable, saying so', async () => {
    const result = await createNotifyActivities(h.db).sendDeploymentAlert({
      id: 'rt-nowhere:alert', subject: 'recovery-test:rt-nowhere', reason: 'recovery-test.failed', message: '恢复测试失败 Recovery test failed: test', at: new Date().toISOString(),
    });
    expect(result).toMatchObject({ status: 'unavailable', detail: NO_DEPLOYMENT_WEBHOOK });
    expect(NO_DEPLOYMENT_WEBHOOK).toBe('no YINGJI_WEBHOOK_URL');
    const [row] = await h.db.query(`SELECT incident_id, subject, status, detail FROM notifications WHERE id = 'rt-nowhere:alert'`);
    expect(row).toEqual({ incident_id: null, subject: 'recovery-test:rt-nowhere', status: 'unavailable', detail: 'no YINGJI_WEBHOOK_URL' });
    expect(rx.received).toHaveLength(1);
  });

  it('`yingji up` schedules it once, on an interval', async () => {
    expect(await ensureRecoveryTestSchedule(h.temporal, h.config, '12h')).toBe('created');
    expect(await ensureRecoveryTestSchedule(h.temporal, h.config, '12h')).toBe('exists');
    const desc = await h.temporal.schedule.getHandle(RECOVERY_TEST_SCHEDULE).describe();
    expect(desc.action).toMatchObject({ type: 'startWorkflow', workflowType: 'recoveryTest', taskQueue: h.config.taskQueue });
    expect(desc.spec.intervals?.[0].every).toBe(12 * 3600 * 1000);
    await h.temporal.schedule.getHandle(RECOVERY_TEST_SCHEDULE).delete();
  });
});
