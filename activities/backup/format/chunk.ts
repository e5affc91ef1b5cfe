// One stored chunk: a small binary header, then the compressed rows encrypted with AES-256-GCM, then
// the 16-byte GCM tag. The whole header is the GCM additional authenticated data, so the backup id,
// the sequence number, the class, the key id, the codec and the sizes are bound to the ciphertext:
// a chunk moved to another position or another backup does not decrypt as that position.
//
//   offset size
//   0      4    magic "YJBC"
//   4      1    format version (1)
//   5      1    codec (0 none, 1 brotli, 2 deflate-raw)
//   6      2    header length H, big-endian (this prefix included)
//   8      4    sequence number (u32 BE, from 1)
//   12     4    row count (u32 BE)
//   16     4    raw (uncompressed) length (u32 BE)
//   20     12   AES-GCM IV (random)
//   32     1+n  backup id (length byte + UTF-8)
//   ..     1+n  key id
//   ..     1+n  class name
//   H      ...  ciphertext
//   end-16 16   GCM tag
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

export const CHUNK_MAGIC = Buffer.from('YJBC');
export const CHUNK_VERSION = 1;
const FIXED = 32;
const TAG_BYTES = 16;
export const IV_BYTES = 12;
/** A chunk's rows must fit a u32 length; restores hold a chunk in memory, so keep them to a few MB. */
export const MAX_CHUNK_RAW_BYTES = 1 << 30;

export const CODECS = {
  none: 0,
  /** Brotli quality 1: about twice as fast as deflate level 1 on invoice rows, and smaller. */
  brotli: 1,
  'deflate-raw': 2,
} as const;
export type CodecName = keyof typeof CODECS;
export const DEFAULT_CODEC: CodecName = 'brotli';
const CODEC_NAMES = Object.fromEntries(Object.entries(CODECS).map(([k, v]) => [v, k])) as Record<number, CodecName>;

export function isCodecName(x: unknown): x is CodecName {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(CODECS, x);
}

const brotliCompress = promisify(zlib.brotliCompress);
const brotliDecompress = promisify(zlib.brotliDecompress);
const deflateRaw = promisify(zlib.deflateRaw);
const inflateRaw = promisify(zlib.inflateRaw);

/**
 * Output buffer size of one zlib step. The default (16 KiB) makes a 4 MiB chunk cross between the
 * thread pool and the main thread hundreds of times; one or two large steps decompress ~50% faster.
 */
function outputChunk(expected: number): number {
  return Math.min(64 << 20, Math.max(64 << 10, expected));
}

/** Compresses off the main thread (zlib's async calls run on libuv's pool), so chunks compress in parallel. */
export async function compress(codec: CodecName, raw: Buffer): Promise<Buffer> {
  switch (codec) {
    case 'brotli':
      return brotliCompress(raw, {
        chunkSize: outputChunk(raw.length >>> 1),
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 1,
          [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        },
      });
    case 'deflate-raw':
      return deflateRaw(raw, { level: 1, chunkSize: outputChunk(raw.length >>> 1) });
    case 'none':
      return raw;
  }
}

/** Decompresses, refusing output longer than `rawBytes` (a corrupt or hostile chunk cannot blow up memory). */
export async function decompress(codec: CodecName, data: Buffer, rawBytes: number): Promise<Buffer> {
  const maxOutputLength = Math.max(1, rawBytes);
  const chunkSize = outputChunk(rawBytes);
  switch (codec) {
    case 'brotli':
      return brotliDecompress(data, { maxOutputLength, chunkSize });
    case 'deflate-raw':
      return inflateRaw(data, { maxOutputLength, chunkSize });
    case 'none':
      return data;
  }
}

export interface ChunkHeader {
  version: number;
  codec: CodecName;
  seq: number;
  rowCount: number;
  rawBytes: number;
  iv: Buffer;
  backupId: string;
  keyId: string;
  cls: string;
  /** Header length in bytes: the ciphertext starts here. */
  length: number;
}

function shortString(s: string, what: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.length === 0 || b.length > 255) throw new RangeError(`${what} must be 1 to 255 bytes of UTF-8, got ${b.length}`);
  return b;
}

export function encodeHeader(h: Omit<ChunkHeader, 'length' | 'version'>): Buffer {
  const strings = [shortString(h.backupId, 'backup id'), shortString(h.keyId, 'key id'), shortString(h.cls, 'class name')];
  const length = FIXED + strings.reduce((n, s) => n + 1 + s.length, 0);
  const out = Buffer.alloc(length);
  CHUNK_MAGIC.copy(out, 0);
  out.writeUInt8(CHUNK_VERSION, 4);
  out.writeUInt8(CODECS[h.codec], 5);
  out.writeUInt16BE(length, 6);
  out.writeUInt32BE(h.seq, 8);
  out.writeUInt32BE(h.rowCount, 12);
  out.writeUInt32BE(h.rawBytes, 16);
  h.iv.copy(out, 20);
  let at = FIXED;
  for (const s of strings) {
    out.writeUInt8(s.length, at);
    s.copy(out, at + 1);
    at += 1 + s.length;
  }
  return out;
}

/** Reads a chunk header; `null` when the bytes do not start with one (not a chunk, or its start is damaged). */
export function decodeHeader(stored: Buffer): ChunkHeader | null {
  if (stored.length < FIXED + TAG_BYTES || !stored.subarray(0, 4).equals(CHUNK_MAGIC)) return null;
  const version = stored.readUInt8(4);
  const codec = CODEC_NAMES[stored.readUInt8(5)];
  const length = stored.readUInt16BE(6);
  if (version !== CHUNK_VERSION || !codec || length < FIXED + 6 || length + TAG_BYTES > stored.length) return null;
  const strings: string[] = [];
  let at = FIXED;
  for (let i = 0; i < 3; i++) {
    if (at >= length) return null;
    const n = stored.readUInt8(at);
    if (n === 0 || at + 1 + n > length) return null;
    strings.push(stored.toString('utf8', at + 1, at + 1 + n));
    at += 1 + n;
  }
  if (at !== length) return null;
  return {
    version,
    codec,
    length,
    seq: stored.readUInt32BE(8),
    rowCount: stored.readUInt32BE(12),
    rawBytes: stored.readUInt32BE(16),
    iv: Buffer.from(stored.subarray(20, 32)),
    backupId: strings[0],
    keyId: strings[1],
    cls: strings[2],
  };
}

export interface SealedChunk {
  stored: Buffer;
  sha256: string;
  iv: Buffer;
}

/** Header + AES-256-GCM(compressed) + tag, and the SHA-256 of those stored bytes. */
export function sealChunk(chunkKey: Buffer, h: Omit<ChunkHeader, 'length' | 'version' | 'iv'>, compressed: Buffer): SealedChunk {
  const iv = randomBytes(IV_BYTES);
  const header = encodeHeader({ ...h, iv });
  const cipher = createCipheriv('aes-256-gcm', chunkKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(header);
  const body = cipher.update(compressed);
  const final = cipher.final();
  const stored = Buffer.concat([header, body, final, cipher.getAuthTag()], header.length + body.length + final.length + TAG_BYTES);
  return { stored, sha256: sha256Hex(stored), iv };
}

/** Decrypts and authenticates a chunk; throws when the GCM tag does not verify. */
export function openChunk(chunkKey: Buffer, header: ChunkHeader, stored: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', chunkKey, header.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(stored.subarray(0, header.length));
  decipher.setAuthTag(stored.subarray(stored.length - TAG_BYTES));
  const body = decipher.update(stored.subarray(header.length, stored.length - TAG_BYTES));
  const final = decipher.final();
  return final.length ? Buffer.concat([body, final]) : body;
}

export function sha256Hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Rows in COPY text format end with `\n` (newlines inside values are escaped), so rows = newlines. */
export function countLines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}
