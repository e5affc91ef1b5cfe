import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { PROJECT_ROOT, redactUrl, YingjiConfig } from '../../shared/config';
import { ensureStandingSchedule, everyOf, STANDING_SCHEDULES } from '../../shared/schedules';
import { ensureLocalSigningKey } from '../../../activities/records/audit-digest';
import { temporalTls } from '../../shared/temporal-connection';
import { createDataSource, runMigrations } from '../../../migrations/data-source';
import { publishPlanText } from '../../api/src/plans/publish';
import { DEFAULT_SMS_APP_ID, DEFAULT_SMS_TEMPLATE_CODE } from '../../sms-gateway/src/config';
import { DEFAULT_IM_ROBOTS_PORT, deploymentRobotEnv, imRobotsDir, OWN_ROBOT_SETTINGS, robotServerEnv, robotsForRun } from '../../im-robots/src/config';
import { portFrom } from '../../shared/listen';
import { ensureDatabase, startPostgres, stopChild, PostgresServer } from '../../../scripts/stack/postgres';
import { isPortOpen, waitFor } from '../../../scripts/stack/ports';
import { ensureTemporalCli } from '../../../scripts/stack/temporal-cli';
import { startTemporalDevServer, TemporalServer } from '../../../scripts/stack/temporal-server';
import { MonitoringStack, startMonitoringStack } from '../../../scripts/stack/monitoring';
import { ApiClient } from './api-client';

export interface StackInfo {
  pid: number;
  startedAt: string;
  api: string;
  docs: string;
  /** The web console (served by the API); absent in a stack started before the console existed. */
  console?: string;
  temporal: string;
  temporalUi?: string;
  database: string;
  taxPlatform?: string;
  /** The mail sink's SMTP address and folder, when it runs (YINGJI_SMTP_URL unset). */
  mail?: { smtp: string; dir: string };
  /** The local SMS gateway's address and folder, when it runs (YINGJI_SMS_URL and YINGJI_SMS_ACCESS_KEY_ID unset). */
  sms?: { url: string; dir: string };
  /** The local IM robot server's address and folder, when it runs (no YINGJI_WECOM_URL, YINGJI_DINGTALK_URL nor YINGJI_FEISHU_URL set). */
  im?: { url: string; dir: string };
  /** Prometheus, Alertmanager and the exporters, with `up --monitoring`. */
  monitoring?: { prometheus: string; alertmanager: string; nodeExporter: string; postgresExporter: string; dir: string };
  logs: string;
}

export const stackFile = (config: YingjiConfig) => path.join(config.dataDir, 'stack.json');
const logsDir = (config: YingjiConfig) => path.join(config.dataDir, 'logs');

export function readStack(config: YingjiConfig): StackInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(stackFile(config), 'utf8')) as StackInfo;
    process.kill(info.pid, 0); // throws when the supervisor is gone
    return info;
  } catch {
    return undefined;
  }
}

/** The compiled entry of an app (apps are run from dist/, built by `npm run build`). */
type App = 'api' | 'worker' | 'tax-platform' | 'mail-sink' | 'sms-gateway' | 'im-robots';

export function appEntry(app: App): string {
  const file = path.join(PROJECT_ROOT, 'dist', 'apps', app, 'src', 'main.js');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return file;
}

function spawnApp(app: App, env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [appEntry(app)], { env, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  return child;
}

/**
 * Runs the whole stack in the foreground: Temporal dev server and PostgreSQL (unless external),
 * migrations, worker and API; publishes the shipped plans; stops every child on SIGINT/SIGTERM.
 */
export async function runStack(config: YingjiConfig, log: (line: string) => void, opts: { monitoring?: boolean } = {}): Promise<void> {
  const running = readStack(config);
  if (running) throw new Error(`the stack is already running (pid ${running.pid}); \`yingji status\` shows it, \`yingji down\` stops it`);
  fs.mkdirSync(logsDir(config), { recursive: true });

  let temporal: TemporalServer | undefined;
  let postgres: PostgresServer | undefined;
  const apps: ChildProcess[] = [];
  let monitoring: MonitoringStack | undefined;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping: api, worker, tax-platform simulator, mail sink, SMS gateway, Temporal, PostgreSQL...');
    await monitoring?.stop();
    await Promise.all(apps.map((c) => stopChild(c, 'SIGTERM', 15_000)));
    await temporal?.stop();
    await postgres?.stop();
    fs.rmSync(stackFile(config), { force: true });
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    if (!config.temporal.external) {
      const cli = ensureTemporalCli(config.toolsDir, log);
      const port = Number(config.temporal.address.split(':').pop());
      log(`starting Temporal dev server on ${config.temporal.address}...`);
      temporal = await startTemporalDevServer({
        cli,
        dbFile: path.join(config.dataDir, 'temporal', 'temporal.db'),
        port,
        uiPort: config.temporalUiPort,
        logFile: path.join(logsDir(config), 'temporal.log'),
        namespace: config.temporal.namespace,
      });
    }
    if (!config.databaseExternal) {
      log(`starting PostgreSQL on 127.0.0.1:${config.pgPort}...`);
      postgres = await startPostgres({
        dataDir: path.join(config.dataDir, 'postgres'),
        port: config.pgPort,
        logFile: path.join(logsDir(config), 'postgres.log'),
      });
      await ensureDatabase(postgres.url('postgres'), 'yingji');
    }
    const ran = await runMigrations(config.databaseUrl);
    if (ran.length) log(`migrations applied: ${ran.join(', ')}`);

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: config.databaseUrl,
      TEMPORAL_ADDRESS: config.temporal.address,
      TEMPORAL_NAMESPACE: config.temporal.namespace,
      YINGJI_API_PORT: String(config.apiPort),
      TAX_PLATFORM_URL: config.taxPlatformUrl,
      // One secret for the worker (signs acknowledgement links) and the API (checks them), kept so links
      // survive a restart; links point at the API (YINGJI_PUBLIC_URL, default its own address).
      YINGJI_ACK_SECRET: process.env.YINGJI_ACK_SECRET || persistentSecret(path.join(config.dataDir, 'ack-secret')),
      // Audit digests and exports are signed: a key made once for this machine unless one is given.
      YINGJI_AUDIT_SIGNING_KEY: process.env.YINGJI_AUDIT_SIGNING_KEY || ensureLocalSigningKey(config.dataDir),
    };
    const watch = (name: string, child: ChildProcess) =>
      child.once('exit', (code) => {
        if (!stopping) {
          log(`${name} exited unexpectedly (code ${code}); see ${logsDir(config)}/${name}.log`);
          void stopAll(1);
        }
      });
    // The tax platform's stand-in (tax-platform.md), with its state in its own database on the same server.
    if (!config.taxPlatformExternal) {
      const port = new URL(config.taxPlatformUrl).port;
      const databaseUrl = process.env.TAX_PLATFORM_DATABASE_URL || Object.assign(new URL(config.databaseUrl), { pathname: '/yingji_tax_platform' }).toString();
      const tp = spawnApp('tax-platform', { ...process.env, TAX_PLATFORM_DATABASE_URL: databaseUrl, TAX_PLATFORM_HOST: '127.0.0.1', TAX_PLATFORM_PORT: port }, path.join(logsDir(config), 'tax-platform.log'));
      watch('tax-platform', tp);
      apps.push(tp);
      await waitFor(`the tax-platform simulator on ${config.taxPlatformUrl} (log: ${logsDir(config)}/tax-platform.log)`, () => fetch(`${config.taxPlatformUrl}/health`).then((r) => r.ok, () => false), 60_000, tp);
    }
    // Email stays on this machine unless the user named a server: a real SMTP server keeping each
    // message as a .eml under the data folder (`yingji mail list`); the worker sends to it.
    let mail: StackInfo['mail'];
    if (!config.smtp) {
      const { port, dir } = config.mailSink;
      const sink = spawnApp('mail-sink', { ...process.env, YINGJI_MAIL_SINK_HOST: '127.0.0.1', YINGJI_MAIL_SINK_PORT: String(port), YINGJI_MAIL_SINK_DIR: dir }, path.join(logsDir(config), 'mail-sink.log'));
      watch('mail-sink', sink);
      apps.push(sink);
      await waitFor(`the mail sink on 127.0.0.1:${port} (log: ${logsDir(config)}/mail-sink.log)`, () => isPortOpen(port), 30_000, sink);
      mail = { smtp: `smtp://127.0.0.1:${port}`, dir };
      env.YINGJI_SMTP_URL = mail.smtp;
    }
    // Text messages likewise, unless the user named a gateway: an Aliyun-style SendSms server that
    // checks signatures with a key pair made for this run (the worker gets the same) and keeps each
    // message under the data folder (`yingji sms list`). A key id of the user's own means Aliyun
    // (the default endpoint): their messages must not silently stay on this machine.
    let sms: StackInfo['sms'];
    if (!config.smsUrl && !(process.env.YINGJI_SMS_ACCESS_KEY_ID ?? '').trim()) {
      const { port, dir } = config.smsGateway;
      const key = { id: `LTAIyingji${randomBytes(6).toString('hex')}`, secret: randomBytes(24).toString('base64url') };
      const templateCode = process.env.YINGJI_SMS_TEMPLATE_CODE || DEFAULT_SMS_TEMPLATE_CODE;
      const appId = process.env.YINGJI_SMS_APP_ID || DEFAULT_SMS_APP_ID;
      const gw = spawnApp(
        'sms-gateway',
        { ...process.env, YINGJI_SMS_GATEWAY_HOST: '127.0.0.1', YINGJI_SMS_GATEWAY_PORT: String(port), YINGJI_SMS_GATEWAY_DIR: dir, YINGJI_SMS_GATEWAY_ACCESS_KEY_ID: key.id, YINGJI_SMS_GATEWAY_ACCESS_KEY_SECRET: key.secret, YINGJI_SMS_GATEWAY_TEMPLATE_CODE: templateCode, YINGJI_SMS_GATEWAY_APP_ID: appId, YINGJI_SMS_GATEWAY_REPLY_URL: `http://127.0.0.1:${config.apiPort}/sms/replies` },
        path.join(logsDir(config), 'sms-gateway.log'),
      );
      watch('sms-gateway', gw);
      apps.push(gw);
      await waitFor(`the SMS gateway on 127.0.0.1:${port} (log: ${logsDir(config)}/sms-gateway.log)`, () => isPortOpen(port), 30_000, gw);
      sms = { url: `http://127.0.0.1:${port}`, dir };
      Object.assign(env, {
        YINGJI_SMS_URL: sms.url,
        YINGJI_SMS_ACCESS_KEY_ID: key.id,
        YINGJI_SMS_ACCESS_KEY_SECRET: key.secret,
        YINGJI_SMS_SIGN_NAME: process.env.YINGJI_SMS_SIGN_NAME || '应急Yingji',
        YINGJI_SMS_TEMPLATE_CODE: templateCode,
        YINGJI_SMS_APP_ID: appId,
      });
    }
    // Chat robots likewise, unless the user named one of their own: a DingTalk, Feishu and WeCom
    // robot server checking tokens and signatures made for this run (the worker gets the same, as
    // the deployment's robots) and keeping each message under the data folder (`yingji im list`).
    let im: StackInfo['im'];
    if (!OWN_ROBOT_SETTINGS.some((k) => (process.env[k] ?? '').trim())) {
      const port = portFrom(process.env, 'YINGJI_IM_ROBOTS_PORT', DEFAULT_IM_ROBOTS_PORT);
      const dir = imRobotsDir(config.dataDir);
      const robots = robotsForRun();
      const server = spawnApp(
        'im-robots',
        { ...process.env, YINGJI_IM_ROBOTS_HOST: '127.0.0.1', YINGJI_IM_ROBOTS_PORT: String(port), YINGJI_IM_ROBOTS_DIR: dir, ...robotServerEnv(robots) },
        path.join(logsDir(config), 'im-robots.log'),
      );
      watch('im-robots', server);
      apps.push(server);
      await waitFor(`the IM robot server on 127.0.0.1:${port} (log: ${logsDir(config)}/im-robots.log)`, () => isPortOpen(port), 30_000, server);
      im = { url: `http://127.0.0.1:${port}`, dir };
      Object.assign(env, deploymentRobotEnv(im.url, robots));
    }
    const worker = spawnApp('worker', env, path.join(logsDir(config), 'worker.log'));
    watch('worker', worker);
    apps.push(worker);
    const api = spawnApp('api', env, path.join(logsDir(config), 'api.log'));
    watch('api', api);
    apps.push(api);

    const apiUrl = `${config.apiTls ? 'https' : 'http'}://${config.apiHost}:${config.apiPort}`;
    const client = new ApiClient(apiUrl);
    await waitFor(`API on ${apiUrl} (log: ${logsDir(config)}/api.log)`, () => client.healthy(), 60_000, api);

    await publishShippedPlans(config, log);
    await scheduleStandingWork(config, log);
    // After the plans: an alert that fires at once finds their triggers.
    if (opts.monitoring) {
      log('starting node_exporter, postgres_exporter, Alertmanager and Prometheus...');
      monitoring = await startMonitoringStack(config, { apiUrl, logsDir: logsDir(config) });
      for (const p of monitoring.processes) watch(p.name, p.process);
    }

    const info: StackInfo = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      api: apiUrl,
      docs: `${apiUrl}/docs`,
      console: `${apiUrl}/console/`,
      temporal: config.temporal.address,
      temporalUi: temporal?.uiPort ? `http://127.0.0.1:${temporal.uiPort}` : undefined,
      database: redactUrl(config.databaseUrl),
      taxPlatform: config.taxPlatformUrl,
      mail,
      sms,
      im,
      monitoring: monitoring && { prometheus: monitoring.prometheus, alertmanager: monitoring.alertmanager, nodeExporter: monitoring.nodeExporter, postgresExporter: monitoring.postgresExporter, dir: monitoring.dir },
      logs: logsDir(config),
    };
    fs.writeFileSync(stackFile(config), JSON.stringify(info, null, 2));
    printAddresses(info, log);
    log('Ctrl-C stops everything.');
  } catch (err) {
    log(`start failed: ${(err as Error).message}`);
    await stopAll(1);
  }
}

async function scheduleStandingWork(config: YingjiConfig, log: (line: string) => void): Promise<void> {
  const connection = await Connection.connect({ address: config.temporal.address, tls: temporalTls(config.temporal) });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    for (const s of STANDING_SCHEDULES) {
      if ((await ensureStandingSchedule(client, config, s)) === 'created') log(`${s.what} scheduled (${s.id}, every ${everyOf(s)})`);
    }
  } finally {
    await connection.close();
  }
}

/** Publishes every shipped plan whose id and version are not stored yet (`by`: the command, for the audit trail). */
export async function publishShippedPlans(config: Pick<YingjiConfig, 'databaseUrl' | 'plansDir'>, log: (line: string) => void, by = 'yingji up'): Promise<void> {
  const ds = createDataSource(config.databaseUrl);
  await ds.initialize();
  try {
    for (const file of fs.readdirSync(config.plansDir).filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('teams')).sort()) {
      try {
        const res = await publishPlanText(ds, fs.readFileSync(path.join(config.plansDir, file), 'utf8'), file, by);
        if (res.created) log(`published plan ${res.planId} v${res.version}`);
      } catch (err) {
        log(`plan ${file} was not published: ${(err as Error).message}`);
      }
    }
  } finally {
    await ds.destroy();
  }
}

export function printAddresses(info: StackInfo, log: (line: string) => void): void {
  log(`  API          ${info.api}   (OpenAPI: ${info.docs})`);
  if (info.console) log(`  console      ${info.console}   (sign in with a token)`);
  log(`  Temporal     ${info.temporal}${info.temporalUi ? `   (UI: ${info.temporalUi})` : ''}`);
  log(`  PostgreSQL   ${info.database}`);
  if (info.taxPlatform) log(`  tax platform ${info.taxPlatform}   (simulator unless TAX_PLATFORM_URL is set)`);
  if (info.mail) log(`  mail sink    ${info.mail.smtp}   (messages in ${info.mail.dir}; \`yingji mail list\`)`);
  if (info.sms) log(`  SMS gateway  ${info.sms.url}   (messages in ${info.sms.dir}; \`yingji sms list\`)`);
  if (info.im) log(`  IM robots    ${info.im.url}   (messages in ${info.im.dir}; \`yingji im list\`)`);
  if (info.monitoring) {
    log(`  Prometheus   ${info.monitoring.prometheus}   (rules from monitoring/; configs in ${info.monitoring.dir})`);
    log(`  Alertmanager ${info.monitoring.alertmanager}   (to ${info.api}/alerts/alertmanager)`);
    log(`  exporters    node ${info.monitoring.nodeExporter}, postgres ${info.monitoring.postgresExporter} (invoice database)`);
  }
  log(`  logs         ${info.logs}`);
}

/** Starts `yingji up` in the background and returns once it is serving. */
export async function startDetached(config: YingjiConfig, log: (line: string) => void, opts: { monitoring?: boolean } = {}): Promise<StackInfo> {
  const running = readStack(config);
  if (running) return running;
  if (!config.temporal.external) ensureTemporalCli(config.toolsDir, log); // a first build shows its progress here
  fs.mkdirSync(logsDir(config), { recursive: true });
  const logFile = path.join(logsDir(config), 'stack.log');
  const out = fs.openSync(logFile, 'a');
  // The CLI itself, whoever calls this (the CLI, a benchmark, a script).
  const cli = path.join(PROJECT_ROOT, 'bin', 'yingji.js');
  const child = spawn(process.execPath, [cli, 'up', ...(opts.monitoring ? ['--monitoring'] : [])], { detached: true, stdio: ['ignore', out, out], env: process.env });
  fs.closeSync(out);
  child.unref();
  log(`starting the stack in the background (log: ${logFile})...`);
  let info: StackInfo | undefined;
  await waitFor('the stack', async () => (info = readStack(config)) !== undefined, 180_000, child);
  return info!;
}

export async function stopDetached(config: YingjiConfig): Promise<boolean> {
  const info = readStack(config);
  if (!info) return false;
  process.kill(info.pid, 'SIGTERM');
  await waitFor('the stack to stop', async () => {
    try {
      process.kill(info.pid, 0);
      return false;
    } catch {
      return true;
    }
  }, 60_000);
  return true;
}

/** A secret made once for this machine's stack (mode 0600 under the data folder), then read back. */
export function persistentSecret(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  return fs.readFileSync(file, 'utf8').trim();
}
