// The multi-process cluster's generated configs: Temporal's server config and haproxy's.
import { parse } from 'yaml';
import { renderHaproxyConfig } from '../../apps/cli/src/cluster/haproxy';
import { clusterLayout, servicePorts, TEMPORAL_SERVICES } from '../../apps/cli/src/cluster/layout';
import { PASSWORD_VAR, renderServerConfig } from '../../apps/cli/src/cluster/server-config';

const base = { YINGJI_DATA_DIR: '/tmp/yingji-unit' };

/** What the server does with the file: sprig renders the env lookup (a quoted string). */
const rendered = (text: string, password: string) => parse(text.split(`{{ env "${PASSWORD_VAR}" | quote }}`).join(JSON.stringify(password)));

describe('the cluster server config', () => {
  it('gives each service its own ports, none of them `yingji up`’s, and keeps the password out of the file', () => {
    const l = clusterLayout({ ...base, DATABASE_URL: 'postgres://temporal:s3cr%40t@db.internal:5433/yingji' });
    const text = renderServerConfig(l);
    expect(text.startsWith('# enable-template')).toBe(true); // the server renders it only when marked
    expect(text).not.toContain('s3cr');
    const cfg = rendered(text, 's3cr@t');
    expect(Object.keys(cfg.services).sort()).toEqual([...TEMPORAL_SERVICES].sort());
    const ports = TEMPORAL_SERVICES.flatMap((s) => [cfg.services[s].rpc.grpcPort, cfg.services[s].rpc.membershipPort]);
    expect(new Set(ports).size).toBe(8);
    for (const taken of [7233, 7234, 7235, 7239, 8233, 3000, 55432, 6933, 6934, 6935, 6939]) expect(ports).not.toContain(taken);
    expect(cfg.services.frontend.rpc.grpcPort).toBe(servicePorts(l, 'frontend').grpc);
    const store = cfg.persistence.datastores['postgres-default'].sql;
    expect(store).toMatchObject({ pluginName: 'postgres12', databaseName: 'temporal', connectAddr: 'db.internal:5433', user: 'temporal', password: 's3cr@t' });
    expect(cfg.persistence.datastores['postgres-visibility'].sql).toMatchObject({ databaseName: 'temporal_visibility', password: 's3cr@t' });
    expect(cfg.persistence.numHistoryShards).toBe(4);
  });

  it('takes its databases, ports and shard count from YINGJI_CLUSTER_*', () => {
    const l = clusterLayout({ ...base, YINGJI_CLUSTER_TEMPORAL_DB: 't2', YINGJI_CLUSTER_VISIBILITY_DB: 'v2', YINGJI_CLUSTER_TEMPORAL_PORT: '21000', YINGJI_CLUSTER_HISTORY_SHARDS: '16', YINGJI_CLUSTER_PG_PORT: '6000' });
    const cfg = rendered(renderServerConfig(l), '');
    expect(cfg.persistence.datastores['postgres-default'].sql).toMatchObject({ databaseName: 't2', connectAddr: '127.0.0.1:6000', user: 'postgres' });
    expect(cfg.persistence.datastores['postgres-visibility'].sql.databaseName).toBe('v2');
    expect(cfg.services.history.rpc.grpcPort).toBe(21001);
    expect(cfg.persistence.numHistoryShards).toBe(16);
    expect(() => clusterLayout({ ...base, YINGJI_CLUSTER_WORKERS: 'two' })).toThrow('YINGJI_CLUSTER_WORKERS must be a whole number');
  });
  it('speaks TLS to PostgreSQL when DATABASE_URL asks for it, checking the host name only with verify-full', () => {
    const tlsOf = (query: string) => rendered(renderServerConfig(clusterLayout({ ...base, DATABASE_URL: `postgres://yingji@db.internal/yingji?${query}` })), '').persistence.datastores['postgres-default'].sql.tls;
    expect(tlsOf(`sslmode=verify-full&sslrootcert=${__filename}`)).toEqual({ enabled: true, caFile: __filename, enableHostVerification: true, serverName: 'db.internal' });
    expect(tlsOf('sslmode=require')).toEqual({ enabled: true, enableHostVerification: false, serverName: 'db.internal' });
    expect(tlsOf('sslmode=disable')).toBeUndefined();
    expect(tlsOf('')).toBeUndefined();
  });
});

describe('the haproxy config', () => {
  it('balances over every API and re-sends only requests that never reached one', () => {
    const text = renderHaproxyConfig(clusterLayout({ ...base, YINGJI_CLUSTER_API_PORT: '14000', YINGJI_CLUSTER_APIS: '3' }));
    expect(text).toContain('bind 127.0.0.1:14000');
    expect(text.match(/^\s*server api-\d 127\.0\.0\.1:(\d+)/gm)?.map((s) => s.trim().split(':')[1])).toEqual(['14001', '14002', '14003']);
    expect(text).toMatch(/^\s*retry-on conn-failure$/m);
  });
});
