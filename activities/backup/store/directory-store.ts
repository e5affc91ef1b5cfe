// The default backup store: files under one directory. Writes go to a temporary file beside the
// target, are flushed to disk, then renamed over it, so a crash leaves either the old file or the
// whole new one (plus at most a `.tmp-*` file that `list` ignores and `sweepTemporaryFiles` removes).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupStore, checkStorePath, checkStorePrefix, StoreNotFoundError, StorePathError } from './store';

const TMP_PREFIX = '.tmp-';

export interface DirectoryStoreOptions {
  /** fsync files and their directory on put (default true: a backup that is not on disk is no backup). */
  durable?: boolean;
  /** Mode of new files (default 0o640). Directories get 0o750. */
  fileMode?: number;
}

export class DirectoryStore implements BackupStore {
  readonly root: string;
  readonly description: string;
  private readonly durable: boolean;
  private readonly fileMode: number;

  constructor(root: string, opts: DirectoryStoreOptions = {}) {
    this.root = path.resolve(root);
    this.description = `directory ${this.root}`;
    this.durable = opts.durable ?? true;
    this.fileMode = opts.fileMode ?? 0o640;
  }

  /** The file of a store path; never outside the root. */
  resolve(p: string): string {
    checkStorePath(p);
    const full = path.resolve(this.root, ...p.split('/'));
    if (!full.startsWith(this.root.endsWith(path.sep) ? this.root : this.root + path.sep)) throw new StorePathError(`store path ${JSON.stringify(p)} leaves ${this.root}`);
    return full;
  }

  async put(p: string, data: Buffer | Readable): Promise<void> {
    const target = this.resolve(p);
    const dir = path.dirname(target);
    await fsp.mkdir(dir, { recursive: true, mode: 0o750 });
    const tmp = path.join(dir, `${TMP_PREFIX}${randomBytes(6).toString('hex')}-${path.basename(target)}`);
    try {
      if (Buffer.isBuffer(data)) {
        const fh = await fsp.open(tmp, 'wx', this.fileMode);
        try {
          await fh.writeFile(data);
          if (this.durable) await fh.sync();
        } finally {
          await fh.close();
        }
      } else {
        // Open first: a stream that opens lazily could create the file after a failed source's cleanup.
        const fh = await fsp.open(tmp, 'wx', this.fileMode);
        const out = fh.createWriteStream();
        try {
          await pipeline(data, out);
        } finally {
          if (!out.closed) await new Promise<void>((r) => out.once('close', () => r()));
        }
        if (this.durable) {
          const fh = await fsp.open(tmp, 'r');
          try {
            await fh.sync();
          } finally {
            await fh.close();
          }
        }
      }
      await fsp.rename(tmp, target);
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw e;
    }
    if (this.durable) await syncDirectory(dir);
  }

  async get(p: string): Promise<Buffer> {
    try {
      return await fsp.readFile(this.resolve(p));
    } catch (e) {
      throw this.notFound(e, p);
    }
  }

  async stream(p: string): Promise<Readable> {
    const file = this.resolve(p);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(file, 'r');
    } catch (e) {
      throw this.notFound(e, p);
    }
    return fh.createReadStream();
  }

  async list(prefix: string): Promise<string[]> {
    checkStorePrefix(prefix);
    // Walk from the deepest directory the prefix fully names.
    const slash = prefix.lastIndexOf('/');
    const baseRel = slash >= 0 ? prefix.slice(0, slash) : '';
    const baseDir = baseRel ? this.resolve(baseRel) : this.root;
    const out: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries: fs.Dirent[];
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw e;
      }
      for (const ent of entries) {
        if (ent.name.startsWith(TMP_PREFIX)) continue;
        const r = rel ? `${rel}/${ent.name}` : ent.name;
        // Prune directories that cannot contain a match.
        if (!(r.startsWith(prefix) || prefix.startsWith(r + '/'))) continue;
        if (ent.isDirectory()) await walk(path.join(dir, ent.name), r);
        else if (ent.isFile() && r.startsWith(prefix)) out.push(r);
      }
    };
    await walk(baseDir, baseRel);
    return out.sort();
  }

  async exists(p: string): Promise<boolean> {
    try {
      return (await fsp.stat(this.resolve(p))).isFile();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
      throw e;
    }
  }

  async delete(p: string): Promise<void> {
    // Empty directories stay: removing them would race with a concurrent put into the same folder.
    await fsp.rm(this.resolve(p), { force: true });
  }

  /** Removes temporary files left by interrupted puts (older than `olderThanMs`). Returns how many. */
  async sweepTemporaryFiles(olderThanMs = 60 * 60 * 1000, now = Date.now()): Promise<number> {
    let removed = 0;
    const walk = async (dir: string): Promise<void> => {
      let entries: fs.Dirent[];
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const ent of entries) {
        const full = path.join(dir, ent.name);
        if (ent.isDirectory()) await walk(full);
        else if (ent.name.startsWith(TMP_PREFIX) && now - (await fsp.stat(full)).mtimeMs >= olderThanMs) {
          await fsp.rm(full, { force: true });
          removed++;
        }
      }
    };
    await walk(this.root);
    return removed;
  }

  private notFound(e: unknown, p: string): unknown {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' ? new StoreNotFoundError(p, this.description) : e;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    // Some file systems do not support fsync on directories; the rename is still atomic.
  } finally {
    await fh?.close();
  }
}
