// Where the multi-process cluster keeps its files and which loopback ports it takes. Its ports sit
// apart from `yingji up`'s (Temporal 7233/8233, API 3000, PostgreSQL 55432), so both can run at once.
import * as path from 'node:path';
import { loadConfig } from '../../../shared/config';

export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

export interface ClusterLayout {
  /** Everything the cluster writes: pid files, logs, server config, its own PostgreSQL, app data. */
  dir: string;
  pidsDir: string;
  logsDir: string;
  /** Temporal's `--root`: its config folder is `<root>/config`. */
  serverRoot: string;
  /** The embedded PostgreSQL's folder, unless DATABASE_URL names a server. */
  pgDataDir: string;
  /** The Yingji apps' YINGJI_DATA_DIR (ack secret, signing key, backups). */
  appDataDir: string;
  /** A server of the user's (DATABASE_URL), or the cluster's own on `pgPort`. */
  databaseUrl?: string;
  pgPort: number;
  /** Databases for Temporal's persistence and visibility, on the same server as Yingji's. */
  temporalDb: string;
  visibilityDb: string;
  /** Yingji's own database on the cluster's server (DATABASE_URL's path when given). */
  yingjiDb: string;
  /** Frontend gRPC; history +1, matching +2, worker +6, frontend HTTP +10; membership ports +1000. */
  temporalPort: number;
  namespace: string;
  numHistoryShards: number;
  /** haproxy's address for the APIs; API n listens on apiPort + n. */
  apiPort: number;
  workers: number;
  apis: number;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, max = 65535): number {
  const raw = (env[name] ?? '').trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > max) throw new Error(`${name} must be a whole number from 1 to ${max}, got "${raw}"`);
  return n;
}

/** The cluster's layout from the environment (YINGJI_CLUSTER_*, DATABASE_URL, YINGJI_DATA_DIR). */
export function clusterLayout(env: NodeJS.ProcessEnv = process.env): ClusterLayout {
  const dir = path.resolve(env.YINGJI_CLUSTER_DIR || path.join(loadConfig(env).dataDir, 'cluster'));
  const databaseUrl = (env.DATABASE_URL ?? '').trim() || undefined;
  const yingjiDb = databaseUrl ? decodeURIComponent(new URL(databaseUrl).pathname.slice(1)) || 'yingji' : 'yingji';
  return {
    dir,
    pidsDir: path.join(dir, 'pids'),
    logsDir: path.join(dir, 'logs'),
    serverRoot: path.join(dir, 'temporal'),
    pgDataDir: path.join(dir, 'postgres'),
    appDataDir: path.join(dir, 'data'),
    databaseUrl,
    pgPort: intFrom(env, 'YINGJI_CLUSTER_PG_PORT', 55433),
    temporalDb: env.YINGJI_CLUSTER_TEMPORAL_DB || 'temporal',
    visibilityDb: env.YINGJI_CLUSTER_VISIBILITY_DB || 'temporal_visibility',
    yingjiDb,
    temporalPort: intFrom(env, 'YINGJI_CLUSTER_TEMPORAL_PORT', 17233, 64000),
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    numHistoryShards: intFrom(env, 'YINGJI_CLUSTER_HISTORY_SHARDS', 4, 16384),
    apiPort: intFrom(env, 'YINGJI_CLUSTER_API_PORT', 13000, 65000),
    workers: intFrom(env, 'YINGJI_CLUSTER_WORKERS', 2, 32),
    apis: intFrom(env, 'YINGJI_CLUSTER_APIS', 2, 32),
  };
}

export const servicePorts = (l: ClusterLayout, s: TemporalService) => {
  const offset = { frontend: 0, history: 1, matching: 2, worker: 6 }[s];
  return { grpc: l.temporalPort + offset, membership: l.temporalPort + 1000 + offset, http: s === 'frontend' ? l.temporalPort + 10 : undefined };
};

export const frontendAddress = (l: ClusterLayout) => `127.0.0.1:${l.temporalPort}`;
export const apiAddress = (l: ClusterLayout) => `http://127.0.0.1:${l.apiPort}`;

/** The server's admin URL (database `postgres`) and a URL for any database on it. */
export function serverUrl(l: ClusterLayout, db: string): string {
  if (!l.databaseUrl) return `postgres://postgres@127.0.0.1:${l.pgPort}/${db}`;
  const u = new URL(l.databaseUrl);
  u.pathname = `/${db}`;
  return u.toString();
}

