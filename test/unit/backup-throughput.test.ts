// Throughput of the backup format on ~200 MB of invoice rows (COPY text format): prints MB/s of
// writing (compress + encrypt + hash + durable store), verifying and reading back. Prints, never
// asserts on time: machines differ. The row text is what 1,000,000 invoices weigh (~260 MB).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackupWriter, CodecName, readChunks, readManifest, verifyBackup } from '../../activities/backup/format';
import { Keyring } from '../../activities/backup/keys/keyring';
import { DirectoryStore } from '../../activities/backup/store';

jest.setTimeout(300_000);

const TOTAL_BYTES = 200 * 1024 * 1024;
const CHUNK_BYTES = 4 * 1024 * 1024;

/** Deterministic pseudo-random invoice rows, about 260 bytes each, like the invoices table's COPY output. */
function invoiceChunk(seed: number, bytes: number): { rows: Buffer; count: number } {
  let s = seed * 2654435761 || 1;
  const r = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const CC = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const code = () => '91' + Array.from({ length: 16 }, () => CC[Math.floor(r() * CC.length)]).join('');
  const names = ['北京华夏科技有限公司', '上海浦东贸易有限公司', '广州南方电子股份有限公司', '深圳前海网络科技有限公司', '杭州西湖食品有限公司', '成都天府物流有限公司', '张三', '李四'];
  const companies = Array.from({ length: 400 }, code);
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const amount = Math.floor(Math.exp(8 + r() * 8 * r()) * 100);
    const rate = [13, 9, 6, 5, 3, 1, 0][Math.floor(r() * 7)];
    const tax = Math.floor((amount * rate) / 100);
    const at = new Date(Date.UTC(2024, 0, 1) + Math.floor(r() * 700 * 86400000)).toISOString().replace('T', ' ').replace('Z', '+00');
    const line =
      [
        `25${11 + Math.floor(r() * 60)}1${String(seed * 1_000_000 + i).padStart(15, '0')}`,
        at,
        r() < 0.3 ? 'special' : 'ordinary',
        companies[Math.floor(r() * companies.length)],
        names[Math.floor(r() * names.length)],
        companies[Math.floor(r() * companies.length)],
        names[Math.floor(r() * names.length)],
        amount,
        rate,
        tax,
        amount + tax,
        r() < 0.03 ? 'red-flushed' : 'issued',
        '\\N',
        11 + Math.floor(r() * 60),
        `folder-${Math.floor(r() * 20)}`,
        r() < 0.9 ? 'synced' : 'pending',
        at,
        `2025-0${1 + Math.floor(r() * 9)}`,
        at,
        1 + Math.floor(r() * 3),
      ].join('\t') + '\n';
    lines.push(line);
    size += Buffer.byteLength(line);
  }
  return { rows: Buffer.from(lines.join('')), count: lines.length };
}

const mbps = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);

describe('backup throughput (printed, not asserted)', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-throughput-'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  // Eight distinct chunks, reused: every chunk is compressed on its own, so reuse does not help the codec.
  const pool = Array.from({ length: 8 }, (_, i) => invoiceChunk(i + 1, CHUNK_BYTES));
  const ring = new Keyring({ k1: randomBytes(32) }, 'k1');
  const lines: string[] = [];
  afterAll(() => console.log(['backup throughput, ~200 MB of invoice rows (MB/s of row text):', ...lines].join('\n')));

  it.each<CodecName>(['brotli', 'deflate-raw'])('%s', async (codec) => {
    const store = new DirectoryStore(path.join(root, codec)); // durable: fsync every chunk
    const id = `full-${codec}`;
    const w = new BackupWriter(store, ring, { backupId: id, codec });
    let raw = 0;
    let rows = 0;
    const t0 = performance.now();
    for (let i = 0; raw < TOTAL_BYTES; i++) {
      const c = pool[i % pool.length];
      await w.addChunk(i % 6 === 0 ? 'current-period' : 'archive', c.rows, c.count);
      raw += c.rows.length;
      rows += c.count;
    }
    const m = await w.finish({ kind: 'full', takenAt: new Date(), pointInTime: new Date() });
    const writeMs = performance.now() - t0;

    const t1 = performance.now();
    await verifyBackup(store, ring, id);
    const verifyMs = performance.now() - t1;

    const t2 = performance.now();
    let back = 0;
    for await (const c of readChunks(store, ring, await readManifest(store, ring, id))) back += c.rows.length;
    const readMs = performance.now() - t2;

    expect(back).toBe(raw);
    expect(m.rowCount).toBe(rows);
    lines.push(
      `  ${codec.padEnd(11)} ${(raw / 1e6).toFixed(0)} MB, ${rows} rows, ${m.chunks.length} chunks, stored ${((100 * m.storedBytes) / raw).toFixed(1)}%: ` +
        `write ${mbps(raw, writeMs)} MB/s (${(writeMs / 1000).toFixed(2)} s), verify ${mbps(raw, verifyMs)} MB/s, read ${mbps(raw, readMs)} MB/s, ` +
        `write+read ${mbps(raw, writeMs + readMs)} MB/s`,
    );
  });
});
