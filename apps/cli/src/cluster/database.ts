// The cluster's PostgreSQL: a server of the user's (DATABASE_URL), or its own embedded one started
// with pg_ctl (so it outlives the command that started it), and Temporal's two databases on it,
// set up and upgraded with the server's own schema tool and the schema files of its module.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { canConnect, ensureCluster, ensureDatabase, findPgBin, serverUser } from '../../../../scripts/stack/postgres';
import { waitFor } from '../../../../scripts/stack/ports';
import { ClusterLayout, serverUrl } from './layout';

function pgCtl(l: ClusterLayout, args: string[]): { status: number | null; output: string } {
  const res = spawnSync(path.join(findPgBin(), 'pg_ctl'), ['-D', l.pgDataDir, ...args], { ...serverUser(), encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

/** Starts the cluster's own PostgreSQL unless DATABASE_URL names one; waits until it answers. */
export async function ensurePostgres(l: ClusterLayout, log: (line: string) => void): Promise<void> {
  const admin = serverUrl(l, 'postgres');
  if (await canConnect(admin)) return;
  if (l.databaseUrl) {
    const client = new Client({ connectionString: admin, connectionTimeoutMillis: 5000 });
    const why = await client.connect().then(() => 'it answers, but not to a query', (err: Error) => err.message);
    await client.end().catch(() => undefined);
    throw new Error(`cannot reach DATABASE_URL's server ${new URL(admin).host}: ${why}`);
  }
  ensureCluster(l.pgDataDir);
  fs.mkdirSync(l.logsDir, { recursive: true });
  const logFile = path.join(l.logsDir, 'postgres.log');
  const { uid, gid } = serverUser();
  if (uid !== undefined) {
    fs.closeSync(fs.openSync(logFile, 'a'));
    fs.chownSync(logFile, uid, gid!);
  }
  // TCP on loopback only (a socket path under a deep folder passes PostgreSQL's 107-byte limit).
  const options = `-p ${l.pgPort} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=300`;
  log(`starting PostgreSQL on 127.0.0.1:${l.pgPort} (${l.pgDataDir})...`);
  const res = pgCtl(l, ['-l', logFile, '-o', options, '-w', 'start']);
  if (res.status !== 0) throw new Error(`pg_ctl start failed: ${res.output.trim()} (log: ${logFile})`);
  await waitFor(`PostgreSQL on 127.0.0.1:${l.pgPort} (log: ${logFile})`, () => canConnect(admin), 60_000);
}

/** Stops the cluster's own PostgreSQL (never a server DATABASE_URL names). */
export function stopPostgres(l: ClusterLayout): boolean {
  if (l.databaseUrl || !fs.existsSync(path.join(l.pgDataDir, 'postmaster.pid'))) return false;
  return pgCtl(l, ['-m', 'fast', '-w', 'stop']).status === 0;
}

/** The pid of the cluster's own PostgreSQL postmaster, when it runs. */
export function postgresPid(l: ClusterLayout): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(l.pgDataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

/** TLS to PostgreSQL as Temporal's SQL plugin takes it, from DATABASE_URL's libpq settings. */
export interface SqlTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** sslmode=verify-full: the certificate must name the host. */
  verifyHost: boolean;
}

/**
 * Host, port, user, password and TLS of the server, as Temporal's SQL plugin takes them. sslmode
 * require, verify-ca and verify-full turn TLS on (the plugin passes sslrootcert, sslcert and sslkey
 * on, so a CA file makes require check the chain as libpq does); without one, or with disable or
 * prefer, the plugin connects without TLS.
 */
export function sqlEndpoint(l: ClusterLayout): { host: string; port: number; user: string; password: string; tls?: SqlTls } {
  const u = new URL(serverUrl(l, 'postgres'));
  const q = u.searchParams;
  const mode = q.get('sslmode') ?? '';
  const tls = ['require', 'verify-ca', 'verify-full'].includes(mode)
    ? { caFile: q.get('sslrootcert') || undefined, certFile: q.get('sslcert') || undefined, keyFile: q.get('sslkey') || undefined, verifyHost: mode === 'verify-full' }
    : undefined;
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username || 'postgres'), password: decodeURIComponent(u.password), tls };
}

/** The schema tool's TLS settings (its SQL_TLS_* variables). */
function sqlToolTlsEnv(tls: SqlTls | undefined, host: string): NodeJS.ProcessEnv {
  if (!tls) return {};
  return {
    SQL_TLS: 'true',
    SQL_TLS_CA_FILE: tls.caFile ?? '',
    SQL_TLS_CERT_FILE: tls.certFile ?? '',
    SQL_TLS_KEY_FILE: tls.keyFile ?? '',
    SQL_TLS_DISABLE_HOST_VERIFICATION: String(!tls.verifyHost),
    SQL_TLS_SERVER_NAME: host,
  };
}

/** Where go keeps go.temporal.io/server@version (its schema/ folder). */
function serverModuleDir(version: string): string {
  const res = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' });
  const cache = res.status === 0 && res.stdout.trim() ? res.stdout.trim() : path.join(os.homedir(), 'go', 'pkg', 'mod');
  const dir = path.join(cache, 'go.temporal.io', `server@${version}`);
  if (!fs.existsSync(path.join(dir, 'schema'))) throw new Error(`${dir}/schema is missing: run scripts/cluster/ensure-server.sh (it downloads the module)`);
  return dir;
}

/**
 * Creates Temporal's persistence and visibility databases and brings each to the schema version
 * the server expects (temporal-sql-tool: version tables, then every versioned step not applied
 * yet). Safe to run again: an up-to-date database is left as it is.
 */
export async function ensureTemporalSchema(l: ClusterLayout, sqlTool: string, version: string, log: (line: string) => void): Promise<void> {
  const schemaRoot = path.join(serverModuleDir(version), 'schema', 'postgresql', 'v12');
  const sql = sqlEndpoint(l);
  // The tool reads its connection from SQL_* variables: the password stays off the command line.
  const env = { ...process.env, SQL_PLUGIN: 'postgres12', SQL_HOST: sql.host, SQL_PORT: String(sql.port), SQL_USER: sql.user, SQL_PASSWORD: sql.password, ...sqlToolTlsEnv(sql.tls, sql.host) };
  for (const [db, folder] of [[l.temporalDb, 'temporal'], [l.visibilityDb, 'visibility']] as const) {
    await ensureDatabase(serverUrl(l, 'postgres'), db);
    const run = (args: string[]) => {
      const res = spawnSync(sqlTool, ['--db', db, ...args], { env: { ...env, SQL_DATABASE: db }, encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`temporal-sql-tool ${args[0]} on ${db} failed:\n${res.stdout}${res.stderr}`);
    };
    run(['setup-schema', '-v', '0.0']);
    run(['update-schema', '-d', path.join(schemaRoot, folder, 'versioned')]);
    log(`Temporal schema: ${db} up to date (${folder}/versioned)`);
  }
}
