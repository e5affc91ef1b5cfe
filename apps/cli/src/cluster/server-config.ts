// The Temporal server's configuration for the cluster, written as the `<env>.yaml` the server reads
// from `<root>/config`. It is a template (the server renders files marked `enable-template`), so
// the database password comes from the environment when the server starts, never from the file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClusterLayout, servicePorts, TEMPORAL_SERVICES } from './layout';
import { SqlTls, sqlEndpoint } from './database';

export const SERVER_ENV = 'cluster';
/** The variable the rendered config reads the database password from. */
export const PASSWORD_VAR = 'YINGJI_CLUSTER_PG_PASSWORD';

function tlsBlock(tls: SqlTls | undefined, host: string): string {
  if (!tls) return '';
  const files = ([['caFile', tls.caFile], ['certFile', tls.certFile], ['keyFile', tls.keyFile]] as const).filter(([, v]) => v).map(([k, v]) => `\n          ${k}: ${JSON.stringify(v)}`);
  return `
        tls:
          enabled: true${files.join('')}
          enableHostVerification: ${tls.verifyHost}
          serverName: ${JSON.stringify(host)}`;
}

export function renderServerConfig(l: ClusterLayout): string {
  const sql = sqlEndpoint(l);
  const store = (db: string, maxConns: number) => `      sql:
        pluginName: postgres12
        databaseName: ${JSON.stringify(db)}
        connectAddr: ${JSON.stringify(`${sql.host}:${sql.port}`)}
        connectProtocol: tcp
        user: ${JSON.stringify(sql.user)}
        password: {{ env "${PASSWORD_VAR}" | quote }}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h${tlsBlock(sql.tls, sql.host)}`;
  const services = TEMPORAL_SERVICES.map((s) => {
    const p = servicePorts(l, s);
    return `  ${s}:
    rpc:
      grpcPort: ${p.grpc}
      membershipPort: ${p.membership}
      bindOnLocalHost: true${p.http ? `\n      httpPort: ${p.http}` : ''}`;
  }).join('\n');
  return `# enable-template
# Written by \`yingji cluster up\` (apps/cli/src/cluster/server-config.ts); rewritten on every start.
log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${l.numHistoryShards}
  datastores:
    postgres-default:
${store(l.temporalDb, 20)}
    postgres-visibility:
${store(l.visibilityDb, 4)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  pprof:
    port: 0

services:
${services}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:${l.temporalPort}

dcRedirectionPolicy:
  policy: noop

dynamicConfigClient:
  filepath: ${JSON.stringify(path.join(l.serverRoot, 'config', 'dynamic.yaml'))}
  pollInterval: 10s
`;
}

/** Dynamic settings: the same IDs limit as the dev server, nothing else changed. */
const DYNAMIC_CONFIG = `limit.maxIDLength:
  - value: 255
    constraints: {}
`;

/** Writes `<root>/config/cluster.yaml` and its dynamic config; returns the server's base arguments. */
export function writeServerConfig(l: ClusterLayout): string[] {
  const dir = path.join(l.serverRoot, 'config');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${SERVER_ENV}.yaml`), renderServerConfig(l));
  fs.writeFileSync(path.join(dir, 'dynamic.yaml'), DYNAMIC_CONFIG);
  return ['--root', l.serverRoot, '--config', 'config', '--env', SERVER_ENV, '--allow-no-auth'];
}
