// Prometheus, Alertmanager, node_exporter and postgres_exporter (Debian's packages, installed by
// scripts/ensure-monitoring.sh) as child processes on loopback, with configs generated under a data
// folder from the shipped ones in monitoring/: `yingji up --monitoring` and the monitoring tests
// run the same files, only the addresses and (in tests) the intervals differ.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import YAML from 'yaml';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { issueToken, listTokens, verifyToken } from '../../apps/api/src/auth/token-store';
import { PROJECT_ROOT, YingjiConfig } from '../../apps/shared/config';
import { portFrom } from '../../apps/shared/listen';
import { createDataSource } from '../../migrations/data-source';
import { waitFor } from './ports';
import { stopChild } from './postgres';

/** The shipped configs: rules/*.yml, alertmanager.yml, prometheus.yml, postgres-exporter-queries.yml. */
export const MONITORING_DIR = path.join(PROJECT_ROOT, 'monitoring');

export interface MonitoringBinaries {
  prometheus: string;
  promtool: string;
  alertmanager: string;
  amtool: string;
  nodeExporter: string;
  postgresExporter: string;
}

// Debian names Alertmanager `prometheus-alertmanager` and the exporters `prometheus-*-exporter`;
// upstream tarballs use the short names. Same lists as scripts/ensure-monitoring.sh.
const TOOLS: Record<keyof MonitoringBinaries, { pkg: string; names: string[] }> = {
  prometheus: { pkg: 'prometheus', names: ['prometheus'] },
  promtool: { pkg: 'prometheus', names: ['promtool'] },
  alertmanager: { pkg: 'prometheus-alertmanager', names: ['prometheus-alertmanager', 'alertmanager'] },
  amtool: { pkg: 'prometheus-alertmanager', names: ['amtool'] },
  nodeExporter: { pkg: 'prometheus-node-exporter', names: ['prometheus-node-exporter', 'node_exporter'] },
  postgresExporter: { pkg: 'prometheus-postgres-exporter', names: ['prometheus-postgres-exporter', 'postgres_exporter'] },
};

function which(name: string): string | undefined {
  for (const dir of ['/usr/bin', '/usr/sbin', ...(process.env.PATH ?? '').split(path.delimiter)]) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Where each tool is, or an error naming the missing ones and how to install them. */
export function monitoringBinaries(): MonitoringBinaries {
  const found: Partial<MonitoringBinaries> = {};
  const missing: string[] = [];
  for (const [key, tool] of Object.entries(TOOLS) as Array<[keyof MonitoringBinaries, (typeof TOOLS)[keyof MonitoringBinaries]]>) {
    const file = tool.names.map(which).find(Boolean);
    if (file) found[key] = file;
    else missing.push(`${tool.names[0]} (Debian package ${tool.pkg})`);
  }
  if (missing.length) {
    throw new Error(`monitoring tools missing: ${missing.join(', ')}. Install them: scripts/ensure-monitoring.sh as root (apt-get), or apt-get install prometheus prometheus-alertmanager prometheus-node-exporter prometheus-postgres-exporter`);
  }
  return found as MonitoringBinaries;
}

/** Runs promtool or amtool; the output on failure. */
export function runTool(bin: string, args: string[]): { ok: boolean; output: string } {
  const res = spawnSync(bin, args, { encoding: 'utf8' });
  return { ok: res.status === 0, output: `${res.stdout ?? ''}${res.stderr ?? ''}${res.error ? String(res.error) : ''}` };
}

const readYaml = (file: string) => YAML.parse(fs.readFileSync(path.join(MONITORING_DIR, file), 'utf8'));
const writeYaml = (file: string, doc: unknown) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `# generated from ${MONITORING_DIR} by scripts/stack/monitoring.ts\n${YAML.stringify(doc)}`);
};

export interface AlertmanagerSettings {
  /** Yingji's intake, e.g. http://127.0.0.1:3000/alerts/alertmanager. */
  webhookUrl: string;
  /** A file holding an `intake` token (sent as `Authorization: Bearer`). */
  tokenFile: string;
  /** Shorter than the shipped 30s / 5m / 4h in tests. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

/** monitoring/alertmanager.yml with Yingji's address, the token file and optional timings. */
export function writeAlertmanagerConfig(file: string, s: AlertmanagerSettings): void {
  const doc = readYaml('alertmanager.yml');
  if (s.groupWait) doc.route.group_wait = s.groupWait;
  if (s.groupInterval) doc.route.group_interval = s.groupInterval;
  if (s.repeatInterval) doc.route.repeat_interval = s.repeatInterval;
  const hook = doc.receivers.find((r: { name: string }) => r.name === 'yingji').webhook_configs[0];
  hook.url = s.webhookUrl;
  hook.http_config.authorization.credentials_file = s.tokenFile;
  writeYaml(file, doc);
}

/**
 * The shipped rules, into `dir`. `ruleFor` replaces every rule's `for:` (tests: an alert fires
 * within seconds instead of a minute; the expressions and labels stay the shipped ones).
 */
export function writeRules(dir: string, opts: { ruleFor?: string } = {}): string[] {
  const src = path.join(MONITORING_DIR, 'rules');
  fs.mkdirSync(dir, { recursive: true });
  return fs.readdirSync(src).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => {
    const doc = YAML.parse(fs.readFileSync(path.join(src, f), 'utf8'));
    if (opts.ruleFor) for (const g of doc.groups) for (const r of g.rules) if (r.alert) r.for = opts.ruleFor;
    const out = path.join(dir, f);
    writeYaml(out, doc);
    return out;
  });
}

export interface PrometheusSettings {
  ruleFiles: string[];
  /** host:port of Alertmanager. */
  alertmanager: string;
  /** host:port per job of monitoring/prometheus.yml; a job without a target is left out. */
  targets: { node?: string; postgres?: string; 'einvoice-app'?: string; yingji?: string };
  /** A token file for Yingji's /metrics (any role). */
  yingjiTokenFile?: string;
  scrapeInterval?: string;
  evaluationInterval?: string;
}

/** monitoring/prometheus.yml with these targets, rules and optional intervals. */
export function writePrometheusConfig(file: string, s: PrometheusSettings): void {
  const doc = readYaml('prometheus.yml');
  if (s.scrapeInterval) doc.global.scrape_interval = s.scrapeInterval;
  if (s.evaluationInterval) doc.global.evaluation_interval = s.evaluationInterval;
  doc.rule_files = s.ruleFiles;
  doc.alerting.alertmanagers[0].static_configs[0].targets = [s.alertmanager];
  doc.scrape_configs = doc.scrape_configs
    .filter((job: { job_name: keyof PrometheusSettings['targets'] }) => s.targets[job.job_name])
    .map((job: { job_name: keyof PrometheusSettings['targets']; static_configs: Array<{ targets: string[] }>; authorization?: { credentials_file: string } }) => {
      job.static_configs[0].targets = [s.targets[job.job_name]!];
      if (job.authorization) job.authorization.credentials_file = s.yingjiTokenFile!;
      return job;
    });
  writeYaml(file, doc);
}

export interface MonitoringProcess {
  /** Also its log file's name in `yingji up`'s logs folder. */
  name: string;
  process: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

async function startProcess(opts: { name: string; bin: string; args: string[]; port: number; ready: string; logFile: string; env?: NodeJS.ProcessEnv }): Promise<MonitoringProcess> {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, 'a');
  const child = spawn(opts.bin, opts.args, { stdio: ['ignore', log, log], env: { ...process.env, ...opts.env } });
  fs.closeSync(log);
  const url = `http://127.0.0.1:${opts.port}`;
  const proc: MonitoringProcess = { name: opts.name, process: child, url, stop: () => stopChild(child, 'SIGTERM', 10_000) };
  try {
    await waitFor(`${opts.name} on ${url} (log: ${opts.logFile})`, () => fetch(`${url}${opts.ready}`).then((r) => r.ok, () => false), 60_000, child);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return proc;
}

/** Alertmanager on loopback, clustering off (one instance), its silences and log under `dir`. */
export function startAlertmanager(o: { bin: string; configFile: string; port: number; dir: string; logFile: string }): Promise<MonitoringProcess> {
  fs.mkdirSync(o.dir, { recursive: true });
  return startProcess({
    name: 'alertmanager',
    bin: o.bin,
    args: [`--config.file=${o.configFile}`, `--storage.path=${o.dir}`, `--web.listen-address=127.0.0.1:${o.port}`, '--cluster.listen-address='],
    port: o.port,
    ready: '/-/ready',
    logFile: o.logFile,
  });
}

/** Prometheus on loopback, its time series under `dir`. */
export function startPrometheus(o: { bin: string; configFile: string; port: number; dir: string; logFile: string }): Promise<MonitoringProcess> {
  fs.mkdirSync(o.dir, { recursive: true });
  return startProcess({
    name: 'prometheus',
    bin: o.bin,
    args: [`--config.file=${o.configFile}`, `--storage.tsdb.path=${o.dir}`, `--web.listen-address=127.0.0.1:${o.port}`],
    port: o.port,
    ready: '/-/ready',
    logFile: o.logFile,
  });
}

export function startNodeExporter(o: { bin: string; port: number; logFile: string }): Promise<MonitoringProcess> {
  return startProcess({ name: 'node-exporter', bin: o.bin, args: [`--web.listen-address=127.0.0.1:${o.port}`], port: o.port, ready: '/metrics', logFile: o.logFile });
}

/** postgres_exporter watching `databaseUrl` (pg_up is 0 while it cannot connect), with the shipped extra queries. */
export function startPostgresExporter(o: { bin: string; port: number; databaseUrl: string; logFile: string }): Promise<MonitoringProcess> {
  return startProcess({
    name: 'postgres-exporter',
    bin: o.bin,
    args: [`--web.listen-address=127.0.0.1:${o.port}`, `--extend.query-path=${path.join(MONITORING_DIR, 'postgres-exporter-queries.yml')}`],
    port: o.port,
    ready: '/metrics',
    logFile: o.logFile,
    env: { DATA_SOURCE_NAME: exporterDataSource(o.databaseUrl) },
  });
}

/** The exporter's Go driver asks for TLS unless told otherwise; a loopback server without TLS needs sslmode=disable. */
export function exporterDataSource(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  // Ours for node-postgres (config.ts pgUrlFrom); the exporter's Go driver would pass it to the server.
  u.searchParams.delete('uselibpqcompat');
  if (!u.searchParams.has('sslmode') && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) u.searchParams.set('sslmode', 'disable');
  return u.toString();
}

export interface MonitoringPorts {
  prometheus: number;
  alertmanager: number;
  nodeExporter: number;
  postgresExporter: number;
}

/** Loopback ports of `yingji up --monitoring`: Debian's defaults plus 10000, so the packages' own services may run too. */
export function monitoringPorts(env: NodeJS.ProcessEnv = process.env): MonitoringPorts {
  return {
    prometheus: portFrom(env, 'YINGJI_PROMETHEUS_PORT', 19090),
    alertmanager: portFrom(env, 'YINGJI_ALERTMANAGER_PORT', 19093),
    nodeExporter: portFrom(env, 'YINGJI_NODE_EXPORTER_PORT', 19100),
    postgresExporter: portFrom(env, 'YINGJI_POSTGRES_EXPORTER_PORT', 19187),
  };
}

/**
 * A token file for a monitoring peer (mode 0600): the one already there while it is valid for 30
 * more days, else a new token of `roles` for `person` (a year).
 */
export async function ensureTokenFile(ds: DataSource, file: string, person: string, roles: string[]): Promise<string> {
  try {
    const caller = await verifyToken(ds, fs.readFileSync(file, 'utf8').trim());
    const info = (await listTokens(ds)).find((t) => t.id === caller.tokenId);
    if (caller.person === person && info && info.expiresAt.getTime() > Date.now() + 30 * 86_400_000) return file;
  } catch {
    // missing, unreadable, revoked or expired: issue a new one
  }
  const { token } = await issueToken(ds, { person, teams: [], roles, expiresIn: '365d', createdBy: 'yingji up --monitoring' });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return file;
}

export interface MonitoringStack {
  prometheus: string;
  alertmanager: string;
  nodeExporter: string;
  postgresExporter: string;
  /** Generated configs and the tools' state. */
  dir: string;
  processes: MonitoringProcess[];
  stop(): Promise<void>;
}

/**
 * `yingji up --monitoring`, after the API serves: node_exporter, postgres_exporter on the invoice
 * database, Alertmanager sending to the API's intake with an `intake` token, and Prometheus scraping
 * all three and Yingji's /metrics (an `auditor` token), with the shipped rules and intervals; configs,
 * tokens (mode 0600) and state under <data>/monitoring, logs beside the stack's. Stops what it
 * started if a later one fails.
 */
export async function startMonitoringStack(config: YingjiConfig, o: { apiUrl: string; logsDir: string; ports?: MonitoringPorts }): Promise<MonitoringStack> {
  const bin = monitoringBinaries();
  const ports = o.ports ?? monitoringPorts();
  const dir = path.join(config.dataDir, 'monitoring');
  // The embedded invoice database is created (and migrated) when missing, so that pg_up says whether
  // the server answers rather than launching einvoice-db-crash for a database nobody made yet.
  if (!config.databaseExternal && !process.env.INVOICE_DATABASE_URL) await prepareInvoiceDatabase(config.invoiceDatabaseUrl);
  const tokens = { alertmanager: path.join(dir, 'alertmanager-token'), prometheus: path.join(dir, 'prometheus-token') };
  const ds = createDataSource(config.databaseUrl);
  await ds.initialize();
  try {
    await ensureTokenFile(ds, tokens.alertmanager, 'alertmanager', ['intake']);
    await ensureTokenFile(ds, tokens.prometheus, 'prometheus', ['auditor']);
  } finally {
    await ds.destroy();
  }
  const loopback = (port: number) => `127.0.0.1:${port}`;
  writeAlertmanagerConfig(path.join(dir, 'alertmanager.yml'), { webhookUrl: `${o.apiUrl}/alerts/alertmanager`, tokenFile: tokens.alertmanager });
  writePrometheusConfig(path.join(dir, 'prometheus.yml'), {
    ruleFiles: writeRules(path.join(dir, 'rules')),
    alertmanager: loopback(ports.alertmanager),
    targets: { node: loopback(ports.nodeExporter), postgres: loopback(ports.postgresExporter), yingji: new URL(o.apiUrl).host },
    yingjiTokenFile: tokens.prometheus,
  });
  const log = (name: string) => path.join(o.logsDir, `${name}.log`);
  const started: MonitoringProcess[] = [];
  const stop = async () => {
    for (const p of [...started].reverse()) await p.stop();
  };
  try {
    started.push(await startNodeExporter({ bin: bin.nodeExporter, port: ports.nodeExporter, logFile: log('node-exporter') }));
    started.push(await startPostgresExporter({ bin: bin.postgresExporter, port: ports.postgresExporter, databaseUrl: config.invoiceDatabaseUrl, logFile: log('postgres-exporter') }));
    started.push(await startAlertmanager({ bin: bin.alertmanager, configFile: path.join(dir, 'alertmanager.yml'), port: ports.alertmanager, dir: path.join(dir, 'alertmanager-data'), logFile: log('alertmanager') }));
    started.push(await startPrometheus({ bin: bin.prometheus, configFile: path.join(dir, 'prometheus.yml'), port: ports.prometheus, dir: path.join(dir, 'prometheus-data'), logFile: log('prometheus') }));
  } catch (err) {
    await stop();
    throw err;
  }
  const [nodeExporter, postgresExporter, alertmanager, prometheus] = started.map((p) => p.url);
  return { prometheus, alertmanager, nodeExporter, postgresExporter, dir, processes: started, stop };
}
