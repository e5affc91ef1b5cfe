import { spawnSync } from 'node:child_process';
import { takeBackup } from '../../activities/backup/take-backup';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { backupKeyring, backupStore } from '../../apps/shared/backups';
import { dropDatabase } from '../../scripts/stack/postgres';
import { adminUrl, urlOf } from './support/databases';
import { As, eventually, Harness, openTask, reviewAndClose, startHarness } from './support/harness';
import { startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/g;

/** Every line of a Prometheus text body: `# HELP`/`# TYPE`, blank, or `name{labels} value`; anything else fails. */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1], l[2]]));
    // Prometheus reads values with Go's ParseFloat: NaN and ±Inf in any case (prom-client writes `Nan`).
    const special: Record<string, number> = { nan: NaN, '+inf': Infinity, inf: Infinity, '-inf': -Infinity };
    const value = m[3].toLowerCase() in special ? special[m[3].toLowerCase()] : Number(m[3]);
    if (Number.isNaN(value) && m[3].toLowerCase() !== 'nan') throw new Error(`not a number in: ${line}`);
    out.push({ name: m[1], labels, value });
  }
  return out;
}

/** One scrape, and the value of a sample whose labels are exactly these (undefined: no such sample). */
type Scrape = { text: string; value: (name: string, labels?: Record<string, string>) => number | undefined };

// What someone watching Yingji in Prometheus reads: open incidents at their level and mode, the team's
// open and overdue task, escalations, notices by status, the Update latency histogram, the last backup.
describe('/metrics', () => {
  let h: Harness;
  let hook: WebhookReceiver;
  const received = () => hook.received.map((r) => r.body);
  let scraper: As;
  const invoices = `yingji_metrics_src_${process.pid}`;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    process.env.YINGJI_PLAN_TEST_WEBHOOK_URL = hook.url;
    // The receiver is on loopback: webhooks reach it only when the deployment allows it.
    process.env.YINGJI_WEBHOOK_ALLOW_HOSTS = hook.host;
    h = await startHarness();
    await h.publishPlan('test/plans/run/escalation-drill.yaml');
    // Any valid token may scrape: Prometheus gets a token of its own (here an auditor's, read-only).
    scraper = await h.as('prometheus', ['auditor']);
  });
  afterAll(async () => {
    delete process.env.YINGJI_PLAN_TEST_WEBHOOK_URL;
    delete process.env.YINGJI_WEBHOOK_ALLOW_HOSTS;
    await h?.close();
    await dropDatabase(adminUrl(), invoices);
    await hook?.close();
  });

  const scrape = async (): Promise<Scrape> => {
    const res = await scraper.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const samples = parse(res.text);
    const same = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);
    return { text: res.text, value: (name, labels = {}) => samples.find((s) => s.name === name && same(s.labels, labels))?.value };
  };
  const updates = (s: Scrape, update: string, outcome: string) => s.value('yingji_update_duration_seconds_count', { update, outcome }) ?? 0;

  it('needs a token, like every endpoint but /health', async () => {
    await h.http.get('/metrics').expect(401);
    await h.http.get('/metrics').set('Authorization', 'Bearer not-a-token').expect(401);
  });

  it('shows the open incident, its overdue task, escalations, notices and Updates, and lets them go when it closes', async () => {
    const before = await scrape();
    expect(before.value('yingji_incidents_open', { level: 'III', mode: 'live' })).toBeUndefined();
    expect(before.text).toContain('# TYPE yingji_incidents_open gauge');

    const commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    const dba = await h.as('liu-yang', ['responder'], ['dba']);
    const finance = await h.as('wu-gang', ['responder'], ['finance']);
    const id = (await commander.post('/incidents', { planId: 'escalation-drill' }).expect(201)).body.incident.id;
    const quick = await openTask(finance, id);
    await finance.post(`/tasks/${quick.id}/complete`, {}).expect(200);
    const slow = await openTask(dba, id);
    // The dba task's deadline is 2 s: it goes overdue and escalates twice (owner's lead, then the commander 3 s later).
    await eventually('two escalations', async () => {
      const d = (await commander.get(`/incidents/${id}`).expect(200)).body;
      return d.timeline.filter((x: { kind: string }) => x.kind === 'task.escalated').length >= 2 ? true : undefined;
    });
    // Each notice the plan sent reached the webhook; /metrics counts them once they are recorded delivered.
    const during = await eventually('every webhook notice recorded delivered', async () => {
      const s = await scrape();
      const hooks = received().filter((r) => String(r.reason).startsWith('escalation:')).length;
      return hooks === 2 && s.value('yingji_notifications', { channel: 'webhook', status: 'delivered' }) === received().length ? s : undefined;
    });
    expect(during.value('yingji_incidents_open', { level: 'III', mode: 'live' })).toBe(1);
    expect(during.value('yingji_tasks_open', { team: 'dba', mode: 'live' })).toBe(1);
    expect(during.value('yingji_tasks_overdue', { team: 'dba', mode: 'live' })).toBe(1);
    expect(during.value('yingji_tasks_open', { team: 'finance', mode: 'live' })).toBeUndefined(); // done
    expect(during.value('yingji_escalations_total', { mode: 'live' })).toBe(2);
    expect(during.value('yingji_notifications', { channel: 'webhook', status: 'pending' })).toBeUndefined();
    expect(updates(during, 'completeTask', 'ok')).toBe(updates(before, 'completeTask', 'ok') + 1);

    // A refused Update (deciding a task that is no decision) is timed as refused; then the task is acknowledged and done.
    await dba.post(`/tasks/${slow.id}/decide`, { option: 'restore' }).expect(400);
    await dba.post(`/tasks/${slow.id}/acknowledge`, {}).expect(200);
    await dba.post(`/tasks/${slow.id}/complete`, { outcome: 'late but done' }).expect(200);
    await reviewAndClose(commander, id);

    const after = await scrape();
    expect(after.value('yingji_incidents_open', { level: 'III', mode: 'live' })).toBeUndefined();
    expect(after.value('yingji_tasks_open', { team: 'dba', mode: 'live' })).toBeUndefined();
    expect(after.value('yingji_tasks_overdue', { team: 'dba', mode: 'live' })).toBeUndefined();
    expect(after.value('yingji_escalations_total', { mode: 'live' })).toBe(2); // a counter: closing takes nothing back
    // quick, slow and the review were completed through Updates; one decide was refused, one acknowledge went through.
    expect(updates(after, 'completeTask', 'ok')).toBe(updates(before, 'completeTask', 'ok') + 3);
    expect(updates(after, 'decide', 'refused')).toBe(updates(before, 'decide', 'refused') + 1);
    expect(updates(after, 'acknowledgeTask', 'ok')).toBe(updates(before, 'acknowledgeTask', 'ok') + 1);
    // Every Update falls in the +Inf bucket, and took some time.
    expect(after.value('yingji_update_duration_seconds_bucket', { update: 'completeTask', outcome: 'ok', le: '+Inf' })).toBe(updates(after, 'completeTask', 'ok'));
    expect(after.value('yingji_update_duration_seconds_sum', { update: 'completeTask', outcome: 'ok' })).toBeGreaterThan(0);
  }, 90_000);

  it('counts alerts received and deduplicated, per source', async () => {
    const intake = await h.as('alertmanager-prod', ['intake']);
    // An intake token posts alerts and does nothing else, /metrics included.
    await intake.get('/metrics').expect(403);
    const before = await scrape();
    // The same Alertmanager group three times (one occurrence; no plan takes it, so it is kept unmatched, no incident).
    const group = {
      version: '4', groupKey: '{}:{alertname="YingjiMetricsTest"}', truncatedAlerts: 0, status: 'firing', receiver: 'yingji',
      groupLabels: { alertname: 'YingjiMetricsTest' }, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager:9093',
      alerts: [{
        status: 'firing', labels: { alertname: 'YingjiMetricsTest', instance: 'db-1' }, annotations: { summary: 'metrics test' },
        startsAt: '2026-12-01T08:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090/graph', fingerprint: 'fp-metrics-test',
      }],
    };
    for (let i = 0; i < 3; i++) await intake.post('/alerts/alertmanager', group).expect(200);
    // An Events v2 trigger, the same key again, then its resolve.
    const event = { routing_key: 'metrics', dedup_key: 'metrics-test-key', payload: { summary: 'metrics test', source: 'sync-worker-7', severity: 'warning' } };
    await intake.post('/alerts/events', { ...event, event_action: 'trigger' }).expect(202);
    await intake.post('/alerts/events', { ...event, event_action: 'trigger' }).expect(202);
    await intake.post('/alerts/events', { routing_key: 'metrics', dedup_key: 'metrics-test-key', event_action: 'resolve' }).expect(202);

    const after = await scrape();
    const delta = (name: string, source: string) => (after.value(name, { source }) ?? 0) - (before.value(name, { source }) ?? 0);
    expect(delta('yingji_alerts_received_total', 'alertmanager')).toBe(3);
    expect(delta('yingji_alerts_deduplicated_total', 'alertmanager')).toBe(2);
    expect(delta('yingji_alerts_received_total', 'events')).toBe(3);
    expect(delta('yingji_alerts_deduplicated_total', 'events')).toBe(2);
    expect(after.value('yingji_incidents_open', { level: 'III', mode: 'live' })).toBeUndefined();
  });

  it("gives the newest backup's point in time and age, and no sample before the first", async () => {
    const none = await scrape();
    expect(none.value('yingji_backup_last_timestamp_seconds')).toBeUndefined();
    expect(none.value('yingji_backup_last_age_seconds')).toBeUndefined();
    expect(none.text).toContain('# TYPE yingji_backup_last_age_seconds gauge');

    await prepareInvoiceDatabase(urlOf(invoices));
    await generateInvoices(urlOf(invoices), { count: 50, seed: 14 });
    const backup = await takeBackup({ invoiceUrl: urlOf(invoices), catalog: h.db, store: backupStore(h.config), keyring: backupKeyring(h.config) }, { kind: 'full', by: 'test' });
    const s = await scrape();
    expect(s.value('yingji_backup_last_timestamp_seconds')).toBeCloseTo(backup.pointInTime.getTime() / 1000, 2);
    expect(s.value('yingji_backup_last_age_seconds')).toBeGreaterThanOrEqual(0);
    // The recovery-test gauges are still there: none has run in this database.
    expect(s.value('yingji_recovery_test_last_success_timestamp_seconds')).toBe(0);
    expect(s.value('yingji_recovery_tests_failed_total')).toBe(0);
    expect(s.value('yingji_recovery_test_last_run_ok')).toBeUndefined();
  });

  it("parses with Prometheus's own promtool, and every yingji_ name passes its lint", async () => {
    const { text } = await scrape();
    for (const name of ['yingji_alerts_received_total', 'yingji_alerts_deduplicated_total', 'yingji_deliveries', 'yingji_update_duration_seconds']) {
      expect(text).toContain(`# HELP ${name} `);
    }
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m); // prom-client's process metrics
    const res = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(res.error).toBeUndefined(); // promtool comes with Debian's prometheus (scripts/ensure-monitoring.sh)
    const problems = `${res.stdout}${res.stderr}`.split('\n').filter(Boolean);
    // A parse error would be reported on its own; prom-client's nodejs_active_*_total gauges draw a lint we cannot change.
    expect(problems.filter((p) => !/^nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/.test(p))).toEqual([]);
  });
});
