// The directory backup store: atomic writes, paths confined under the root, S3-like listing.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { checkStorePath, DirectoryStore, StoreNotFoundError, StorePathError } from '../../activities/backup/store';

let root: string;
let store: DirectoryStore;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-store-'));
  store = new DirectoryStore(root);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

async function text(s: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const p of s) parts.push(p as Buffer);
  return Buffer.concat(parts).toString();
}

describe('DirectoryStore', () => {
  it('puts buffers and streams, gets them back, lists by prefix, deletes', async () => {
    await store.put('full-1/manifest.json', Buffer.from('{}'));
    await store.put('full-1/chunks/000001.ybc', Readable.from([Buffer.from('ab'), Buffer.from('cd')]));
    await store.put('full-10/manifest.json', Buffer.from('{}'));
    expect((await store.get('full-1/chunks/000001.ybc')).toString()).toBe('abcd');
    expect(await text(await store.stream('full-1/chunks/000001.ybc'))).toBe('abcd');
    expect(await store.list('full-1/')).toEqual(['full-1/chunks/000001.ybc', 'full-1/manifest.json']);
    expect(await store.list('full-1')).toEqual(['full-1/chunks/000001.ybc', 'full-1/manifest.json', 'full-10/manifest.json']);
    expect(await store.list('')).toHaveLength(3);
    expect(await store.list('nothing/')).toEqual([]);
    expect(await store.exists('full-1/manifest.json')).toBe(true);
    expect(await store.exists('full-1/chunks')).toBe(false);
    await store.delete('full-1/manifest.json');
    await store.delete('full-1/manifest.json');
    expect(await store.exists('full-1/manifest.json')).toBe(false);
    expect(fs.statSync(path.join(root, 'full-1/chunks/000001.ybc')).mode & 0o777).toBe(0o640);
  });

  it('reports a missing object as StoreNotFoundError', async () => {
    await expect(store.get('full-1/manifest.json')).rejects.toBeInstanceOf(StoreNotFoundError);
    await expect(store.get('full-1/manifest.json')).rejects.toThrow(`full-1/manifest.json not found in directory ${root}`);
    await expect(store.stream('x/y')).rejects.toBeInstanceOf(StoreNotFoundError);
  });

  it('replaces atomically and leaves no temporary file; a failed put keeps the old object', async () => {
    await store.put('b/manifest.json', Buffer.from('old'));
    await store.put('b/manifest.json', Buffer.from('new'));
    expect((await store.get('b/manifest.json')).toString()).toBe('new');
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('connection lost'));
      },
    });
    await expect(store.put('b/manifest.json', failing)).rejects.toThrow('connection lost');
    expect((await store.get('b/manifest.json')).toString()).toBe('new');
    expect(fs.readdirSync(path.join(root, 'b'))).toEqual(['manifest.json']);
  });

  it('ignores and sweeps temporary files left by a crash', async () => {
    await store.put('b/manifest.json', Buffer.from('x'));
    fs.writeFileSync(path.join(root, 'b', '.tmp-0123-manifest.json'), 'half');
    expect(await store.list('b/')).toEqual(['b/manifest.json']);
    expect(await store.sweepTemporaryFiles(0)).toBe(1);
    expect(fs.readdirSync(path.join(root, 'b'))).toEqual(['manifest.json']);
  });

  it('keeps every path under the root', async () => {
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'a/.', '', 'a\\..\\b', '.hidden', 'a/\0b']) {
      await expect(store.put(bad, Buffer.from('x'))).rejects.toBeInstanceOf(StorePathError);
      await expect(store.get(bad)).rejects.toBeInstanceOf(StorePathError);
    }
    await expect(store.list('../')).rejects.toBeInstanceOf(StorePathError);
    expect(() => checkStorePath('full-2025-03-01T00:00Z/chunks/000001.ybc')).not.toThrow();
    expect(fs.readdirSync(path.dirname(root)).filter((n) => n === 'x')).toEqual([]);
  });
});
