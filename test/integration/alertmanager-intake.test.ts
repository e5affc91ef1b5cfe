import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../../scripts/stack/ports';
import { MonitoringProcess, monitoringBinaries, startAlertmanager, writeAlertmanagerConfig } from '../../scripts/stack/monitoring';
import { As, eventually, Harness, startHarness } from './support/harness';
import { testStackEnv } from './support/test-stack';

// The real Alertmanager (Debian's prometheus-alertmanager) with the shipped route
// (monitoring/alertmanager.yml), pointed at the API's intake with an `intake` token read from a file;
// only its group timings are shortened. An alert posted to Alertmanager's own API starts the plan
// whose trigger matches, at the level its facts give, and its resolve reaches the incident's timeline.
describe('Alertmanager to Yingji', () => {
  const bin = monitoringBinaries(); // fails the file, naming what to install, when the binaries are missing
  let h: Harness;
  let commander: As;
  let am: MonitoringProcess;
  let dir: string;

  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('einvoice-db-crash.yaml');
    commander = await h.as('li-na', ['commander'], ['it-ops']);
    const intake = await h.as('alertmanager', ['intake']);
    dir = path.join(testStackEnv().runDir, `alertmanager-${process.pid}`);
    fs.mkdirSync(dir, { recursive: true });
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, intake.token, { mode: 0o600 });
    const configFile = path.join(dir, 'alertmanager.yml');
    writeAlertmanagerConfig(configFile, { webhookUrl: `${h.baseUrl}/alerts/alertmanager`, tokenFile, groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' });
    am = await startAlertmanager({ bin: bin.alertmanager, configFile, port: await freePort(), dir: path.join(dir, 'data'), logFile: path.join(dir, 'alertmanager.log') });
  });
  afterAll(async () => {
    await am?.stop();
    await h?.close();
  });

  /** What Prometheus would send: Alertmanager's API v2. */
  const postAlert = async (alert: object) => {
    const res = await fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([alert]) });
    expect(res.status).toBe(200);
  };

  it('an InvoiceDatabaseDown alert starts einvoice-db-crash at the level of its facts; its resolve reaches the timeline', async () => {
    const startsAt = new Date().toISOString();
    const alert = {
      labels: { alertname: 'InvoiceDatabaseDown', severity: 'critical', system: 'einvoice', component: 'database', instance: 'invoice-db:9187', job: 'postgres' },
      // The plan's trigger reads invoicesAffected from this annotation: 150,000 is level I.
      annotations: { summary: '开票数据库不可用 The invoice database does not answer', invoices_affected: '150000' },
      startsAt,
      generatorURL: 'http://prometheus.invoice.internal/graph?g0.expr=pg_up+%3D%3D+0',
    };
    await postAlert(alert);

    type Incident = { id: string; planId: string; level: string | null; launchedBy: string };
    const incident = await eventually('the einvoice-db-crash incident', async () => {
      const rows: Incident[] = (await commander.get('/incidents?planId=einvoice-db-crash').expect(200)).body;
      return rows.find((i) => i.level) ?? undefined;
    });
    const timeline = async () => (await commander.get(`/incidents/${incident.id}`).expect(200)).body.timeline as Array<{ kind: string; message: string; data?: Record<string, unknown> }>;
    expect(incident).toMatchObject({ planId: 'einvoice-db-crash', level: 'I', launchedBy: 'alertmanager' });
    const firing = await eventually('the alert on the timeline', async () => (await timeline()).find((e) => e.kind === 'alert.firing'));
    expect(firing.message).toContain('The invoice database does not answer');
    expect(firing.data).toMatchObject({ labels: expect.objectContaining({ alertname: 'InvoiceDatabaseDown', instance: 'invoice-db:9187' }) });

    // Resolved: the same alert with an end in the past. Alertmanager sends it (send_resolved) at the next group interval.
    await postAlert({ ...alert, endsAt: new Date(Date.now() - 1000).toISOString() });
    const resolved = await eventually('the resolve on the timeline', async () => (await timeline()).find((e) => e.kind === 'alert.resolved'));
    expect(resolved.message).toContain('The invoice database does not answer');
    // The same alert (Alertmanager's fingerprint of its labels) that fired.
    expect(resolved.data?.fingerprint).toBe(firing.data?.fingerprint);
    // One incident for the alert's whole life.
    expect((await commander.get('/incidents?planId=einvoice-db-crash').expect(200)).body).toHaveLength(1);
  });
});
