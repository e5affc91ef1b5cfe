// Where backup files live. Small on purpose: a directory today, an S3-compatible bucket later. Paths
// are object keys: `/`-separated, relative, no `.` or `..` segments (the same rules hold for both).
import type { Readable } from 'node:stream';

export interface BackupStore {
  /** A label for messages: `directory /var/backups/yingji`, `s3://bucket/prefix`. */
  readonly description: string;
  /**
   * Stores the whole object or nothing: a reader never sees a partial object, and a failed put leaves
   * any previous object at that path in place.
   */
  put(path: string, data: Buffer | Readable): Promise<void>;
  /** The whole object; rejects with `StoreNotFoundError` when there is none. */
  get(path: string): Promise<Buffer>;
  /** The object as a stream; rejects with `StoreNotFoundError` when there is none. */
  stream(path: string): Promise<Readable>;
  /** Every path that starts with `prefix` (a plain string prefix, as S3 ListObjects), sorted. */
  list(prefix: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  /** Removes the object; no error when there is none. */
  delete(path: string): Promise<void>;
}

export class StoreNotFoundError extends Error {
  override name = 'StoreNotFoundError';
  constructor(
    readonly path: string,
    where: string,
  ) {
    super(`${path} not found in ${where}`);
  }
}

export class StorePathError extends Error {
  override name = 'StorePathError';
}

const SEGMENT_RE = /^[A-Za-z0-9_][A-Za-z0-9._:+=@-]*$/;

/** Throws unless `p` is a safe relative object path (each segment starts with a letter, digit or `_`). */
export function checkStorePath(p: string): string {
  if (typeof p !== 'string' || p.length === 0 || p.length > 1024) throw new StorePathError(`store path must be 1 to 1024 characters, got ${JSON.stringify(p)}`);
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.' || seg === '..' || !SEGMENT_RE.test(seg)) {
      throw new StorePathError(
        `store path ${JSON.stringify(p)} is not allowed: segments separated by "/", no empty, "." or ".." segments, each starting with a letter, digit or "_"`,
      );
    }
  }
  return p;
}

/** A list prefix is a path prefix: it may be empty or end with `/`, but must not climb out. */
export function checkStorePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  checkStorePath(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}
