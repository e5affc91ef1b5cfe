// Reading and verifying backups. Verification writes nothing; `readChunks` yields a chunk only after
// its SHA-256, its GCM tag, its header and its row count have been checked. Every refusal is a
// `BackupIntegrityError` naming the backup and the chunk (or the manifest) and what is wrong.
import { ChainLink, checkChainLinks, isBackupId } from '../../../domain/backup/chain';
import { BackupKey, Keyring, KeyringError } from '../keys/keyring';
import { BackupStore, StoreNotFoundError } from '../store/store';
import { ChunkHeader, countLines, decodeHeader, decompress, openChunk, sha256Hex } from './chunk';
import { BackupIntegrityError } from './errors';
import { BackupManifest, chunkPath, ChunkEntry, ClassCount, macMatches, MANIFEST_FILE, manifestPath, manifestShapeProblems } from './manifest';

/** `checksums`: manifest, keys, presence, length and SHA-256 of every chunk. `full`: also decrypt, decompress and count rows. */
export type VerifyDepth = 'checksums' | 'full';

export interface VerifyOptions {
  /** Default `full`. */
  depth?: VerifyDepth;
  /** Chunks read and checked at once (default 4). */
  concurrency?: number;
}

export interface BackupReport {
  backupId: string;
  kind: BackupManifest['kind'];
  parentId: string | null;
  baseFullId: string | null;
  pointInTime: string;
  keyId: string;
  codec: BackupManifest['codec'];
  chunkCount: number;
  rowCount: number;
  rawBytes: number;
  storedBytes: number;
  classes: ClassCount[];
  depth: VerifyDepth;
  /** Files under the backup that the manifest does not list (left by an interrupted writer; harmless). */
  strayFiles: string[];
  elapsedMs: number;
}

export interface ChainReport {
  ids: string[];
  /** The point in time the chain restores to (its last backup's). */
  pointInTime: string;
  backups: BackupReport[];
  elapsedMs: number;
}

export interface RestoredChunk {
  seq: number;
  cls: string;
  rowCount: number;
  rows: Buffer;
}

const fail = (m: { backupId: string }, problem: BackupIntegrityError['problem'], detail: string, entry?: ChunkEntry) =>
  new BackupIntegrityError(m.backupId, problem, detail, entry ? { seq: entry.seq, file: chunkPath(m.backupId, entry.file) } : undefined, entry ? undefined : `manifest ${manifestPath(m.backupId)}`);

function keyFor(keyring: Keyring, m: { backupId: string }, keyId: string, entry?: ChunkEntry): BackupKey {
  try {
    return keyring.get(keyId, `backup ${m.backupId}`);
  } catch (e) {
    if (e instanceof KeyringError) throw fail(m, 'key-missing', e.message, entry);
    throw e;
  }
}

/**
 * The authenticated manifest of a backup. Checks, in order: it exists, it is JSON, its key is in the
 * keyring and is the same secret it was written with, its HMAC, its shape, and that it belongs to
 * this backup id.
 */
export async function readManifest(store: BackupStore, keyring: Keyring, backupId: string): Promise<BackupManifest> {
  const ref = { backupId };
  if (!isBackupId(backupId)) throw fail(ref, 'manifest-missing', 'not a valid backup id (letters, digits, ".", "_", ":", "-")');
  let text: Buffer;
  try {
    text = await store.get(manifestPath(backupId));
  } catch (e) {
    if (!(e instanceof StoreNotFoundError)) throw fail(ref, 'store', `cannot read the manifest: ${(e as Error).message}`);
    const files = await store.list(`${backupId}/`).catch(() => [] as string[]);
    throw fail(
      ref,
      'manifest-missing',
      files.length
        ? `no manifest in ${store.description}, only ${files.length} chunk file(s): the backup is incomplete (its writer did not finish) or its manifest was deleted`
        : `no such backup in ${store.description} (no manifest, no chunks)`,
    );
  }
  let m: BackupManifest;
  try {
    m = JSON.parse(text.toString('utf8')) as BackupManifest;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new Error('not an object');
  } catch (e) {
    throw fail(ref, 'manifest-invalid', `not a valid manifest (${(e as Error).message})`);
  }
  const keyId = typeof m.mac?.keyId === 'string' ? m.mac.keyId : undefined;
  if (!keyId || m.mac.alg !== 'HMAC-SHA256' || typeof m.mac.value !== 'string') throw fail(ref, 'manifest-invalid', 'the manifest has no HMAC-SHA256 authentication (mac)');
  if (m.keyId !== keyId) throw fail(ref, 'manifest-altered', `the manifest names key ${JSON.stringify(m.keyId)} but is authenticated under ${JSON.stringify(keyId)}`);
  const key = keyFor(keyring, ref, keyId);
  if (m.keyCheck !== key.check) {
    throw fail(
      ref,
      'key-wrong',
      `key "${keyId}" in the ${keyring.source} is not the key this backup was written with (key check ${key.check}, the backup expects ${String(m.keyCheck)}): ` +
        'restore the original secret under this id',
    );
  }
  if (!macMatches(m, key)) throw fail(ref, 'manifest-altered', `HMAC-SHA256 under key "${keyId}" does not match: the manifest was altered after it was written`);
  const problems = manifestShapeProblems(m);
  if (problems.length) throw fail(ref, 'manifest-invalid', `authentic but not readable by this version: ${problems.join('; ')}`);
  if (m.backupId !== backupId) throw fail(ref, 'manifest-misplaced', `the manifest stored here is the manifest of backup ${m.backupId}`);
  return m;
}

/** Checks a manifest object handed in (e.g. from the catalog) is authentic before it is trusted. */
export function authenticateManifest(keyring: Keyring, m: BackupManifest): BackupManifest {
  const ref = { backupId: typeof m?.backupId === 'string' ? m.backupId : '(unnamed)' };
  const key = keyFor(keyring, ref, String(m?.mac?.keyId));
  if (m.keyCheck !== key.check) throw fail(ref, 'key-wrong', `key "${key.id}" in the ${keyring.source} is not the key this backup was written with`);
  if (m.keyId !== key.id || !macMatches(m, key)) throw fail(ref, 'manifest-altered', `HMAC-SHA256 under key "${key.id}" does not match: the manifest was altered`);
  const problems = manifestShapeProblems(m);
  if (problems.length) throw fail(ref, 'manifest-invalid', problems.join('; '));
  return m;
}

class ChunkChecker {
  private readonly bySha: Map<string, ChunkEntry>;

  constructor(
    private readonly store: BackupStore,
    private readonly keyring: Keyring,
    private readonly m: BackupManifest,
  ) {
    this.bySha = new Map(m.chunks.map((c) => [c.sha256, c]));
  }

  /** Every key the chunks need, before any data is read. */
  checkKeys(): void {
    for (const keyId of new Set(this.m.chunks.map((c) => c.keyId))) {
      keyFor(this.keyring, this.m, keyId, this.m.chunks.find((c) => c.keyId === keyId));
    }
  }

  async fetch(entry: ChunkEntry): Promise<Buffer> {
    try {
      return await this.store.get(chunkPath(this.m.backupId, entry.file));
    } catch (e) {
      if (e instanceof StoreNotFoundError) throw fail(this.m, 'chunk-missing', `missing: no such file in ${this.store.description}`, entry);
      throw fail(this.m, 'store', `cannot read: ${(e as Error).message}`, entry);
    }
  }

  /** SHA-256 and length against the manifest, then the header against the manifest entry. */
  checkStored(entry: ChunkEntry, stored: Buffer): ChunkHeader {
    const sha = sha256Hex(stored);
    if (sha !== entry.sha256) throw this.diagnose(entry, stored, sha);
    const h = decodeHeader(stored);
    const wrong: string[] = [];
    if (!h) throw fail(this.m, 'chunk-header', 'no valid chunk header, although the SHA-256 matches the manifest', entry);
    if (h.backupId !== this.m.backupId) wrong.push(`backup ${h.backupId}`);
    if (h.seq !== entry.seq) wrong.push(`seq ${h.seq}`);
    if (h.cls !== entry.class) wrong.push(`class ${h.cls}`);
    if (h.keyId !== entry.keyId) wrong.push(`key ${h.keyId}`);
    if (h.rowCount !== entry.rowCount) wrong.push(`${h.rowCount} rows`);
    if (h.rawBytes !== entry.rawBytes) wrong.push(`${h.rawBytes} raw bytes`);
    if (h.codec !== this.m.codec) wrong.push(`codec ${h.codec}`);
    if (h.iv.toString('base64') !== entry.iv) wrong.push('another IV');
    if (wrong.length) throw fail(this.m, 'chunk-header', `the chunk's header says ${wrong.join(', ')}, unlike the manifest`, entry);
    return h;
  }

  /** Decrypts (GCM tag), decompresses and counts rows. */
  async open(entry: ChunkEntry, stored: Buffer, h: ChunkHeader): Promise<Buffer> {
    const key = keyFor(this.keyring, this.m, entry.keyId, entry);
    let compressed: Buffer;
    try {
      compressed = openChunk(key.chunkKey, h, stored);
    } catch {
      throw fail(
        this.m,
        'chunk-undecryptable',
        `AES-256-GCM authentication failed under key "${entry.keyId}" although the bytes match the manifest's SHA-256: the keyring's "${entry.keyId}" is not the key the chunk was written with`,
        entry,
      );
    }
    let rows: Buffer;
    try {
      rows = await decompress(h.codec, compressed, entry.rawBytes);
    } catch (e) {
      throw fail(this.m, 'chunk-data', `does not decompress (${h.codec}): ${(e as Error).message}`, entry);
    }
    if (rows.length !== entry.rawBytes) throw fail(this.m, 'chunk-data', `decompresses to ${rows.length} bytes, the manifest says ${entry.rawBytes}`, entry);
    if (this.m.rowFormat === 'lines') {
      const lines = countLines(rows);
      if (lines !== entry.rowCount || rows[rows.length - 1] !== 10) throw fail(this.m, 'chunk-data', `holds ${lines} rows, the manifest says ${entry.rowCount}`, entry);
    }
    return rows;
  }

  async read(entry: ChunkEntry, depth: VerifyDepth): Promise<Buffer | null> {
    const stored = await this.fetch(entry);
    const h = this.checkStored(entry, stored);
    return depth === 'full' ? this.open(entry, stored, h) : null;
  }

  /** Why a chunk file's SHA-256 is not the manifest's: most specific explanation first. */
  private diagnose(entry: ChunkEntry, stored: Buffer, sha: string): BackupIntegrityError {
    const other = this.bySha.get(sha);
    if (other) {
      return fail(this.m, 'chunk-reordered', `holds the bytes of chunk ${other.seq} (${other.file}), not of chunk ${entry.seq}: chunk files were reordered or renamed`, entry);
    }
    // A whole chunk of another position or backup: its header says so, and GCM (header = AAD) proves it.
    const h = decodeHeader(stored);
    if (h && (h.backupId !== this.m.backupId || h.seq !== entry.seq) && this.keyring.has(h.keyId)) {
      let authentic = false;
      try {
        openChunk(this.keyring.get(h.keyId).chunkKey, h, stored);
        authentic = true;
      } catch {
        // not a whole, authentic chunk: fall through to the byte-level explanations
      }
      if (authentic && h.backupId !== this.m.backupId) {
        return fail(this.m, 'chunk-foreign', `holds chunk ${h.seq} of backup ${h.backupId}: a chunk was moved or copied between backups`, entry);
      }
      if (authentic) return fail(this.m, 'chunk-reordered', `holds another chunk of this backup (seq ${h.seq}, a different write): chunks reordered`, entry);
    }
    if (stored.length < entry.byteLength) return fail(this.m, 'chunk-truncated', `truncated: ${stored.length} of ${entry.byteLength} bytes`, entry);
    if (stored.length > entry.byteLength) return fail(this.m, 'chunk-extended', `${stored.length} bytes, the manifest says ${entry.byteLength}: bytes were added`, entry);
    return fail(
      this.m,
      'chunk-altered',
      `altered: SHA-256 ${sha.slice(0, 16)}… is not the manifest's ${entry.sha256.slice(0, 16)}… (same length: a flipped or overwritten byte)`,
      entry,
    );
  }
}

/** Maps with up to `concurrency` calls in flight, yielding results in input order; the first failure in order is thrown. */
async function* orderedMap<T, R>(items: readonly T[], concurrency: number, fn: (t: T) => Promise<R>): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  let next = 0;
  const launch = () => {
    const p = fn(items[next++]);
    p.catch(() => undefined); // failures surface when awaited in order; never as unhandled rejections
    pending.push(p);
  };
  while (next < items.length && pending.length < Math.max(1, concurrency)) launch();
  while (pending.length) {
    const r = await (pending.shift() as Promise<R>);
    if (next < items.length) launch();
    yield r;
  }
}

async function verifyManifestChunks(store: BackupStore, keyring: Keyring, m: BackupManifest, opts: VerifyOptions, started: number): Promise<BackupReport> {
  const depth = opts.depth ?? 'full';
  const checker = new ChunkChecker(store, keyring, m);
  checker.checkKeys();
  for await (const _ of orderedMap(m.chunks, opts.concurrency ?? 4, (c) => checker.read(c, depth))) {
    // each chunk checked; nothing kept
  }
  const known = new Set([manifestPath(m.backupId), ...m.chunks.map((c) => chunkPath(m.backupId, c.file))]);
  const strayFiles = (await store.list(`${m.backupId}/`)).filter((p) => !known.has(p));
  return {
    backupId: m.backupId,
    kind: m.kind,
    parentId: m.parentId,
    baseFullId: m.baseFullId,
    pointInTime: m.pointInTime,
    keyId: m.keyId,
    codec: m.codec,
    chunkCount: m.chunks.length,
    rowCount: m.rowCount,
    rawBytes: m.rawBytes,
    storedBytes: m.storedBytes,
    classes: m.classes,
    depth,
    strayFiles,
    elapsedMs: Date.now() - started,
  };
}

/**
 * Verifies one backup without writing anywhere: manifest authenticity, keys, every chunk present
 * with its length and SHA-256, and (depth `full`, the default) its GCM tag, decompression and row
 * count. Throws `BackupIntegrityError` at the first problem, in chunk order.
 */
export async function verifyBackup(store: BackupStore, keyring: Keyring, backupId: string, opts: VerifyOptions = {}): Promise<BackupReport> {
  const started = Date.now();
  return verifyManifestChunks(store, keyring, await readManifest(store, keyring, backupId), opts, started);
}

export interface ReadChunksOptions {
  /** Only chunks of these classes (still in manifest order). */
  classes?: readonly string[];
  /** Chunks fetched and checked ahead of the consumer (default 2). */
  prefetch?: number;
}

/**
 * The rows of a backup, chunk by chunk in manifest order, each yielded only after it is fully
 * checked (SHA-256, header, GCM tag, decompression, row count). For restores: verify the whole
 * chain first (`verifyChain`), then read.
 */
export async function* readChunks(store: BackupStore, keyring: Keyring, manifest: BackupManifest, opts: ReadChunksOptions = {}): AsyncGenerator<RestoredChunk> {
  const m = authenticateManifest(keyring, manifest);
  const checker = new ChunkChecker(store, keyring, m);
  checker.checkKeys();
  const wanted = opts.classes ? m.chunks.filter((c) => opts.classes?.includes(c.class)) : m.chunks;
  const it = orderedMap(wanted, opts.prefetch ?? 2, async (c) => ({ seq: c.seq, cls: c.class, rowCount: c.rowCount, rows: (await checker.read(c, 'full')) as Buffer }));
  for await (const chunk of it) yield chunk;
}

const linkOf = (m: BackupManifest): ChainLink => ({
  id: m.backupId,
  kind: m.kind,
  parentId: m.parentId,
  baseFullId: m.baseFullId,
  pointInTime: m.pointInTime,
  fromChange: m.fromChange,
  toChange: m.toChange,
});

/**
 * Verifies a restore chain (full first) without writing anywhere: every manifest is read from the
 * store and authenticated, the links are checked (parents, kinds, base full, change ranges, times),
 * and only then every backup's chunks. Manifests handed in must match the stored ones.
 */
export async function verifyChain(store: BackupStore, keyring: Keyring, chain: ReadonlyArray<string | BackupManifest>, opts: VerifyOptions = {}): Promise<ChainReport> {
  const started = Date.now();
  const ids = chain.map((c) => (typeof c === 'string' ? c : c.backupId));
  if (ids.length === 0) throw new BackupIntegrityError('(none)', 'chain-broken', 'the chain is empty: it needs at least a full backup', undefined, 'chain');
  const route = ids.join(' -> ');
  const manifests: BackupManifest[] = [];
  for (const [i, c] of chain.entries()) {
    let m: BackupManifest;
    try {
      m = await readManifest(store, keyring, ids[i]);
    } catch (e) {
      if (e instanceof BackupIntegrityError) throw new BackupIntegrityError(e.backupId, e.problem, `${e.detail} (link ${i + 1} of ${ids.length} of the chain ${route})`, e.chunk, e.where);
      throw e;
    }
    if (typeof c !== 'string' && c.mac?.value !== m.mac.value) {
      throw fail(m, 'manifest-altered', `the manifest handed in for link ${i + 1} of the chain ${route} is not the one stored`);
    }
    manifests.push(m);
  }
  const problems = checkChainLinks(manifests.map(linkOf));
  if (problems.length) {
    const p = problems[0];
    throw new BackupIntegrityError(ids[p.index], 'chain-broken', `${p.message} (chain ${route})`, undefined, 'chain');
  }
  // Every key of every chunk before any data is read.
  for (const m of manifests) new ChunkChecker(store, keyring, m).checkKeys();
  const backups: BackupReport[] = [];
  for (const m of manifests) backups.push(await verifyManifestChunks(store, keyring, m, opts, Date.now()));
  return { ids, pointInTime: manifests[manifests.length - 1].pointInTime, backups, elapsedMs: Date.now() - started };
}

/** Ids of the backups in a store that have a manifest (complete ones), sorted. */
export async function listBackups(store: BackupStore): Promise<string[]> {
  return (await store.list(''))
    .filter((p) => p.endsWith(`/${MANIFEST_FILE}`) && p.split('/').length === 2)
    .map((p) => p.slice(0, -MANIFEST_FILE.length - 1));
}

/** Deletes a backup: the manifest first (so a half-deleted backup reads as incomplete), then its chunks. */
export async function deleteBackup(store: BackupStore, backupId: string): Promise<number> {
  await store.delete(manifestPath(backupId));
  const files = await store.list(`${backupId}/`);
  for (const f of files) await store.delete(f);
  return files.length + 1;
}
