// `yingji cluster up|down|status`: Temporal's four services as separate processes on PostgreSQL,
// N Yingji workers and N APIs behind haproxy, all on loopback. `up` starts what is not running
// (after a crash it restarts just the dead processes); `down` stops everything it started.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Connection } from '@temporalio/client';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT, loadConfig } from '../../../shared/config';
import { ensureLocalSigningKey } from '../../../../activities/records/audit-digest';
import { runMigrations } from '../../../../migrations/data-source';
import { ensureDatabase } from '../../../../scripts/stack/postgres';
import { isPortOpen, waitFor } from '../../../../scripts/stack/ports';
import { ensureTemporalCli } from '../../../../scripts/stack/temporal-cli';
import { appEntry, persistentSecret, publishShippedPlans } from '../stack';
import { temporalReady } from '../../../../scripts/stack/temporal-server';
import { ensurePostgres, ensureTemporalSchema, postgresPid, stopPostgres } from './database';
import { apiPortOf, findHaproxy, haproxyArgs } from './haproxy';
import { ClusterLayout, apiAddress, clusterLayout, frontendAddress, serverUrl, servicePorts, TEMPORAL_SERVICES } from './layout';
import { ensureProcess, knownProcesses, logFile, runningPid, stopProcess } from './processes';
import { PASSWORD_VAR, writeServerConfig } from './server-config';

export const SERVER_VERSION = 'v1.29.1';

type Log = (line: string) => void;

/** scripts/cluster/ensure-server.sh: builds once per machine, then only copies; prints both paths. */
export function ensureServerBinaries(log: Log): { server: string; sqlTool: string } {
  const res = spawnSync(path.join(PROJECT_ROOT, 'scripts', 'cluster', 'ensure-server.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = (res.stdout ?? '').trim().split('\n');
  if (res.status !== 0 || lines.length < 2) throw new Error(`scripts/cluster/ensure-server.sh failed (exit ${res.status})`);
  log(`Temporal server ${SERVER_VERSION}: ${lines[0]}`);
  return { server: lines[0], sqlTool: lines[1] };
}

/** Yingji's own database on the cluster's server (DATABASE_URL's, when given). */
export const yingjiDatabaseUrl = (l: ClusterLayout) => l.databaseUrl ?? serverUrl(l, l.yingjiDb);

/** What every worker and API of the cluster shares. */
function appEnv(l: ClusterLayout): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: yingjiDatabaseUrl(l),
    TEMPORAL_ADDRESS: frontendAddress(l),
    TEMPORAL_NAMESPACE: l.namespace,
    YINGJI_DATA_DIR: l.appDataDir,
    YINGJI_API_HOST: '127.0.0.1',
    YINGJI_PUBLIC_URL: process.env.YINGJI_PUBLIC_URL || apiAddress(l),
    YINGJI_ACK_SECRET: process.env.YINGJI_ACK_SECRET || persistentSecret(path.join(l.appDataDir, 'ack-secret')),
    YINGJI_AUDIT_SIGNING_KEY: process.env.YINGJI_AUDIT_SIGNING_KEY || ensureLocalSigningKey(l.appDataDir),
  };
}

export const workerName = (n: number) => `worker-${n}`;
export const apiName = (n: number) => `api-${n}`;
export const serviceName = (s: string) => `temporal-${s}`;

/** Starts one Temporal service; the others are found through membership (ringpop) in PostgreSQL. */
export function startTemporalService(l: ClusterLayout, server: string, service: string, password: string): { pid: number; started: boolean } {
  return ensureProcess(l, { name: serviceName(service), command: server, args: [...writeServerConfig(l), 'start', '--service', service], env: { ...process.env, [PASSWORD_VAR]: password } });
}

export function startWorker(l: ClusterLayout, n: number) {
  return ensureProcess(l, { name: workerName(n), command: process.execPath, args: [appEntry('worker')], env: appEnv(l) });
}

export function startApi(l: ClusterLayout, n: number) {
  return ensureProcess(l, { name: apiName(n), command: process.execPath, args: [appEntry('api')], env: { ...appEnv(l), YINGJI_API_PORT: String(apiPortOf(l, n)) } });
}

const apiHealthy = (port: number) => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);

/** Brings the cluster up, starting only what is not running; returns once the API address serves. */
export async function clusterUp(l: ClusterLayout, log: Log): Promise<void> {
  const started = Date.now();
  const { server, sqlTool } = ensureServerBinaries(log);
  const cli = ensureTemporalCli(loadConfig().toolsDir, log);
  fs.mkdirSync(l.dir, { recursive: true });

  await ensurePostgres(l, log);
  await ensureTemporalSchema(l, sqlTool, SERVER_VERSION, log);
  const password = new URL(serverUrl(l, 'postgres')).password;
  // History first, the others once its port opens: on a fresh database the first service to start
  // writes the cluster's metadata, and services starting together race for it (the loser exits).
  for (const s of TEMPORAL_SERVICES) {
    const r = startTemporalService(l, server, s, decodeURIComponent(password));
    if (!r.started) continue;
    log(`started ${serviceName(s)} (pid ${r.pid}, gRPC 127.0.0.1:${servicePorts(l, s).grpc})`);
    if (s !== 'history') continue;
    await waitFor(`${serviceName(s)} on 127.0.0.1:${servicePorts(l, s).grpc} (log: ${logFile(l, serviceName(s))})`, async () => {
      if (!runningPid(l, serviceName(s))) throw new Error(`${serviceName(s)} exited; see ${logFile(l, serviceName(s))}`);
      return isPortOpen(servicePorts(l, s).grpc);
    }, 120_000);
  }
  const frontend = frontendAddress(l);
  const frontendLog = logFile(l, serviceName('frontend'));
  await waitFor(`the Temporal frontend on ${frontend} (log: ${frontendLog})`, () => isPortOpen(l.temporalPort), 120_000);
  await ensureNamespace(l, cli, log);
  await waitFor(`the history service to own its ${l.numHistoryShards} shards (log: ${logFile(l, serviceName('history'))})`, () => historyServing(l), 120_000);

  if (!l.databaseUrl) await ensureDatabase(serverUrl(l, 'postgres'), l.yingjiDb);
  const ran = await runMigrations(yingjiDatabaseUrl(l));
  if (ran.length) log(`migrations applied: ${ran.length}`);
  await publishShippedPlans({ databaseUrl: yingjiDatabaseUrl(l), plansDir: loadConfig().plansDir }, log, 'yingji cluster up');

  for (let n = 1; n <= l.workers; n++) {
    const r = startWorker(l, n);
    if (r.started) log(`started ${workerName(n)} (pid ${r.pid})`);
  }
  for (let n = 1; n <= l.apis; n++) {
    const r = startApi(l, n);
    if (r.started) log(`started ${apiName(n)} (pid ${r.pid}, 127.0.0.1:${apiPortOf(l, n)})`);
  }
  const proxy = ensureProcess(l, { name: 'haproxy', command: findHaproxy(), args: haproxyArgs(l) });
  if (proxy.started) log(`started haproxy (pid ${proxy.pid}, ${apiAddress(l)})`);
  for (let n = 1; n <= l.apis; n++) {
    await waitFor(`${apiName(n)} on 127.0.0.1:${apiPortOf(l, n)} (log: ${logFile(l, apiName(n))})`, () => apiHealthy(apiPortOf(l, n)), 120_000);
  }
  await waitFor(`haproxy on ${apiAddress(l)} (log: ${logFile(l, 'haproxy')})`, () => apiHealthy(l.apiPort), 30_000);
  const dead = clusterStatus(l).filter((p) => !p.pid);
  if (dead.length) throw new Error(`not running after start: ${dead.map((p) => `${p.name} (log: ${p.log})`).join(', ')}`);
  log(`cluster up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

/** `default` (or TEMPORAL_NAMESPACE) registered with the Temporal CLI, once; waits until it answers. */
async function ensureNamespace(l: ClusterLayout, cli: string, log: Log): Promise<void> {
  const address = frontendAddress(l);
  if (await temporalReady(address, l.namespace)) return;
  // The frontend opens its port before the history service has joined: retry the create until it lands.
  await waitFor(`namespace ${l.namespace} to be created on ${address}`, async () => {
    const res = spawnSync(cli, ['operator', 'namespace', 'create', '--address', address, '--namespace', l.namespace, '--retention', '72h'], { encoding: 'utf8' });
    return res.status === 0 || /already exists|AlreadyExists/i.test(`${res.stdout}${res.stderr}`);
  }, 120_000);
  log(`namespace ${l.namespace} registered`);
  // A new namespace reaches every service's cache within ~10 s (the namespace registry's refresh).
  await waitFor(`namespace ${l.namespace} to answer on ${address}`, () => temporalReady(address, l.namespace), 60_000);
}

/**
 * True once a read reaches every history shard: a started history service acquires its shards
 * after its port opens (a workflow started before that fails). 32 random workflow ids miss one of
 * 4 shards with odds of 1 in 2,500; each must be answered "not found", not "unavailable".
 */
const GRPC_NOT_FOUND = 5; // gRPC's status code: the shard answered, there is no such workflow

async function historyServing(l: ClusterLayout): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address: frontendAddress(l), connectTimeout: 2000 });
    const service = connection.workflowService;
    const probes = Array.from({ length: Math.max(32, l.numHistoryShards * 8) }, () =>
      service.getWorkflowExecutionHistory({ namespace: l.namespace, execution: { workflowId: `yingji-probe-${randomBytes(6).toString('hex')}` } }).then(
        () => true,
        // Not found, and about the workflow: "Namespace default is not found" has the same code.
        (err: { code?: number; details?: string }) => err.code === GRPC_NOT_FOUND && /workflow/i.test(err.details ?? ''),
      ),
    );
    return (await Promise.all(probes)).every(Boolean);
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** Stops haproxy, the APIs and workers, then Temporal's services, then the cluster's own PostgreSQL. */
export async function clusterDown(l: ClusterLayout, log: Log): Promise<void> {
  const names = knownProcesses(l);
  const order = [['haproxy'], names.filter((n) => n.startsWith('api-')), names.filter((n) => n.startsWith('worker-')), TEMPORAL_SERVICES.map(serviceName)];
  for (const group of order) {
    const stopped = await Promise.all(group.map(async (n) => ((await stopProcess(l, n)) ? n : undefined)));
    for (const n of stopped.filter(Boolean)) log(`stopped ${n}`);
  }
  if (stopPostgres(l)) log('stopped PostgreSQL');
}

export interface ProcessStatus {
  name: string;
  pid?: number;
  log: string;
}

export function clusterStatus(l: ClusterLayout): ProcessStatus[] {
  const names = [...TEMPORAL_SERVICES.map(serviceName), ...Array.from({ length: l.workers }, (_, i) => workerName(i + 1)), ...Array.from({ length: l.apis }, (_, i) => apiName(i + 1)), 'haproxy'];
  const rows: ProcessStatus[] = names.map((name) => ({ name, pid: runningPid(l, name), log: logFile(l, name) }));
  if (!l.databaseUrl) rows.unshift({ name: 'postgres', pid: postgresPid(l), log: path.join(l.logsDir, 'postgres.log') });
  return rows;
}

export { clusterLayout };
