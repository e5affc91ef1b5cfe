import { ChildProcess, spawn, spawnSync, SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { waitFor } from './ports';

/** PostgreSQL's server binaries: PG_BIN, else `pg_config --bindir`, else the newest Debian install. */
export function findPgBin(): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const cfg = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (cfg.status === 0) candidates.push(cfg.stdout.trim());
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) {
    for (const v of fs.readdirSync(debian).sort((a, b) => Number(b) - Number(a))) candidates.push(path.join(debian, v, 'bin'));
  }
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'postgres')) && fs.existsSync(path.join(dir, 'initdb')));
  if (!found) {
    throw new Error('PostgreSQL server binaries (postgres, initdb) not found: install them (apt-get install postgresql) or set PG_BIN, or set DATABASE_URL');
  }
  return found;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** PostgreSQL refuses to run as root, so as root we run it as the `postgres` system user. */
export function serverUser(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error('running as root, and there is no `postgres` user to run the embedded PostgreSQL as (create one, or set DATABASE_URL)');
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** The server user must be able to reach its data folder: add search (x) permission where missing. */
function makeReachable(dir: string, user: RunAs): void {
  if (user.uid === undefined) return;
  let cur = path.dirname(path.resolve(dir));
  const chain: string[] = [];
  while (cur !== path.dirname(cur)) {
    chain.push(cur);
    cur = path.dirname(cur);
  }
  for (const d of chain.reverse()) {
    const st = fs.statSync(d);
    if ((st.mode & 0o001) === 0) fs.chmodSync(d, st.mode | 0o001);
  }
}

function spawnAs(bin: string, args: string[], user: RunAs, opts: SpawnOptions = {}): ChildProcess {
  return spawn(bin, args, { ...opts, uid: user.uid, gid: user.gid, env: { ...process.env, LC_ALL: 'C.UTF-8' } });
}

/** Creates the cluster on first use (trust auth, reachable on loopback only); reuses it after. */
export function ensureCluster(dataDir: string): void {
  if (fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  const bin = findPgBin();
  const user = serverUser();
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  makeReachable(dataDir, user);
  if (user.uid !== undefined) fs.chownSync(dataDir, user.uid, user.gid!);
  const res = spawnSync(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'], {
    uid: user.uid,
    gid: user.gid,
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  if (res.status !== 0) throw new Error(`initdb failed for ${dataDir}:\n${res.stderr || res.stdout}`);
}

export interface PostgresServer {
  process: ChildProcess;
  port: number;
  url(database: string): string;
  stop(): Promise<void>;
}

/**
 * Runs `postgres` in the foreground as a child process (so stopping our process stops it),
 * listening on 127.0.0.1 only. `fast` trades durability for speed (tests only).
 */
export async function startPostgres(opts: { dataDir: string; port: number; logFile: string; fast?: boolean }): Promise<PostgresServer> {
  ensureCluster(opts.dataDir);
  const bin = findPgBin();
  const user = serverUser();
  makeReachable(opts.dataDir, user);
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, 'a');
  const settings = [
    `listen_addresses=127.0.0.1`,
    // TCP only: a socket under a deep folder (a CI clone) passes PostgreSQL's 107-byte limit and the server would not start.
    'unix_socket_directories=',
    'max_connections=200',
    ...(opts.fast ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
  ];
  const child = spawnAs(path.join(bin, 'postgres'), ['-D', opts.dataDir, '-p', String(opts.port), ...settings.flatMap((s) => ['-c', s])], user, {
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const server: PostgresServer = {
    process: child,
    port: opts.port,
    url: (db) => `postgres://postgres@127.0.0.1:${opts.port}/${db}`,
    stop: () => stopChild(child, 'SIGINT', 30_000),
  };
  await waitFor(`PostgreSQL on port ${opts.port} (log: ${opts.logFile})`, () => canConnect(server.url('postgres')), 60_000, child);
  return server;
}

export async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates database `name` on the server of `adminUrl` if it does not exist. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Signals a child and waits for it to exit; SIGKILL after the grace period. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
