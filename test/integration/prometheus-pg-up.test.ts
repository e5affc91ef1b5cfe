import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureDatabase, PostgresServer, startPostgres } from '../../scripts/stack/postgres';
import { freePort } from '../../scripts/stack/ports';
import {
  MonitoringProcess,
  monitoringBinaries,
  startAlertmanager,
  startPostgresExporter,
  startPrometheus,
  writeAlertmanagerConfig,
  writePrometheusConfig,
  writeRules,
} from '../../scripts/stack/monitoring';
import { As, eventually, Harness, startHarness } from './support/harness';
import { testStackEnv } from './support/test-stack';

// The whole monitoring chain with Debian's real binaries and the shipped configs: postgres_exporter
// watches an invoice database on a PostgreSQL of its own; Prometheus scrapes it every 2 seconds and
// evaluates monitoring/rules/ every second, each rule's `for:` shortened to 2s (writeRules' ruleFor;
// expressions and labels unchanged); Alertmanager (group wait and interval 1s) posts to the API's
// intake. Stopping the database fires InvoiceDatabaseDown (pg_up == 0) and Yingji launches
// einvoice-db-crash by itself; starting it again resolves the alert on the incident's timeline.
describe('pg_up == 0 launches einvoice-db-crash', () => {
  const bin = monitoringBinaries(); // fails the file, naming what to install, when the binaries are missing
  let h: Harness;
  let commander: As;
  let dir: string;
  let db: PostgresServer;
  let dbPort: number;
  const tools: MonitoringProcess[] = [];
  let prometheus: MonitoringProcess;

  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('einvoice-db-crash.yaml');
    commander = await h.as('li-na', ['commander'], ['it-ops']);
    const intake = await h.as('alertmanager', ['intake']);
    dir = path.join(testStackEnv().runDir, `pg-up-${process.pid}`);
    fs.mkdirSync(dir, { recursive: true });

    dbPort = await freePort();
    db = await startPostgres({ dataDir: path.join(dir, 'pg'), port: dbPort, logFile: path.join(dir, 'postgres.log'), fast: true });
    await ensureDatabase(db.url('postgres'), 'yingji_invoices');

    const tokenFile = path.join(dir, 'alertmanager-token');
    fs.writeFileSync(tokenFile, intake.token, { mode: 0o600 });
    writeAlertmanagerConfig(path.join(dir, 'alertmanager.yml'), { webhookUrl: `${h.baseUrl}/alerts/alertmanager`, tokenFile, groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' });
    const ports = { exporter: await freePort(), alertmanager: await freePort(), prometheus: await freePort() };
    writePrometheusConfig(path.join(dir, 'prometheus.yml'), {
      ruleFiles: writeRules(path.join(dir, 'rules'), { ruleFor: '2s' }),
      alertmanager: `127.0.0.1:${ports.alertmanager}`,
      targets: { postgres: `127.0.0.1:${ports.exporter}` },
      // 2s, not 1s: with its database down the exporter answers after about a second (its connect
      // retry), and a scrape longer than the interval is dropped (up == 0, no pg_up sample at all).
      scrapeInterval: '2s',
      evaluationInterval: '1s',
    });
    const log = (name: string) => path.join(dir, `${name}.log`);
    tools.push(await startPostgresExporter({ bin: bin.postgresExporter, port: ports.exporter, databaseUrl: db.url('yingji_invoices'), logFile: log('postgres-exporter') }));
    tools.push(await startAlertmanager({ bin: bin.alertmanager, configFile: path.join(dir, 'alertmanager.yml'), port: ports.alertmanager, dir: path.join(dir, 'alertmanager-data'), logFile: log('alertmanager') }));
    prometheus = await startPrometheus({ bin: bin.prometheus, configFile: path.join(dir, 'prometheus.yml'), port: ports.prometheus, dir: path.join(dir, 'prometheus-data'), logFile: log('prometheus') });
    tools.push(prometheus);
  });
  afterAll(async () => {
    for (const t of tools.reverse()) await t.stop();
    await db?.stop();
    await h?.close();
  });

  /** pg_up as Prometheus last scraped it, once it has a sample. */
  const pgUp = async (): Promise<number | undefined> => {
    const res = (await fetch(`${prometheus.url}/api/v1/query?query=pg_up`).then((r) => r.json())) as { data?: { result?: Array<{ value: [number, string] }> } };
    const v = res.data?.result?.[0]?.value?.[1];
    return v === undefined ? undefined : Number(v);
  };
  const incidents = async () => (await commander.get('/incidents?planId=einvoice-db-crash').expect(200)).body as Array<{ id: string; level: string | null; launchedBy: string }>;

  it('stopping the invoice database fires pg_up == 0 and Yingji launches einvoice-db-crash; starting it again resolves the alert', async () => {
    // Healthy first: the database answers and nothing was launched.
    expect(await eventually('pg_up to be scraped', pgUp)).toBe(1);
    expect(await incidents()).toEqual([]);

    await db.stop();
    expect(await eventually('pg_up == 0', async () => ((await pgUp()) === 0 ? 0 : undefined))).toBe(0);
    const incident = await eventually('einvoice-db-crash to launch', async () => (await incidents()).find((i) => i.level), 60_000);
    // No one launched it by hand: the intake did, on Alertmanager's token; the trigger's default facts give level II.
    expect(incident).toMatchObject({ launchedBy: 'alertmanager', level: 'II' });
    type Entry = { kind: string; message: string; data?: { labels?: Record<string, string>; fingerprint?: string } };
    const timeline = async () => (await commander.get(`/incidents/${incident.id}`).expect(200)).body.timeline as Entry[];
    const firing = await eventually('the alert on the timeline', async () => (await timeline()).find((e) => e.kind === 'alert.firing'));
    expect(firing.data?.labels).toMatchObject({ alertname: 'InvoiceDatabaseDown', severity: 'critical', system: 'einvoice', job: 'postgres' });

    db = await startPostgres({ dataDir: path.join(dir, 'pg'), port: dbPort, logFile: path.join(dir, 'postgres.log'), fast: true });
    const resolved = await eventually('the resolve on the timeline', async () => (await timeline()).find((e) => e.kind === 'alert.resolved'), 60_000);
    expect(resolved.data?.fingerprint).toBe(firing.data?.fingerprint);
    expect(await incidents()).toHaveLength(1);
  });
});
