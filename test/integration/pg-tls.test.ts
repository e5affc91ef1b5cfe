import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { generate } from 'selfsigned';
import { loadConfig } from '../../apps/shared/config';
import { createDataSource, runMigrations } from '../../migrations/data-source';
import { ensureCluster, ensureDatabase, PostgresServer, startPostgres } from '../../scripts/stack/postgres';
import { freePort } from '../../scripts/stack/ports';

/** A self-signed certificate (its own CA) for these names. */
async function selfSigned(...names: string[]): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: names[0] }], { algorithm: 'sha256', extensions: [{ name: 'subjectAltName', altNames: names.map((value) => ({ type: 2 as const, value })) }] });
  return { cert: pems.cert, key: pems.private };
}

// Issue 15: PostgreSQL over TLS when the URL asks for it, with sslmode meaning what libpq means.
describe('PostgreSQL TLS', () => {
  let dir: string;
  let server: PostgresServer;
  let caFile: string;
  let wrongCaFile: string;
  /** The server's certificate and key in its data folder (the defaults server.crt / server.key), owned by the server, the key readable by it only. */
  const installCert = (dataDir: string, pems: { cert: string; key: string }) => {
    const st = fs.statSync(dataDir);
    for (const [name, text, mode] of [['server.crt', pems.cert, 0o644], ['server.key', pems.key, 0o600]] as const) {
      fs.writeFileSync(path.join(dataDir, name), text, { mode });
      fs.chownSync(path.join(dataDir, name), st.uid, st.gid);
    }
  };
  const url = (host: string, query: string) => `postgres://postgres@${host}:${server.port}/yingji_tls?${query}`;
  const sslOf = async (databaseUrl: string) => {
    const ds = createDataSource(databaseUrl);
    await ds.initialize();
    try {
      const [row] = await ds.query(`SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()`);
      return row as { ssl: boolean; version: string | null };
    } finally {
      await ds.destroy();
    }
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-pgtls-'));
    const dataDir = path.join(dir, 'pg');
    ensureCluster(dataDir);
    const serverCert = await selfSigned('localhost');
    installCert(dataDir, serverCert);
    fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), '\nssl = on\n');
    caFile = path.join(dir, 'db-ca.pem');
    fs.writeFileSync(caFile, serverCert.cert);
    wrongCaFile = path.join(dir, 'other-ca.pem');
    fs.writeFileSync(wrongCaFile, (await selfSigned('localhost')).cert);
    server = await startPostgres({ dataDir, port: await freePort(), logFile: path.join(dir, 'postgres.log'), fast: true });
    await ensureDatabase(server.url('postgres'), 'yingji_tls');
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sslmode=require: Yingji migrates and talks over TLS to a server with a self-signed certificate (as libpq would); without the URL the connection is plain', async () => {
    const config = loadConfig({ DATABASE_URL: url('127.0.0.1', 'sslmode=require') });
    expect(config.databaseUrl).toBe(url('127.0.0.1', 'sslmode=require&uselibpqcompat=true'));
    expect(await runMigrations(config.databaseUrl)).not.toHaveLength(0);
    expect(await sslOf(config.databaseUrl)).toEqual({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) });
    expect(await sslOf(url('127.0.0.1', 'sslmode=disable'))).toEqual({ ssl: false, version: null });
    // node-postgres alone would read require as verify-full and refuse this certificate.
    const raw = new Client({ connectionString: url('127.0.0.1', 'sslmode=require') });
    await expect(raw.connect()).rejects.toThrow(/self[- ]signed certificate/);
  });

  it('sslmode=verify-full checks the CA and the host name: the right CA connects, a wrong CA or another host name fails saying why', async () => {
    const ok = loadConfig({ DATABASE_URL: url('localhost', `sslmode=verify-full&sslrootcert=${caFile}`) }).databaseUrl;
    expect((await sslOf(ok)).ssl).toBe(true);

    const wrongCa = loadConfig({ DATABASE_URL: url('localhost', `sslmode=verify-full&sslrootcert=${wrongCaFile}`) }).databaseUrl;
    await expect(sslOf(wrongCa)).rejects.toThrow(/self[- ]signed certificate/);
    // node-postgres would check an address as "localhost": refused before any connection.
    expect(() => loadConfig({ DATABASE_URL: url('127.0.0.1', `sslmode=verify-full&sslrootcert=${caFile}`) })).toThrow(
      "DATABASE_URL: sslmode=verify-full needs the host name the server's certificate names, not the address 127.0.0.1",
    );

    // The server now shows a certificate for db.example: the same server under "localhost" is not the name it proves.
    const dataDir = path.join(dir, 'pg');
    const other = await selfSigned('db.example');
    installCert(dataDir, other);
    const otherCa = path.join(dir, 'db-example-ca.pem');
    fs.writeFileSync(otherCa, other.cert);
    const admin = new Client({ connectionString: server.url('postgres') });
    await admin.connect();
    await admin.query('SELECT pg_reload_conf()');
    await admin.end();
    const otherName = loadConfig({ DATABASE_URL: url('localhost', `sslmode=verify-full&sslrootcert=${otherCa}`) }).databaseUrl;
    await expect(sslOf(otherName)).rejects.toThrow("Hostname/IP does not match certificate's altnames: Host: localhost. is not in the cert's altnames: DNS:db.example");
    // verify-ca checks the CA only, as libpq does.
    const caOnly = loadConfig({ DATABASE_URL: url('localhost', `sslmode=verify-ca&sslrootcert=${otherCa}`) }).databaseUrl;
    expect((await sslOf(caOnly)).ssl).toBe(true);
  });

  it('a mode it cannot honour or a CA file that is not there is refused at start, naming the setting', () => {
    expect(() => loadConfig({ DATABASE_URL: url('127.0.0.1', 'sslmode=allow') })).toThrow('DATABASE_URL: sslmode=allow is not supported; use disable, prefer, require, verify-ca, verify-full');
    expect(() => loadConfig({ INVOICE_DATABASE_URL: url('localhost', 'sslmode=verify-full&sslrootcert=/nowhere/ca.pem') })).toThrow('INVOICE_DATABASE_URL: sslrootcert=/nowhere/ca.pem does not exist');
    expect(() => loadConfig({ DATABASE_URL: url('127.0.0.1', 'sslmode=verify-ca') })).toThrow('DATABASE_URL: sslmode=verify-ca needs sslrootcert=<CA file>');
  });
});
