// The stacks bench/incidents measures, one after the other (never both at once: they would share the
// machine's CPUs): `yingji up`'s dev stack and `yingji cluster up`'s multi-process cluster. Each is
// started when it is not running, and stopped afterwards only when the bench started it.
import { clusterDown, clusterStatus, clusterUp, SERVER_VERSION, yingjiDatabaseUrl } from '../../apps/cli/src/cluster/cluster';
import { apiAddress, clusterLayout, frontendAddress } from '../../apps/cli/src/cluster/layout';
import { readStack, startDetached, stopDetached } from '../../apps/cli/src/stack';
import { loadConfig } from '../../apps/shared/config';
import { TEMPORAL_CLI_VERSION } from '../../scripts/stack/temporal-cli';

export const STACKS = ['dev', 'cluster'] as const;
export type StackName = (typeof STACKS)[number];

export interface BenchStack {
  name: StackName;
  /** One line: what runs Temporal, how many Yingji workers and APIs. */
  topology: string;
  api: string;
  temporal: string;
  namespace: string;
  /** Yingji's database: the tokens, the fair peer's rows, pg_stat_database's counters. */
  databaseUrl: string;
  /** Where its processes log (named when a measurement fails). */
  logs: string;
  /** Stops the stack if the bench started it. */
  release(): Promise<void>;
}

const log = (line: string) => console.error(line);

export async function startStack(name: StackName): Promise<BenchStack> {
  return name === 'dev' ? startDev() : startCluster();
}

async function startDev(): Promise<BenchStack> {
  const config = loadConfig();
  const already = readStack(config);
  if (already) log(`note: measuring the dev stack already running (pid ${already.pid}, up since ${already.startedAt}); after a build, \`yingji down\` first so it runs the new code`);
  const info = await startDetached(config, log);
  return {
    name: 'dev',
    topology: `${config.temporal.external ? `Temporal at ${info.temporal}` : `Temporal dev server (CLI ${TEMPORAL_CLI_VERSION}, SQLite)`}, 1 worker, 1 API`,
    api: info.api,
    temporal: info.temporal,
    namespace: config.temporal.namespace,
    databaseUrl: config.databaseUrl,
    logs: info.logs,
    release: async () => void (already ? undefined : await stopDetached(config)),
  };
}

async function startCluster(): Promise<BenchStack> {
  const l = clusterLayout();
  const before = clusterStatus(l);
  // Partly up (a crash): clusterUp restarts what is dead, and the cluster stays someone else's.
  const startedByUs = before.every((p) => !p.pid);
  if (!startedByUs) log(`note: measuring the cluster already running (${before.filter((p) => p.pid).length} of ${before.length} processes up); after a build, \`yingji cluster down\` first so it runs the new code`);
  if (readStack(loadConfig())) log('note: the dev stack is running beside the cluster: both share the CPUs');
  await clusterUp(l, log);
  return {
    name: 'cluster',
    topology: `Temporal ${SERVER_VERSION} frontend/history/matching/worker on PostgreSQL, ${l.workers} workers, ${l.apis} APIs behind haproxy`,
    api: apiAddress(l),
    temporal: frontendAddress(l),
    namespace: l.namespace,
    databaseUrl: yingjiDatabaseUrl(l),
    logs: l.logsDir,
    release: async () => (startedByUs ? clusterDown(l, log) : undefined),
  };
}
