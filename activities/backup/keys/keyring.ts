// Backup keys: named 32-byte secrets that live outside the backups (a key file or the environment).
// Each backup names the key id it was written under; rotation adds a key and makes it current while
// the old ones stay in the keyring for reading. One secret per id yields two working keys by HKDF:
// one for AES-256-GCM on chunks, one for HMAC-SHA256 on manifests.
import { hkdfSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const KEY_BYTES = 32;
/** Key ids: a letter or digit, then letters, digits, `.`, `_`, `-` (no `:`: the env form splits on it). */
export const KEY_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HKDF_SALT = Buffer.from('yingji-backup/1');
export const CHUNK_KEY_INFO = 'yingji-chunk';
export const MANIFEST_KEY_INFO = 'yingji-manifest';
const CHECK_INFO = 'yingji-key-check';

export class KeyringError extends Error {
  override name = 'KeyringError';
}

/** One key of the keyring with its derived working keys. The secret itself is not exposed. */
export interface BackupKey {
  readonly id: string;
  /** AES-256-GCM key for chunks: HKDF-SHA256(secret, info "yingji-chunk"). */
  readonly chunkKey: Buffer;
  /** HMAC-SHA256 key for manifests: HKDF-SHA256(secret, info "yingji-manifest"). */
  readonly manifestKey: Buffer;
  /**
   * A public fingerprint of the secret (16 hex characters, HKDF info "yingji-key-check"), stored in
   * manifests so that "the keyring holds a different secret under this id" is told apart from
   * "the manifest was altered".
   */
  readonly check: string;
}

function derive(secret: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, info, 32));
}

function makeKey(id: string, secret: Buffer, source: string): BackupKey {
  if (!KEY_ID_RE.test(id)) {
    throw new KeyringError(`${source}: key id "${id}" is not valid (a letter or digit, then letters, digits, ".", "_" or "-", at most 64)`);
  }
  if (secret.length !== KEY_BYTES) {
    throw new KeyringError(`${source}: key "${id}" is ${secret.length} bytes, AES-256 needs exactly ${KEY_BYTES} (base64 of 32 random bytes)`);
  }
  return Object.freeze({
    id,
    chunkKey: derive(secret, CHUNK_KEY_INFO),
    manifestKey: derive(secret, MANIFEST_KEY_INFO),
    check: derive(secret, CHECK_INFO).subarray(0, 8).toString('hex'),
  });
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeSecret(id: string, text: unknown, source: string): Buffer {
  if (typeof text !== 'string') throw new KeyringError(`${source}: key "${id}" must be a base64 string`);
  const trimmed = text.trim();
  if (!BASE64_RE.test(trimmed)) throw new KeyringError(`${source}: key "${id}" is not valid base64`);
  return Buffer.from(trimmed, 'base64');
}

export class Keyring {
  private readonly keys: ReadonlyMap<string, BackupKey>;

  /**
   * `source` says where the keys came from, for error messages ("key file /etc/yingji/keys.json");
   * `file` is the key file they were read from, if any: only a key file can take a rotated key.
   */
  constructor(
    secrets: Readonly<Record<string, Buffer>>,
    private readonly currentId: string,
    readonly source = 'keyring',
    readonly file?: string,
  ) {
    const keys = new Map<string, BackupKey>();
    for (const [id, secret] of Object.entries(secrets)) keys.set(id, makeKey(id, secret, source));
    if (keys.size === 0) throw new KeyringError(`${source}: no keys`);
    if (!keys.has(currentId)) {
      throw new KeyringError(`${source}: current key "${currentId}" is not among the keys (${[...keys.keys()].join(', ')})`);
    }
    this.keys = keys;
  }

  /** The key new backups are written under. */
  current(): BackupKey {
    return this.keys.get(this.currentId) as BackupKey;
  }

  /** The key with this id; `neededBy` names what needs it (e.g. `backup full-1`) in the error. */
  get(id: string, neededBy?: string): BackupKey {
    const key = this.keys.get(id);
    if (!key) {
      throw new KeyringError(
        `key id "${id}"${neededBy ? ` needed by ${neededBy}` : ''} is not in the ${this.source} (it has ${this.ids().join(', ')}); ` +
          'keep old keys in the key file after rotation so older backups stay readable',
      );
    }
    return key;
  }

  has(id: string): boolean {
    return this.keys.has(id);
  }

  ids(): string[] {
    return [...this.keys.keys()];
  }
}

export interface LoadKeyringOptions {
  /** Allow a key file that other users can read (tests on file systems without modes). Default false. */
  allowWorldReadable?: boolean;
}

/**
 * The backup keyring from the environment: `YINGJI_BACKUP_KEYS_FILE` (a key file, see
 * `generateKeyFile`) or `YINGJI_BACKUP_KEY=<id>:<base64 of 32 bytes>` (one key). Exactly one of them.
 */
export function loadKeyring(env: NodeJS.ProcessEnv = process.env, opts: LoadKeyringOptions = {}): Keyring {
  const file = env.YINGJI_BACKUP_KEYS_FILE || undefined;
  const single = env.YINGJI_BACKUP_KEY || undefined;
  if (file && single) {
    throw new KeyringError('both YINGJI_BACKUP_KEYS_FILE and YINGJI_BACKUP_KEY are set: set one (a key file keeps old keys for reading after rotation)');
  }
  if (file) return readKeyFile(file, opts);
  if (single) {
    const colon = single.indexOf(':');
    if (colon < 1) throw new KeyringError('YINGJI_BACKUP_KEY must be <key id>:<base64 of 32 bytes>, e.g. k1:' + 'A'.repeat(43) + '=');
    const id = single.slice(0, colon);
    const source = 'YINGJI_BACKUP_KEY';
    return new Keyring({ [id]: decodeSecret(id, single.slice(colon + 1), source) }, id, source);
  }
  throw new KeyringError(
    'no backup keys: set YINGJI_BACKUP_KEYS_FILE to a key file (create one with generateKeyFile, mode 0600) or YINGJI_BACKUP_KEY=<id>:<base64 of 32 bytes>',
  );
}

interface KeyFile {
  current: string;
  keys: Record<string, string>;
}

/** Reads and checks a key file: `{ "current": "k2", "keys": { "k1": "<base64>", "k2": "<base64>" } }`. */
export function readKeyFile(file: string, opts: LoadKeyringOptions = {}): Keyring {
  const source = `key file ${file}`;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new KeyringError(`${source}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!st.isFile()) throw new KeyringError(`${source}: not a regular file`);
  if (process.platform !== 'win32' && (st.mode & 0o007) !== 0 && !opts.allowWorldReadable) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    const what = st.mode & 0o004 ? 'lets every user on this machine read the backup keys' : 'gives every user on this machine access to the backup keys';
    throw new KeyringError(`${source}: mode ${mode} ${what}; run chmod 600 ${file} (or 640 for a group of backup operators)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new KeyringError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const kf = parsed as Partial<KeyFile>;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new KeyringError(`${source}: expected an object { current, keys }`);
  if (typeof kf.current !== 'string') throw new KeyringError(`${source}: "current" must name the key id new backups use`);
  if (typeof kf.keys !== 'object' || kf.keys === null || Array.isArray(kf.keys)) {
    throw new KeyringError(`${source}: "keys" must be an object of key id -> base64 secret`);
  }
  const secrets: Record<string, Buffer> = {};
  for (const [id, text] of Object.entries(kf.keys)) secrets[id] = decodeSecret(id, text, source);
  return new Keyring(secrets, kf.current, source, file);
}

function writeKeyFileAtomic(file: string, content: KeyFile, exclusive: boolean): void {
  const text = JSON.stringify(content, null, 2) + '\n';
  if (exclusive) {
    fs.writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    fs.chmodSync(file, 0o600); // the umask may have removed bits, never added: make it exact
    return;
  }
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  fs.writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
  try {
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function newKeyId(existing: string[]): string {
  let n = existing.length + 1;
  while (existing.includes(`k${n}`)) n++;
  return `k${n}`;
}

/**
 * Creates a key file with one fresh random key (mode 0600). Refuses to overwrite an existing file.
 * Returns the key id.
 */
export function generateKeyFile(file: string, id = 'k1'): string {
  if (!KEY_ID_RE.test(id)) throw new KeyringError(`key id "${id}" is not valid`);
  try {
    writeKeyFileAtomic(file, { current: id, keys: { [id]: randomBytes(KEY_BYTES).toString('base64') } }, true);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new KeyringError(`key file ${file} exists: not overwriting backup keys (use rotateKeyFile to add one)`);
    throw e;
  }
  return id;
}

/**
 * Rotation: adds a fresh key to an existing key file and makes it current; old keys stay for reading
 * older backups. Returns the new key id. A lock file beside the key file keeps two rotations from
 * each writing the file without the other's key (a backup written under a lost key is unreadable).
 */
export function rotateKeyFile(file: string, id?: string): string {
  const lock = `${file}.lock`;
  try {
    fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new KeyringError(`key file ${file} is being rotated by another process (${lock} exists; remove it if no rotation is running)`);
    }
    throw e;
  }
  try {
    readKeyFile(file); // checks mode and content before anything is changed
    const content = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFile;
    const newId = id ?? newKeyId(Object.keys(content.keys));
    if (!KEY_ID_RE.test(newId)) throw new KeyringError(`key id "${newId}" is not valid`);
    if (content.keys[newId] !== undefined) throw new KeyringError(`key file ${file} already has a key "${newId}"`);
    writeKeyFileAtomic(file, { ...content, current: newId, keys: { ...content.keys, [newId]: randomBytes(KEY_BYTES).toString('base64') } }, false);
    return newId;
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
