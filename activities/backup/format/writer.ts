// Writes one backup: chunks as rows arrive (compressed, encrypted, hashed and stored, several at a
// time), then the manifest. Memory stays bounded by `concurrency` chunks whatever the backup's size.
import { Writable } from 'node:stream';
import { BACKUP_KINDS, BackupKind, isBackupId } from '../../../domain/backup/chain';
import type { BackupKey, Keyring } from '../keys/keyring';
import type { BackupStore } from '../store/store';
import { CodecName, compress, countLines, DEFAULT_CODEC, isCodecName, MAX_CHUNK_RAW_BYTES, sealChunk, sha256Hex } from './chunk';
import { BackupManifest, chunkFileName, chunkPath, ChunkEntry, ClassCount, MANIFEST_FORMAT, manifestPath, RowFormat, signManifest } from './manifest';

export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

export interface BackupWriterOptions {
  backupId: string;
  /** Default `brotli` (quality 1). */
  codec?: CodecName;
  /** `lines` (default): COPY text rows, each ending in `\n`; row counts are checked against the newlines. */
  rowFormat?: RowFormat;
  /** Target size of a chunk's rows for `rowStream` (default 4 MiB). */
  chunkBytes?: number;
  /** Chunks being compressed and stored at once (default 4). */
  concurrency?: number;
}

export type ChangePosition = string | number | bigint;

export interface FinishInfo {
  kind: BackupKind;
  /** The backup this one's changes start from: null for a full; the full for a differential; the previous backup for an incremental. */
  parentId?: string | null;
  /** The full at the root of the chain: null for a full. */
  baseFullId?: string | null;
  /** Change position the backup starts after (null for a full) and the one it is consistent at. */
  fromChange?: ChangePosition | null;
  toChange?: ChangePosition | null;
  takenAt: Date | string;
  /** The instant the backup's data is consistent as of. */
  pointInTime: Date | string;
  /** Priority classes in order; those without rows are listed with 0 rows (the class is empty, not missing). */
  classes?: readonly string[];
  labels?: Record<string, string>;
}

export class BackupWriterError extends Error {
  override name = 'BackupWriterError';
}

type State = 'open' | 'finishing' | 'finished' | 'failed' | 'aborted';

export class BackupWriter {
  readonly backupId: string;
  /** The key id chunks and manifest are written under (the keyring's current key). */
  readonly keyId: string;
  private readonly key: BackupKey;
  readonly codec: CodecName;
  readonly rowFormat: RowFormat;
  private readonly chunkBytes: number;
  private readonly concurrency: number;
  private readonly entries: ChunkEntry[] = [];
  private readonly classOrder: string[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private seq = 0;
  private state: State = 'open';
  private failure: unknown;
  private ready: Promise<void> | undefined;
  private writtenManifestSha256: string | undefined;

  constructor(
    private readonly store: BackupStore,
    keyring: Keyring,
    opts: BackupWriterOptions,
  ) {
    if (!isBackupId(opts.backupId)) throw new BackupWriterError(`backup id ${JSON.stringify(opts.backupId)} is not valid (letters, digits, ".", "_", ":", "-"; not "latest")`);
    if (opts.codec !== undefined && !isCodecName(opts.codec)) throw new BackupWriterError(`unknown codec ${JSON.stringify(opts.codec)}`);
    this.backupId = opts.backupId;
    this.key = keyring.current();
    this.keyId = this.key.id;
    this.codec = opts.codec ?? DEFAULT_CODEC;
    this.rowFormat = opts.rowFormat ?? 'lines';
    this.chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    if (!(this.chunkBytes > 0 && this.chunkBytes <= MAX_CHUNK_RAW_BYTES)) throw new BackupWriterError(`chunkBytes must be 1 to ${MAX_CHUNK_RAW_BYTES}`);
  }

  /** SHA-256 (hex) of the manifest file as written, once finished (for the catalog's manifest_sha256). */
  get manifestSha256(): string | undefined {
    return this.writtenManifestSha256;
  }

  /** Chunks accepted so far. */
  get chunkCount(): number {
    return this.seq;
  }

  /**
   * Adds one chunk of rows of a class. Resolves once the chunk is accepted (it may still be being
   * stored: `finish` waits for all); waits while `concurrency` chunks are in flight. The writer owns
   * `rows` from now on: do not change the buffer.
   */
  async addChunk(cls: string, rows: Buffer, rowCount: number): Promise<void> {
    await this.open();
    if (typeof cls !== 'string' || cls.length === 0 || Buffer.byteLength(cls) > 255) throw new BackupWriterError(`class name must be 1 to 255 bytes, got ${JSON.stringify(cls)}`);
    if (!Buffer.isBuffer(rows) || rows.length === 0) throw new BackupWriterError(`chunk of class ${cls}: no rows (empty chunks are not written; list empty classes in finish({ classes }))`);
    if (rows.length > MAX_CHUNK_RAW_BYTES) throw new BackupWriterError(`chunk of class ${cls}: ${rows.length} bytes, at most ${MAX_CHUNK_RAW_BYTES}`);
    if (!Number.isSafeInteger(rowCount) || rowCount < 1 || rowCount > 0xffffffff) throw new BackupWriterError(`chunk of class ${cls}: row count must be a positive whole number, got ${rowCount}`);
    if (this.rowFormat === 'lines') {
      const lines = countLines(rows);
      if (lines !== rowCount || rows[rows.length - 1] !== 10) {
        throw new BackupWriterError(
          `chunk of class ${cls}: said to hold ${rowCount} rows, but has ${lines} newline-terminated lines${rows[rows.length - 1] !== 10 ? ' and does not end with a newline' : ''}`,
        );
      }
    }
    if (!this.classOrder.includes(cls)) this.classOrder.push(cls);
    const seq = ++this.seq;
    const p: Promise<void> = this.writeChunk(seq, cls, rows, rowCount).then(
      (entry) => {
        this.entries[seq - 1] = entry;
      },
      (e: unknown) => {
        if (this.failure === undefined) this.failure = e;
        this.state = this.state === 'aborted' ? 'aborted' : 'failed';
      },
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    while (this.inflight.size >= this.concurrency) await Promise.race(this.inflight);
    this.throwIfFailed();
  }

  /**
   * A writable stream for one class's rows in COPY text format (any slicing of the bytes): cut into
   * chunks of about `chunkBytes` at row boundaries. Pipe a COPY TO STDOUT stream into it.
   */
  rowStream(cls: string): Writable {
    if (this.rowFormat !== 'lines') throw new BackupWriterError('rowStream needs rowFormat "lines" (rows cut at newlines)');
    let parts: Buffer[] = [];
    let size = 0;
    // Cuts whole chunks of about chunkBytes at row boundaries; with `all`, the rest too.
    const flush = async (all: boolean) => {
      if (size === 0) return;
      let buf = parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
      parts = [];
      size = 0;
      while (buf.length >= this.chunkBytes || (all && buf.length > 0)) {
        let cut: number;
        if (all && buf.length <= this.chunkBytes) cut = buf.length;
        else {
          cut = buf.lastIndexOf(10, this.chunkBytes - 1) + 1;
          if (cut === 0) cut = buf.indexOf(10, this.chunkBytes) + 1; // a row longer than chunkBytes
          if (cut === 0) {
            if (!all) break; // the row is not complete yet: keep reading
            cut = buf.length;
          }
        }
        if (buf[cut - 1] !== 10) throw new BackupWriterError(`rows of class ${cls} do not end with a newline (a cut-off last row?)`);
        const head = buf.subarray(0, cut);
        buf = buf.subarray(cut);
        await this.addChunk(cls, head, countLines(head));
      }
      if (buf.length) {
        parts = [buf];
        size = buf.length;
      }
    };
    return new Writable({
      highWaterMark: 1 << 20,
      write: (chunk: Buffer, _enc, cb) => {
        parts.push(chunk);
        size += chunk.length;
        if (size >= this.chunkBytes) flush(false).then(() => cb(), cb);
        else cb();
      },
      final: (cb) => {
        flush(true).then(() => cb(), cb);
      },
    });
  }

  /** Waits for every chunk, then writes the manifest. Returns it. */
  async finish(info: FinishInfo): Promise<BackupManifest> {
    await this.open();
    const chain = this.checkFinishInfo(info);
    this.state = 'finishing';
    while (this.inflight.size) await Promise.all([...this.inflight]);
    this.throwIfFailed();
    const classes: ClassCount[] = [];
    for (const name of [...(info.classes ?? []), ...this.classOrder]) {
      if (classes.some((c) => c.name === name)) continue;
      const of = this.entries.filter((e) => e.class === name);
      classes.push({ name, rowCount: sum(of, (e) => e.rowCount), chunkCount: of.length, rawBytes: sum(of, (e) => e.rawBytes) });
    }
    const manifest = signManifest(
      {
        format: MANIFEST_FORMAT,
        backupId: this.backupId,
        ...chain,
        takenAt: isoTime(info.takenAt, 'takenAt'),
        pointInTime: isoTime(info.pointInTime, 'pointInTime'),
        writtenAt: new Date().toISOString(),
        codec: this.codec,
        rowFormat: this.rowFormat,
        keyId: this.key.id,
        keyCheck: this.key.check,
        rowCount: sum(this.entries, (e) => e.rowCount),
        rawBytes: sum(this.entries, (e) => e.rawBytes),
        storedBytes: sum(this.entries, (e) => e.byteLength),
        classes,
        chunks: this.entries,
        labels: checkLabels(info.labels ?? {}),
      },
      this.key,
    );
    const file = Buffer.from(JSON.stringify(manifest, null, 1) + '\n');
    try {
      await this.store.put(manifestPath(this.backupId), file);
      this.writtenManifestSha256 = sha256Hex(file);
    } catch (e) {
      this.state = 'failed';
      throw e;
    }
    this.state = 'finished';
    return manifest;
  }

  /** Stops and deletes the chunks written so far (a backup without a manifest is incomplete anyway). */
  async abort(): Promise<void> {
    if (this.state === 'finished') throw new BackupWriterError(`backup ${this.backupId} is finished: delete it instead of aborting`);
    this.state = 'aborted';
    await Promise.allSettled([...this.inflight]);
    for (const p of await this.store.list(`${this.backupId}/`)) await this.store.delete(p);
  }

  private open(): Promise<void> {
    if (this.state !== 'open') {
      this.throwIfFailed();
      throw new BackupWriterError(`backup ${this.backupId} is ${this.state}: no more chunks`);
    }
    // Never write into an existing backup: its chunks would be overwritten under its manifest.
    this.ready ??= this.store.exists(manifestPath(this.backupId)).then((exists) => {
      if (exists) {
        this.state = 'failed';
        this.failure = new BackupWriterError(`backup ${this.backupId} already exists in ${this.store.description}: choose a new backup id`);
      }
    });
    return this.ready.then(() => this.throwIfFailed());
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async writeChunk(seq: number, cls: string, rows: Buffer, rowCount: number): Promise<ChunkEntry> {
    const compressed = await compress(this.codec, rows);
    const sealed = sealChunk(this.key.chunkKey, { codec: this.codec, seq, rowCount, rawBytes: rows.length, backupId: this.backupId, keyId: this.key.id, cls }, compressed);
    const file = chunkFileName(seq);
    await this.store.put(chunkPath(this.backupId, file), sealed.stored);
    return {
      seq,
      file,
      class: cls,
      rowCount,
      rawBytes: rows.length,
      byteLength: sealed.stored.length,
      sha256: sealed.sha256,
      keyId: this.key.id,
      iv: sealed.iv.toString('base64'),
    };
  }

  private checkFinishInfo(info: FinishInfo): Pick<BackupManifest, 'kind' | 'parentId' | 'baseFullId' | 'fromChange' | 'toChange'> {
    if (!BACKUP_KINDS.includes(info.kind)) throw new BackupWriterError(`kind must be one of ${BACKUP_KINDS.join(', ')}, got ${JSON.stringify(info.kind)}`);
    const parentId = info.parentId ?? null;
    const baseFullId = info.kind === 'full' ? null : (info.baseFullId ?? (info.kind === 'differential' ? parentId : null));
    const fromChange = info.fromChange == null ? null : String(info.fromChange);
    const toChange = info.toChange == null ? null : String(info.toChange);
    const what = `${info.kind} backup ${this.backupId}`;
    if (info.kind === 'full') {
      if (parentId !== null) throw new BackupWriterError(`${what} cannot have a parent (got ${parentId})`);
      if (info.baseFullId != null && info.baseFullId !== this.backupId) throw new BackupWriterError(`${what} cannot have another base full (got ${info.baseFullId})`);
      if (fromChange !== null) throw new BackupWriterError(`${what} starts at no change (fromChange must be null)`);
    } else {
      if (!isBackupId(parentId)) throw new BackupWriterError(`${what} needs parentId (${info.kind === 'differential' ? 'its full backup' : 'the previous backup'})`);
      if (!isBackupId(baseFullId)) throw new BackupWriterError(`${what} needs baseFullId (the full at the root of its chain)`);
      if (info.kind === 'differential' && parentId !== baseFullId) throw new BackupWriterError(`${what}: a differential's parent is its full backup (parentId ${parentId} != baseFullId ${baseFullId})`);
      if (parentId === this.backupId) throw new BackupWriterError(`${what} cannot be its own parent`);
    }
    return { kind: info.kind, parentId, baseFullId, fromChange, toChange };
  }
}

function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  return xs.reduce((n, x) => n + f(x), 0);
}

function isoTime(t: Date | string, what: string): string {
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  if (!Number.isFinite(ms)) throw new BackupWriterError(`${what}: ${JSON.stringify(t)} is not a date-time`);
  return new Date(ms).toISOString();
}

function checkLabels(labels: Record<string, string>): Record<string, string> {
  for (const [k, v] of Object.entries(labels)) if (typeof v !== 'string') throw new BackupWriterError(`label ${k} must be a string`);
  return { ...labels };
}
