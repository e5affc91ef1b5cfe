// One backup = manifest + chunks: a round trip through a directory store, every corruption refused
// with an error naming the backup and the chunk, and restore chains verified before anything is written.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  BackupIntegrityError,
  BackupManifest,
  BackupProblem,
  BackupWriter,
  FinishInfo,
  readChunks,
  readManifest,
  verifyBackup,
  verifyChain,
  deleteBackup,
  listBackups,
} from '../../activities/backup/format';
import { Keyring } from '../../activities/backup/keys/keyring';
import { DirectoryStore } from '../../activities/backup/store';

const CLASSES = ['current-period-undeclared', 'red-letter', 'high-value', 'current-period', 'last-12-months', 'archive'];

/** COPY text-format rows of invoices (tab-separated, \N for null, newline-terminated). */
function invoiceRows(cls: string, n: number, from = 0): Buffer {
  const lines: string[] = [];
  for (let i = from; i < from + n; i++) {
    const amount = 1000 + ((i * 7919) % 5_000_000);
    lines.push(
      [`2511100000${String(i).padStart(10, '0')}`, `2025-03-${String(1 + (i % 28)).padStart(2, '0')} 10:00:00+08`, i % 3 ? 'ordinary' : 'special', '91110000MA01ABCD2X', '北京华夏科技有限公司', '\\N', amount, 13, Math.round(amount * 0.13), amount + Math.round(amount * 0.13), cls, i % 2 ? 'synced' : 'pending'].join('\t') + '\n',
    );
  }
  return Buffer.from(lines.join(''));
}

let root: string;
let store: DirectoryStore;
const ring = new Keyring({ k1: randomBytes(32) }, 'k1', 'test keyring');

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-backup-'));
  store = new DirectoryStore(root, { durable: false });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const fullInfo = (at = '2025-03-01T00:00:00Z'): FinishInfo => ({ kind: 'full', takenAt: at, pointInTime: at, toChange: 100, classes: CLASSES });

/** A backup of 6 chunks over three classes (chunk n holds rows of one class). */
async function smallBackup(id = 'full-1', keyring = ring, info: FinishInfo = fullInfo()): Promise<BackupManifest> {
  const w = new BackupWriter(store, keyring, { backupId: id });
  await w.addChunk('current-period-undeclared', invoiceRows('current-period-undeclared', 50), 50);
  await w.addChunk('current-period-undeclared', invoiceRows('current-period-undeclared', 40, 50), 40);
  await w.addChunk('red-letter', invoiceRows('red-letter', 7), 7);
  await w.addChunk('archive', invoiceRows('archive', 300), 300);
  await w.addChunk('archive', invoiceRows('archive', 300, 300), 300);
  await w.addChunk('archive', invoiceRows('archive', 10, 600), 10);
  return w.finish(info);
}

const file = (id: string, seq: number) => path.join(root, id, 'chunks', `${String(seq).padStart(6, '0')}.ybc`);

/**
 * The restore protocol in miniature: verify the whole chain, then write rows into the target. The
 * target stands in for the database: nothing may reach it unless the chain verified.
 */
async function restoreInto(target: string[], ids: string[], keyring = ring): Promise<void> {
  await verifyChain(store, keyring, ids);
  for (const id of ids) {
    const m = await readManifest(store, keyring, id);
    for await (const c of readChunks(store, keyring, m)) target.push(c.rows.toString());
  }
}

async function refused(ids: string[], problem: BackupProblem, message: string | RegExp, keyring = ring): Promise<BackupIntegrityError> {
  const target: string[] = [];
  const err = await restoreInto(target, ids, keyring).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BackupIntegrityError);
  const e = err as BackupIntegrityError;
  expect(e.message).toMatch(message);
  expect(e.problem).toBe(problem);
  expect(target).toEqual([]); // the target is untouched
  // verifyBackup refuses the same backup with the same reason
  if (ids.length === 1) await expect(verifyBackup(store, keyring, ids[0])).rejects.toMatchObject({ problem, backupId: e.backupId });
  return e;
}

describe('backup round trip', () => {
  it('writes chunks and an authenticated manifest, verifies, and reads the same rows back in order', async () => {
    const m = await smallBackup();
    expect(m).toMatchObject({ backupId: 'full-1', kind: 'full', parentId: null, baseFullId: null, toChange: '100', keyId: 'k1', rowCount: 707, codec: 'brotli' });
    expect(m.classes).toEqual([
      { name: 'current-period-undeclared', rowCount: 90, chunkCount: 2, rawBytes: expect.any(Number) },
      { name: 'red-letter', rowCount: 7, chunkCount: 1, rawBytes: expect.any(Number) },
      { name: 'high-value', rowCount: 0, chunkCount: 0, rawBytes: 0 },
      { name: 'current-period', rowCount: 0, chunkCount: 0, rawBytes: 0 },
      { name: 'last-12-months', rowCount: 0, chunkCount: 0, rawBytes: 0 },
      { name: 'archive', rowCount: 610, chunkCount: 3, rawBytes: expect.any(Number) },
    ]);
    expect(m.chunks.map((c) => [c.seq, c.file, c.class, c.rowCount])).toEqual([
      [1, 'chunks/000001.ybc', 'current-period-undeclared', 50],
      [2, 'chunks/000002.ybc', 'current-period-undeclared', 40],
      [3, 'chunks/000003.ybc', 'red-letter', 7],
      [4, 'chunks/000004.ybc', 'archive', 300],
      [5, 'chunks/000005.ybc', 'archive', 300],
      [6, 'chunks/000006.ybc', 'archive', 10],
    ]);
    expect(new Set(m.chunks.map((c) => c.iv)).size).toBe(6);
    expect(await store.list('full-1/')).toEqual([...m.chunks.map((c) => `full-1/${c.file}`), 'full-1/manifest.json']);
    // Nothing readable in the stored chunks
    expect(fs.readFileSync(file('full-1', 1)).includes(Buffer.from('北京华夏'))).toBe(false);

    const report = await verifyBackup(store, ring, 'full-1');
    expect(report).toMatchObject({ backupId: 'full-1', chunkCount: 6, rowCount: 707, depth: 'full', strayFiles: [] });

    const back = new Map<string, Buffer[]>();
    const seqs: number[] = [];
    for await (const c of readChunks(store, ring, await readManifest(store, ring, 'full-1'))) {
      seqs.push(c.seq);
      back.set(c.cls, [...(back.get(c.cls) ?? []), c.rows]);
    }
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Buffer.concat(back.get('current-period-undeclared') ?? []).equals(invoiceRows('current-period-undeclared', 90))).toBe(true);
    expect(Buffer.concat(back.get('archive') ?? []).equals(invoiceRows('archive', 610))).toBe(true); // (Buffer.equals: jest's toEqual is slow on buffers)

    const onlyRed: string[] = [];
    for await (const c of readChunks(store, ring, m, { classes: ['red-letter'] })) onlyRed.push(c.cls);
    expect(onlyRed).toEqual(['red-letter']);
    expect(await listBackups(store)).toEqual(['full-1']);
  });

  it('cuts streamed COPY output into chunks at row boundaries, whatever the slicing', async () => {
    const rows = invoiceRows('archive', 5000);
    const w = new BackupWriter(store, ring, { backupId: 'full-s', chunkBytes: 64 * 1024, codec: 'deflate-raw' });
    // Slices of odd sizes, cutting rows in the middle
    const slices: Buffer[] = [];
    for (let at = 0; at < rows.length; at += 7777) slices.push(rows.subarray(at, at + 7777));
    await pipeline(Readable.from(slices), w.rowStream('archive'));
    await pipeline(Readable.from([invoiceRows('red-letter', 3)]), w.rowStream('red-letter'));
    const m = await w.finish(fullInfo());
    expect(m.codec).toBe('deflate-raw');
    expect(w.manifestSha256).toBe(createHash('sha256').update(fs.readFileSync(path.join(root, 'full-s', 'manifest.json'))).digest('hex'));
    expect(m.chunks.length).toBeGreaterThan(10);
    expect(m.chunks.slice(0, -2).every((c) => c.rawBytes <= 64 * 1024)).toBe(true);
    expect(m.classes.find((c) => c.name === 'archive')?.rowCount).toBe(5000);
    const out: Buffer[] = [];
    for await (const c of readChunks(store, ring, m, { classes: ['archive'] })) out.push(c.rows);
    expect(Buffer.concat(out).equals(rows)).toBe(true);
  });

  it('keeps a row longer than the chunk size whole', async () => {
    const long = Buffer.from(`${'x'.repeat(250)}\n${'y'.repeat(10)}\n${'z'.repeat(300)}\n`);
    const w = new BackupWriter(store, ring, { backupId: 'full-l', chunkBytes: 100 });
    await pipeline(Readable.from([long.subarray(0, 120), long.subarray(120, 400), long.subarray(400)]), w.rowStream('archive'));
    const m = await w.finish(fullInfo());
    expect(m.chunks.map((c) => [c.rowCount, c.rawBytes])).toEqual([
      [1, 251],
      [1, 11],
      [1, 301],
    ]);
  });

  it('refuses a cut-off last row, a wrong row count, an existing backup id and chunks after finish', async () => {
    const w = new BackupWriter(store, ring, { backupId: 'full-x' });
    await expect(pipeline(Readable.from([Buffer.from('a\tb\nc\td')]), w.rowStream('archive'))).rejects.toThrow('rows of class archive do not end with a newline');
    await expect(w.addChunk('archive', invoiceRows('archive', 3), 4)).rejects.toThrow('said to hold 4 rows, but has 3 newline-terminated lines');
    await expect(w.addChunk('archive', Buffer.alloc(0), 1)).rejects.toThrow('no rows');
    await w.addChunk('archive', invoiceRows('archive', 3), 3);
    await w.finish(fullInfo());
    await expect(w.addChunk('archive', invoiceRows('archive', 3), 3)).rejects.toThrow('backup full-x is finished');
    const again = new BackupWriter(store, ring, { backupId: 'full-x' });
    await expect(again.addChunk('archive', invoiceRows('archive', 3), 3)).rejects.toThrow('backup full-x already exists');
    expect(() => new BackupWriter(store, ring, { backupId: '../etc' })).toThrow('is not valid');
    expect(() => new BackupWriter(store, ring, { backupId: 'latest' })).toThrow('is not valid');
  });

  it('checks the chain fields a backup is finished with', async () => {
    const w = () => new BackupWriter(store, ring, { backupId: 'b' });
    const at = '2025-03-02T00:00:00Z';
    await expect(w().finish({ kind: 'full', parentId: 'a', takenAt: at, pointInTime: at })).rejects.toThrow('cannot have a parent');
    await expect(w().finish({ kind: 'incremental', takenAt: at, pointInTime: at })).rejects.toThrow('needs parentId');
    await expect(w().finish({ kind: 'incremental', parentId: 'a', takenAt: at, pointInTime: at })).rejects.toThrow('needs baseFullId');
    await expect(w().finish({ kind: 'differential', parentId: 'i', baseFullId: 'f', takenAt: at, pointInTime: at })).rejects.toThrow("a differential's parent is its full backup");
    await expect(w().finish({ kind: 'full', takenAt: at, pointInTime: 'soon' })).rejects.toThrow('pointInTime: "soon" is not a date-time');
    const d = await w().finish({ kind: 'differential', parentId: 'f', takenAt: at, pointInTime: at, fromChange: 10n, toChange: 20n });
    expect(d).toMatchObject({ parentId: 'f', baseFullId: 'f', fromChange: '10', toChange: '20', rowCount: 0, chunks: [] });
  });

  it('an aborted backup leaves nothing behind', async () => {
    const w = new BackupWriter(store, ring, { backupId: 'full-a' });
    await w.addChunk('archive', invoiceRows('archive', 10), 10);
    await w.abort();
    expect(await store.list('full-a/')).toEqual([]);
    await expect(w.addChunk('archive', invoiceRows('archive', 10), 10)).rejects.toThrow('aborted');
  });
});

describe('corrupt backups are refused, naming the backup and chunk, and nothing is written', () => {
  it('a flipped byte', async () => {
    await smallBackup();
    const b = fs.readFileSync(file('full-1', 3));
    b[Math.floor(b.length / 2)] ^= 0x01;
    fs.writeFileSync(file('full-1', 3), b);
    await refused(['full-1'], 'chunk-altered', /^backup full-1, chunk 3 \(full-1\/chunks\/000003\.ybc\): altered: SHA-256 .* \(same length: a flipped or overwritten byte\)$/);
  });

  it('a flipped byte in a chunk header is damage, not a reordering', async () => {
    await smallBackup();
    const b = fs.readFileSync(file('full-1', 2));
    b[11] ^= 0x04; // the low byte of the sequence number: 2 -> 6
    fs.writeFileSync(file('full-1', 2), b);
    await refused(['full-1'], 'chunk-altered', /^backup full-1, chunk 2 \(full-1\/chunks\/000002\.ybc\): altered/);
  });

  it('a truncated chunk', async () => {
    await smallBackup();
    const b = fs.readFileSync(file('full-1', 4));
    fs.writeFileSync(file('full-1', 4), b.subarray(0, 1000));
    await refused(['full-1'], 'chunk-truncated', `backup full-1, chunk 4 (full-1/chunks/000004.ybc): truncated: 1000 of ${b.length} bytes`);
  });

  it('bytes appended to a chunk', async () => {
    await smallBackup();
    fs.appendFileSync(file('full-1', 1), 'x');
    await refused(['full-1'], 'chunk-extended', /^backup full-1, chunk 1 \(full-1\/chunks\/000001\.ybc\): \d+ bytes, the manifest says \d+: bytes were added$/);
  });

  it('a missing chunk', async () => {
    await smallBackup();
    fs.rmSync(file('full-1', 5));
    await refused(['full-1'], 'chunk-missing', `backup full-1, chunk 5 (full-1/chunks/000005.ybc): missing: no such file in directory ${root}`);
  });

  it('chunks reordered', async () => {
    await smallBackup();
    const two = fs.readFileSync(file('full-1', 2));
    fs.renameSync(file('full-1', 3), file('full-1', 2));
    fs.writeFileSync(file('full-1', 3), two);
    await refused(['full-1'], 'chunk-reordered', 'backup full-1, chunk 2 (full-1/chunks/000002.ybc): holds the bytes of chunk 3 (chunks/000003.ybc), not of chunk 2: chunk files were reordered or renamed');
  });

  it('a chunk moved from another backup', async () => {
    await smallBackup('full-1');
    await smallBackup('full-2', ring, fullInfo('2025-03-02T00:00:00Z'));
    fs.copyFileSync(file('full-1', 1), file('full-2', 1));
    await refused(['full-2'], 'chunk-foreign', 'backup full-2, chunk 1 (full-2/chunks/000001.ybc): holds chunk 1 of backup full-1: a chunk was moved or copied between backups');
  });

  it('an altered manifest', async () => {
    await smallBackup();
    const p = path.join(root, 'full-1', 'manifest.json');
    const m = JSON.parse(fs.readFileSync(p, 'utf8')) as BackupManifest;
    m.classes[0].rowCount += 1; // hide an invoice
    m.chunks[0].rowCount += 1;
    m.rowCount += 1;
    fs.writeFileSync(p, JSON.stringify(m));
    await refused(['full-1'], 'manifest-altered', 'backup full-1, manifest full-1/manifest.json: HMAC-SHA256 under key "k1" does not match: the manifest was altered after it was written');
  });

  it('a manifest altered to match an altered chunk', async () => {
    await smallBackup();
    const b = fs.readFileSync(file('full-1', 6));
    fs.writeFileSync(file('full-1', 6), b.subarray(0, b.length - 1));
    const p = path.join(root, 'full-1', 'manifest.json');
    const m = JSON.parse(fs.readFileSync(p, 'utf8')) as BackupManifest;
    m.chunks[5].byteLength -= 1;
    fs.writeFileSync(p, JSON.stringify(m, null, 2));
    await refused(['full-1'], 'manifest-altered', /manifest was altered/);
  });

  it('a pretty-printed but unchanged manifest still verifies', async () => {
    await smallBackup();
    const p = path.join(root, 'full-1', 'manifest.json');
    fs.writeFileSync(p, JSON.stringify(JSON.parse(fs.readFileSync(p, 'utf8')), null, 4));
    await expect(verifyBackup(store, ring, 'full-1')).resolves.toMatchObject({ rowCount: 707 });
  });

  it("a manifest copied over another backup's", async () => {
    await smallBackup('full-1');
    await smallBackup('full-2', ring, fullInfo('2025-03-02T00:00:00Z'));
    fs.copyFileSync(path.join(root, 'full-1', 'manifest.json'), path.join(root, 'full-2', 'manifest.json'));
    await refused(['full-2'], 'manifest-misplaced', 'backup full-2, manifest full-2/manifest.json: the manifest stored here is the manifest of backup full-1');
  });

  it('a wrong key', async () => {
    await smallBackup();
    const wrong = new Keyring({ k1: randomBytes(32) }, 'k1', 'other keyring');
    await refused(['full-1'], 'key-wrong', /^backup full-1, manifest full-1\/manifest\.json: key "k1" in the other keyring is not the key this backup was written with/, wrong);
  });

  it('a missing key', async () => {
    await smallBackup();
    const other = new Keyring({ k2: randomBytes(32) }, 'k2', 'other keyring');
    await refused(['full-1'], 'key-missing', 'backup full-1, manifest full-1/manifest.json: key id "k1" needed by backup full-1 is not in the other keyring (it has k2)', other);
  });

  it('a backup whose writer never finished (no manifest)', async () => {
    const w = new BackupWriter(store, ring, { backupId: 'full-1', concurrency: 1 }); // addChunk returns once stored
    await w.addChunk('archive', invoiceRows('archive', 10), 10);
    await refused(['full-1'], 'manifest-missing', 'backup full-1, manifest full-1/manifest.json: no manifest in directory');
    await expect(verifyBackup(store, ring, 'full-1')).rejects.toThrow('the backup is incomplete (its writer did not finish) or its manifest was deleted');
    expect(await listBackups(store)).toEqual([]);
  });
});

describe('restore chains', () => {
  const t = (d: number) => `2025-03-0${d}T00:00:00.000Z`;
  async function week(): Promise<void> {
    await smallBackup('f1', ring, { ...fullInfo(t(1)), toChange: 100 });
    const i2 = new BackupWriter(store, ring, { backupId: 'i2' });
    await i2.addChunk('current-period', invoiceRows('current-period', 5), 5);
    await i2.finish({ kind: 'incremental', parentId: 'f1', baseFullId: 'f1', fromChange: 100, toChange: 120, takenAt: t(2), pointInTime: t(2) });
    const d3 = new BackupWriter(store, ring, { backupId: 'd3' });
    await d3.addChunk('current-period', invoiceRows('current-period', 9), 9);
    await d3.finish({ kind: 'differential', parentId: 'f1', fromChange: 100, toChange: 150, takenAt: t(3), pointInTime: t(3) });
    const i4 = new BackupWriter(store, ring, { backupId: 'i4' });
    await i4.addChunk('red-letter', invoiceRows('red-letter', 2), 2);
    await i4.finish({ kind: 'incremental', parentId: 'd3', baseFullId: 'f1', fromChange: 150, toChange: 170, takenAt: t(4), pointInTime: t(4) });
  }

  it('verifies a full, a differential and an incremental, then restores them in order', async () => {
    await week();
    const report = await verifyChain(store, ring, ['f1', 'd3', 'i4']);
    expect(report).toMatchObject({ ids: ['f1', 'd3', 'i4'], pointInTime: t(4) });
    expect(report.backups.map((b) => b.rowCount)).toEqual([707, 9, 2]);
    const target: string[] = [];
    await restoreInto(target, ['f1', 'd3', 'i4']);
    expect(target).toHaveLength(8);
    // manifests handed in are checked against the stored ones
    const m = await readManifest(store, ring, 'd3');
    await expect(verifyChain(store, ring, ['f1', m, 'i4'], { depth: 'checksums' })).resolves.toMatchObject({ ids: ['f1', 'd3', 'i4'] });
    await expect(verifyChain(store, ring, ['f1', { ...m, mac: { ...m.mac, value: '00'.repeat(32) } }, 'i4'])).rejects.toThrow('the manifest handed in for link 2 of the chain f1 -> d3 -> i4 is not the one stored');
  });

  it('a missing chain link: a backup left out of the chain', async () => {
    await week();
    await refused(['f1', 'i4'], 'chain-broken', 'backup i4, chain: missing link: incremental i4 (link 2 of 2) has parent d3, which is not in the chain (it goes f1 -> i4) (chain f1 -> i4)');
  });

  it('a missing chain link: a backup deleted from the store', async () => {
    await week();
    await deleteBackup(store, 'd3');
    const e = await refused(['f1', 'd3', 'i4'], 'manifest-missing', 'backup d3, manifest d3/manifest.json: no such backup in directory');
    expect(e.message).toContain('(link 2 of 3 of the chain f1 -> d3 -> i4)');
  });

  it('links in the wrong order, a second full, and a chain not starting with a full', async () => {
    await week();
    await refused(['f1', 'i2', 'd3'], 'chain-broken', 'differential d3 (link 3 of 3) follows i2, but its parent is f1: i2 do not belong between them');
    await refused(['d3', 'i4'], 'chain-broken', 'backup d3, chain: the chain starts with differential d3, not with a full backup; its base full is f1');
    await refused([], 'chain-broken', 'the chain is empty');
  });

  it('a corrupt chunk in the last link stops the restore before the full is written', async () => {
    await week();
    fs.rmSync(file('i4', 1));
    await refused(['f1', 'd3', 'i4'], 'chunk-missing', 'backup i4, chunk 1 (i4/chunks/000001.ybc): missing');
  });
});
