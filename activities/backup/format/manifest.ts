// The manifest: what a backup holds and how to check it. Written last (a backup without a manifest
// is incomplete), authenticated with HMAC-SHA256 over its canonical JSON (keys sorted, no spaces)
// under the manifest key of `keyId`, so it may be pretty-printed and still verify.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BACKUP_KINDS, BackupKind, isBackupId } from '../../../domain/backup/chain';
import type { BackupKey } from '../keys/keyring';
import { CodecName, isCodecName } from './chunk';

export const MANIFEST_FORMAT = 'yingji-backup/1';
export const MANIFEST_FILE = 'manifest.json';
export const MAC_ALG = 'HMAC-SHA256';

/** `lines`: rows are newline-terminated (PostgreSQL COPY text format) and counted on write and read. */
export type RowFormat = 'lines' | 'opaque';

export interface ChunkEntry {
  seq: number;
  /** Path of the chunk file inside the backup: `chunks/000001.ybc`. */
  file: string;
  class: string;
  rowCount: number;
  /** Length of the rows before compression. */
  rawBytes: number;
  /** Length of the stored file. */
  byteLength: number;
  /** SHA-256 of the stored file, hex. */
  sha256: string;
  keyId: string;
  /** AES-GCM IV, base64 (also in the chunk's header). */
  iv: string;
}

export interface ClassCount {
  name: string;
  rowCount: number;
  chunkCount: number;
  rawBytes: number;
}

export interface ManifestMac {
  alg: typeof MAC_ALG;
  keyId: string;
  value: string;
}

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT;
  backupId: string;
  kind: BackupKind;
  parentId: string | null;
  baseFullId: string | null;
  fromChange: string | null;
  toChange: string | null;
  takenAt: string;
  pointInTime: string;
  writtenAt: string;
  codec: CodecName;
  rowFormat: RowFormat;
  /** The key the manifest is authenticated with (and, as written today, every chunk encrypted with). */
  keyId: string;
  /** Public fingerprint of that key, to tell a wrong key from an altered manifest. */
  keyCheck: string;
  rowCount: number;
  rawBytes: number;
  storedBytes: number;
  /** Row counts per priority class, in priority order (classes with no rows included). */
  classes: ClassCount[];
  chunks: ChunkEntry[];
  labels: Record<string, string>;
  mac: ManifestMac;
}

export type ManifestBody = Omit<BackupManifest, 'mac'>;

export const chunkFileName = (seq: number) => `chunks/${String(seq).padStart(6, '0')}.ybc`;
export const manifestPath = (backupId: string) => `${backupId}/${MANIFEST_FILE}`;
export const chunkPath = (backupId: string, file: string) => `${backupId}/${file}`;

/** JSON with object keys sorted at every level and no whitespace: the bytes the HMAC covers. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function manifestMac(body: ManifestBody, key: BackupKey): string {
  return createHmac('sha256', key.manifestKey).update(canonicalJson(body), 'utf8').digest('hex');
}

export function signManifest(body: ManifestBody, key: BackupKey): BackupManifest {
  return { ...body, mac: { alg: MAC_ALG, keyId: key.id, value: manifestMac(body, key) } };
}

export function macMatches(manifest: BackupManifest, key: BackupKey): boolean {
  if (typeof manifest.mac?.value !== 'string') return false;
  const { mac, ...body } = manifest;
  const expected = Buffer.from(manifestMac(body, key), 'hex');
  const given = Buffer.from(mac.value, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Shape check of an authenticated manifest; returns the problems (empty when it is well formed). */
export function manifestShapeProblems(m: BackupManifest): string[] {
  const p: string[] = [];
  const isStr = (v: unknown) => typeof v === 'string' && v.length > 0;
  const isNat = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  const isTime = (v: unknown) => typeof v === 'string' && Number.isFinite(Date.parse(v));
  if (m.format !== MANIFEST_FORMAT) p.push(`format is ${JSON.stringify(m.format)}, this version reads ${MANIFEST_FORMAT}`);
  if (!isBackupId(m.backupId)) p.push('backupId is not a backup id');
  if (!BACKUP_KINDS.includes(m.kind)) p.push(`kind ${JSON.stringify(m.kind)} is not one of ${BACKUP_KINDS.join(', ')}`);
  for (const f of ['parentId', 'baseFullId', 'fromChange', 'toChange'] as const) if (m[f] !== null && !isStr(m[f])) p.push(`${f} must be a string or null`);
  for (const f of ['takenAt', 'pointInTime', 'writtenAt'] as const) if (!isTime(m[f])) p.push(`${f} is not a date-time`);
  if (!isCodecName(m.codec)) p.push(`codec ${JSON.stringify(m.codec)} is unknown`);
  if (m.rowFormat !== 'lines' && m.rowFormat !== 'opaque') p.push('rowFormat must be lines or opaque');
  if (!isStr(m.keyId) || !isStr(m.keyCheck)) p.push('keyId and keyCheck are required');
  for (const f of ['rowCount', 'rawBytes', 'storedBytes'] as const) if (!isNat(m[f])) p.push(`${f} must be a whole number`);
  if (!Array.isArray(m.classes) || !m.classes.every((c) => isStr(c?.name) && isNat(c.rowCount) && isNat(c.chunkCount) && isNat(c.rawBytes))) {
    p.push('classes must list { name, rowCount, chunkCount, rawBytes }');
  }
  if (typeof m.labels !== 'object' || m.labels === null || Array.isArray(m.labels) || !Object.values(m.labels).every((v) => typeof v === 'string')) {
    p.push('labels must be an object of strings');
  }
  if (!Array.isArray(m.chunks)) return [...p, 'chunks must be a list'];
  m.chunks.forEach((c, i) => {
    const ok =
      c?.seq === i + 1 &&
      c.file === chunkFileName(c.seq) &&
      isStr(c.class) &&
      isNat(c.rowCount) &&
      isNat(c.rawBytes) &&
      isNat(c.byteLength) &&
      /^[0-9a-f]{64}$/.test(c.sha256) &&
      isStr(c.keyId) &&
      typeof c.iv === 'string' &&
      Buffer.from(c.iv, 'base64').length === 12;
    if (!ok) p.push(`chunks[${i}] is not a well-formed chunk entry numbered ${i + 1}`);
  });
  if (p.length === 0) {
    const sum = (f: (c: ChunkEntry) => number) => m.chunks.reduce((n, c) => n + f(c), 0);
    if (sum((c) => c.rowCount) !== m.rowCount) p.push('rowCount is not the sum of the chunks');
    if (sum((c) => c.rawBytes) !== m.rawBytes) p.push('rawBytes is not the sum of the chunks');
    if (sum((c) => c.byteLength) !== m.storedBytes) p.push('storedBytes is not the sum of the chunks');
    for (const cls of m.classes) {
      const of = m.chunks.filter((c) => c.class === cls.name);
      if (of.length !== cls.chunkCount || of.reduce((n, c) => n + c.rowCount, 0) !== cls.rowCount) p.push(`class ${cls.name}: counts disagree with its chunks`);
    }
    if (m.chunks.some((c) => !m.classes.some((cls) => cls.name === c.class))) p.push('a chunk names a class the manifest does not list');
  }
  return p;
}
