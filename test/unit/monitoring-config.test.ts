// The shipped monitoring configs (monitoring/) pass Prometheus's and Alertmanager's own checks, their
// rules fire as their promtool tests say, and the copies `yingji up --monitoring` generates
// (scripts/stack/monitoring.ts) pass them too. Needs Debian's packages (scripts/ensure-monitoring.sh):
// without them these tests fail saying what to install.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { MONITORING_DIR, monitoringBinaries, runTool, writeAlertmanagerConfig, writePrometheusConfig, writeRules } from '../../scripts/stack/monitoring';

const shipped = (...p: string[]) => path.join(MONITORING_DIR, ...p);
const ruleFiles = () => fs.readdirSync(shipped('rules')).filter((f) => f.endsWith('.yml')).map((f) => shipped('rules', f));

describe('monitoring configs', () => {
  const bin = monitoringBinaries();
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-monitoring-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const expectOk = (res: { ok: boolean; output: string }) => {
    if (!res.ok) throw new Error(res.output);
  };

  it('the rules pass `promtool check rules`, and a broken rule does not', () => {
    expectOk(runTool(bin.promtool, ['check', 'rules', ...ruleFiles()]));
    const broken = path.join(dir, 'broken.yml');
    fs.writeFileSync(broken, fs.readFileSync(ruleFiles()[0], 'utf8').replace('pg_up == 0', 'pg_up == ('));
    const res = runTool(bin.promtool, ['check', 'rules', broken]);
    expect(res.ok).toBe(false);
    expect(res.output).toMatch(/broken\.yml/);
  });

  it('every rule fires as monitoring/tests say (`promtool test rules`), InvoiceDatabaseDown critical for einvoice', () => {
    const tests = fs.readdirSync(shipped('tests')).map((f) => shipped('tests', f));
    const res = runTool(bin.promtool, ['test', 'rules', ...tests]);
    expectOk(res);
    expect(res.output).toContain('SUCCESS');
    // Each alert of the rules is exercised by a test.
    const alerts = ruleFiles().flatMap((f) => YAML.parse(fs.readFileSync(f, 'utf8')).groups.flatMap((g: { rules: Array<{ alert?: string }> }) => g.rules.map((r) => r.alert)));
    const tested = tests.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    expect(alerts.filter((a) => !tested.includes(`alertname: ${a}`))).toEqual([]);
    expect(alerts).toEqual(expect.arrayContaining(['InvoiceDatabaseDown', 'InvoiceDatabaseConnectionsHigh', 'InvoiceDatabaseReplicationLag', 'InvoiceLoginFailureBurst']));
  });

  it('alertmanager.yml passes `amtool check-config`; prometheus.yml passes `promtool check config --syntax-only`', () => {
    expectOk(runTool(bin.amtool, ['check-config', shipped('alertmanager.yml')]));
    expectOk(runTool(bin.promtool, ['check', 'config', '--syntax-only', shipped('prometheus.yml')]));
  });

  it('the generated configs pass the full checks and send alerts, resolves too, to the intake with the token file', () => {
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, 'yj_0000000000000000.x\n', { mode: 0o600 });
    writeAlertmanagerConfig(path.join(dir, 'alertmanager.yml'), { webhookUrl: 'http://127.0.0.1:3000/alerts/alertmanager', tokenFile, groupWait: '1s', groupInterval: '1s' });
    const rules = writeRules(path.join(dir, 'rules'), { ruleFor: '2s' });
    writePrometheusConfig(path.join(dir, 'prometheus.yml'), {
      ruleFiles: rules,
      alertmanager: '127.0.0.1:19093',
      targets: { node: '127.0.0.1:19100', postgres: '127.0.0.1:19187', yingji: '127.0.0.1:3000' },
      yingjiTokenFile: tokenFile,
      scrapeInterval: '1s',
      evaluationInterval: '1s',
    });
    expectOk(runTool(bin.amtool, ['check-config', path.join(dir, 'alertmanager.yml')]));
    // Full check: the rule files it names and the token file must exist and parse.
    expectOk(runTool(bin.promtool, ['check', 'config', path.join(dir, 'prometheus.yml')]));

    const am = YAML.parse(fs.readFileSync(path.join(dir, 'alertmanager.yml'), 'utf8'));
    expect(am.route).toMatchObject({ receiver: 'yingji', group_wait: '1s', group_interval: '1s', repeat_interval: '4h' });
    expect(am.receivers[0].webhook_configs[0]).toEqual({
      url: 'http://127.0.0.1:3000/alerts/alertmanager',
      send_resolved: true,
      max_alerts: 0,
      http_config: { authorization: { type: 'Bearer', credentials_file: tokenFile } },
    });
    const prom = YAML.parse(fs.readFileSync(path.join(dir, 'prometheus.yml'), 'utf8'));
    expect(prom.scrape_configs.map((j: { job_name: string }) => j.job_name)).toEqual(['node', 'postgres', 'yingji']);
    const down = YAML.parse(fs.readFileSync(rules[0], 'utf8')).groups.flatMap((g: { rules: object[] }) => g.rules).find((r: { alert?: string }) => r.alert === 'InvoiceDatabaseDown');
    expect(down).toMatchObject({ expr: 'pg_up == 0', for: '2s', labels: { severity: 'critical', system: 'einvoice' } });
  });
});
