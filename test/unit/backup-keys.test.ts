// Backup keys: a key file or the environment, never the backup; rotation keeps old backups readable.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackupWriter, readChunks, readManifest, verifyBackup } from '../../activities/backup/format';
import { generateKeyFile, Keyring, KeyringError, loadKeyring, readKeyFile, rotateKeyFile } from '../../activities/backup/keys/keyring';
import { DirectoryStore } from '../../activities/backup/store';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-keys-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const b64 = (n = 32) => randomBytes(n).toString('base64');
const keyFile = (content: unknown, mode = 0o600) => {
  const f = path.join(dir, 'keys.json');
  fs.writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content), { mode });
  fs.chmodSync(f, mode);
  return f;
};

describe('loadKeyring', () => {
  it('reads a key file: current key for writing, every key for reading', () => {
    const f = keyFile({ current: 'k2', keys: { k1: b64(), k2: b64() } });
    const ring = loadKeyring({ YINGJI_BACKUP_KEYS_FILE: f });
    expect(ring.current().id).toBe('k2');
    expect(ring.ids()).toEqual(['k1', 'k2']);
    expect(ring.get('k1').id).toBe('k1');
    expect(ring.source).toBe(`key file ${f}`);
  });

  it('reads one key from YINGJI_BACKUP_KEY=<id>:<base64>', () => {
    const ring = loadKeyring({ YINGJI_BACKUP_KEY: `prod-2025:${b64()}` });
    expect(ring.current().id).toBe('prod-2025');
  });

  it('derives separate chunk and manifest keys from one secret, the same every time', () => {
    const secret = randomBytes(32);
    const a = new Keyring({ k1: secret }, 'k1').current();
    const b = new Keyring({ k1: Buffer.from(secret) }, 'k1').current();
    expect(a.chunkKey.equals(b.chunkKey)).toBe(true);
    expect(a.manifestKey.equals(b.manifestKey)).toBe(true);
    expect(a.chunkKey.equals(a.manifestKey)).toBe(false);
    expect(a.chunkKey.equals(secret) || a.manifestKey.equals(secret)).toBe(false);
    expect(a.check).toMatch(/^[0-9a-f]{16}$/);
    expect(a).not.toHaveProperty('secret');
  });

  it('refuses a key file other users can read, with the fix', () => {
    const f = keyFile({ current: 'k1', keys: { k1: b64() } }, 0o644);
    expect(() => loadKeyring({ YINGJI_BACKUP_KEYS_FILE: f })).toThrow(`key file ${f}: mode 0644 lets every user on this machine read the backup keys; run chmod 600 ${f}`);
    fs.chmodSync(f, 0o640);
    expect(loadKeyring({ YINGJI_BACKUP_KEYS_FILE: f }).current().id).toBe('k1');
  });

  it('names each problem', () => {
    const bad = (content: unknown) => () => readKeyFile(keyFile(content));
    expect(bad({ current: 'k1', keys: { k1: b64(16) } })).toThrow('key "k1" is 16 bytes, AES-256 needs exactly 32');
    expect(bad({ current: 'k1', keys: { k1: 'not base64!' } })).toThrow('key "k1" is not valid base64');
    expect(bad({ current: 'k3', keys: { k1: b64(), k2: b64() } })).toThrow('current key "k3" is not among the keys (k1, k2)');
    expect(bad({ current: 'k1', keys: {} })).toThrow('no keys');
    expect(bad({ keys: { k1: b64() } })).toThrow('"current" must name the key id new backups use');
    expect(bad({ current: 'k1', keys: { 'bad id': b64() } })).toThrow('key id "bad id" is not valid');
    expect(bad('{ nope')).toThrow('not valid JSON');
    expect(() => readKeyFile(path.join(dir, 'absent.json'))).toThrow('cannot read it (ENOENT)');
    expect(() => loadKeyring({})).toThrow('no backup keys: set YINGJI_BACKUP_KEYS_FILE');
    expect(() => loadKeyring({ YINGJI_BACKUP_KEY: b64() })).toThrow('YINGJI_BACKUP_KEY must be <key id>:<base64 of 32 bytes>');
    expect(() => loadKeyring({ YINGJI_BACKUP_KEY: `k1:${b64(31)}` })).toThrow('YINGJI_BACKUP_KEY: key "k1" is 31 bytes');
    expect(() => loadKeyring({ YINGJI_BACKUP_KEY: `k1:${b64()}`, YINGJI_BACKUP_KEYS_FILE: '/x' })).toThrow('both YINGJI_BACKUP_KEYS_FILE and YINGJI_BACKUP_KEY are set');
    const ring = new Keyring({ k2: randomBytes(32) }, 'k2', 'key file /etc/yingji/keys.json');
    expect(() => ring.get('k1', 'backup full-1')).toThrow(KeyringError);
    expect(() => ring.get('k1', 'backup full-1')).toThrow('key id "k1" needed by backup full-1 is not in the key file /etc/yingji/keys.json (it has k2)');
  });
});

describe('generateKeyFile and rotateKeyFile', () => {
  it('creates a 0600 key file with one random key and never overwrites it', () => {
    const f = path.join(dir, 'backup-keys.json');
    expect(generateKeyFile(f)).toBe('k1');
    expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    const ring = loadKeyring({ YINGJI_BACKUP_KEYS_FILE: f });
    expect(ring.ids()).toEqual(['k1']);
    expect(() => generateKeyFile(f)).toThrow(`key file ${f} exists: not overwriting backup keys`);
  });

  it('rotation adds a current key and keeps the old ones', () => {
    const f = path.join(dir, 'backup-keys.json');
    generateKeyFile(f);
    const before = JSON.parse(fs.readFileSync(f, 'utf8'));
    expect(rotateKeyFile(f)).toBe('k2');
    const after = JSON.parse(fs.readFileSync(f, 'utf8'));
    expect(after.current).toBe('k2');
    expect(after.keys.k1).toBe(before.keys.k1);
    expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    expect(rotateKeyFile(f, '2026-q1')).toBe('2026-q1');
    expect(() => rotateKeyFile(f, 'k1')).toThrow('already has a key "k1"');
    expect(fs.readdirSync(dir)).toEqual(['backup-keys.json']);
  });
});

describe('key rotation and backups', () => {
  it('old backups stay readable after rotation; without the old key they are refused naming it', async () => {
    const store = new DirectoryStore(path.join(dir, 'store'), { durable: false });
    const f = path.join(dir, 'keys.json');
    generateKeyFile(f);
    const at = '2025-03-01T00:00:00Z';
    const write = async (id: string, ring: Keyring) => {
      const w = new BackupWriter(store, ring, { backupId: id });
      await w.addChunk('archive', Buffer.from('1\ta\n2\tb\n'), 2);
      return w.finish({ kind: 'full', takenAt: at, pointInTime: at });
    };
    const old = await write('full-old', loadKeyring({ YINGJI_BACKUP_KEYS_FILE: f }));
    expect(old.keyId).toBe('k1');

    rotateKeyFile(f);
    const ring2 = loadKeyring({ YINGJI_BACKUP_KEYS_FILE: f });
    const fresh = await write('full-new', ring2);
    expect(fresh.keyId).toBe('k2');
    expect(fresh.chunks[0].keyId).toBe('k2');
    await expect(verifyBackup(store, ring2, 'full-old')).resolves.toMatchObject({ keyId: 'k1', rowCount: 2 });
    const rows: string[] = [];
    for await (const c of readChunks(store, ring2, await readManifest(store, ring2, 'full-old'))) rows.push(c.rows.toString());
    expect(rows).toEqual(['1\ta\n2\tb\n']);

    // The operator drops k1 from the key file: the old backup is refused with a message naming k1.
    const content = JSON.parse(fs.readFileSync(f, 'utf8'));
    delete content.keys.k1;
    fs.writeFileSync(f, JSON.stringify(content));
    const ring3 = loadKeyring({ YINGJI_BACKUP_KEYS_FILE: f });
    await expect(verifyBackup(store, ring3, 'full-old')).rejects.toThrow(
      `backup full-old, manifest full-old/manifest.json: key id "k1" needed by backup full-old is not in the key file ${f} (it has k2); keep old keys in the key file after rotation`,
    );
    await expect(verifyBackup(store, ring3, 'full-new')).resolves.toMatchObject({ keyId: 'k2' });
  });
});
