import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalJson, checkStream, entryHash, GENESIS, StoredEntry, streamOf } from '../../activities/records/audit-log';
import { checkDigestChain, DIGEST_FORMAT, ensureLocalSigningKey, keyIdOf, loadSigningKey, readPublicKey, sha256, signText, StoredDigest } from '../../activities/records/audit-digest';

/** A stream of n entries, linked as appendAudit links them. */
function chain(n: number, stream = 'inc-20261202-abc'): StoredEntry[] {
  const out: StoredEntry[] = [];
  let prev = GENESIS;
  for (let seq = 1; seq <= n; seq++) {
    const e: StoredEntry = { id: String(100 + seq), stream, seq, at: new Date(Date.UTC(2026, 11, 2, 8, seq)), actor: 'zhang-wei', action: 'task.note', subjectType: 'incident', subjectId: stream, outcome: 'ok', detail: { seq }, prevHash: prev, hash: '' };
    e.hash = entryHash(e);
    prev = e.hash;
    out.push(e);
  }
  return out;
}
const fake = (prev: StoredEntry, seq: number, id: string): StoredEntry => {
  const e: StoredEntry = { ...prev, id, seq, actor: 'mallory', prevHash: prev.hash, hash: '' };
  e.hash = entryHash(e);
  return e;
};

describe('one stream checked entry by entry', () => {
  it('an intact stream passes', () => expect(checkStream(chain(6))).toBeUndefined());

  it('names the altered entry', () => {
    const s = chain(6);
    s[2] = { ...s[2], actor: 'mallory' };
    expect(checkStream(s)).toMatchObject({ kind: 'altered', seq: 3, id: '103' });
  });

  it('names the deleted seq, whether the gap is left or closed up', () => {
    const s = chain(6);
    expect(checkStream([...s.slice(0, 3), ...s.slice(4)])).toMatchObject({ kind: 'deleted', seq: 4, id: '105' });
    const closed = [...s.slice(0, 3), ...s.slice(4).map((e) => ({ ...e, seq: e.seq - 1 }))];
    expect(checkStream(closed)).toMatchObject({ kind: 'deleted', seq: 4, id: '105' });
    expect(checkStream(s.slice(1))).toMatchObject({ kind: 'deleted', seq: 1, id: '102' });
  });

  it('names the inserted entry: seqs moved up for it, a repeated seq, a repeated last seq', () => {
    const s = chain(6);
    const moved = [...s.slice(0, 3), fake(s[2], 4, '999'), ...s.slice(3).map((e) => ({ ...e, seq: e.seq + 1 }))];
    expect(checkStream(moved)).toMatchObject({ kind: 'inserted', seq: 4, id: '999' });
    expect(checkStream([...s.slice(0, 4), fake(s[2], 4, '999'), ...s.slice(4)])).toMatchObject({ kind: 'inserted', seq: 4, id: '999' });
    expect(checkStream([...s, fake(s[4], 6, '999')])).toMatchObject({ kind: 'inserted', seq: 6, id: '999' });
  });

  it('names the first entry out of order', () => {
    const s = chain(6);
    const swapped = [s[0], s[1], { ...s[3], seq: 3 }, { ...s[2], seq: 4 }, s[4], s[5]];
    expect(checkStream(swapped)).toMatchObject({ kind: 'reordered', seq: 3, id: '104' });
  });
});

describe('which stream an entry joins', () => {
  it.each([
    [{ subjectType: 'incident', subjectId: 'inc-20261202-k3x9q2' }, 'inc-20261202-k3x9q2'],
    [{ subjectType: 'task', subjectId: 'inc-20261202-k3x9q2.isolate' }, 'inc-20261202-k3x9q2'],
    [{ subjectType: 'step', subjectId: 'drill-20261202-aaaa/restore' }, 'drill-20261202-aaaa'],
    [{ subjectType: 'drill-schedule', subjectId: 'drill-schedule-hello' }, 'drill-schedule'],
    [{ subjectType: 'token', subjectId: '0123456789abcdef' }, 'token'],
    [{ subjectType: 'token', subjectId: 'x', stream: 'audit' }, 'audit'],
  ])('%j joins %s', (r, stream) => expect(streamOf(r)).toBe(stream));
});

describe('the digest chain', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key = { privateKey, publicKey, keyId: keyIdOf(publicKey) };
  const digests: StoredDigest[] = [];
  for (let i = 1; i <= 3; i++) {
    const prev = digests[digests.length - 1];
    const body = canonicalJson({ format: DIGEST_FORMAT, at: `2026-12-02T0${i}:00:00.000Z`, keyId: key.keyId, previous: prev ? { hash: prev.hash, signature: prev.signature } : null, streams: [{ stream: 'token', seq: i, hash: 'h' }] });
    digests.push({ id: String(i), at: '', keyId: key.keyId, body, hash: sha256(body), signature: signText(body, key) });
  }

  it('holds when whole, and names a removed, re-signed or edited digest', () => {
    expect(checkDigestChain(digests, publicKey, null)).toBeUndefined();
    expect(checkDigestChain([digests[0], digests[2]], publicKey, null)).toMatchObject({ id: '3', reason: expect.stringMatching(/does not link to digest 1 before it/) });
    const other = generateKeyPairSync('ed25519');
    expect(checkDigestChain(digests, other.publicKey, null)).toMatchObject({ id: '1', reason: expect.stringMatching(/signature does not verify/) });
    const edited = { ...digests[1], body: digests[1].body.replace('"seq":2', '"seq":9') };
    expect(checkDigestChain([digests[0], edited, digests[2]], publicKey, null)).toMatchObject({ id: '2', reason: 'digest 2: its body does not match its hash' });
  });
});

describe('signing keys', () => {
  it('the local stack makes its key once (0600, public half beside it); the key is read from a path or PEM; no key or another kind is refused, saying so', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-audit-key-'));
    const file = ensureLocalSigningKey(dir);
    const pem = fs.readFileSync(file, 'utf8');
    expect(ensureLocalSigningKey(dir)).toBe(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(pem);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const fromPath = loadSigningKey({ YINGJI_AUDIT_SIGNING_KEY: file });
    expect(loadSigningKey({ YINGJI_AUDIT_SIGNING_KEY: pem }).keyId).toBe(fromPath.keyId);
    expect(keyIdOf(readPublicKey(file.replace(/key\.pem$/, 'key.pub.pem')))).toBe(fromPath.keyId);
    expect(loadSigningKey({ YINGJI_AUDIT_SIGNING_KEY: file, YINGJI_AUDIT_SIGNING_KEY_ID: 'audit-2026' }).keyId).toBe('audit-2026');
    expect(() => loadSigningKey({})).toThrow('no audit signing key: set YINGJI_AUDIT_SIGNING_KEY');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => loadSigningKey({ YINGJI_AUDIT_SIGNING_KEY: rsa })).toThrow('YINGJI_AUDIT_SIGNING_KEY is a rsa key; the audit trail is signed with Ed25519');
    expect(() => loadSigningKey({ YINGJI_AUDIT_SIGNING_KEY: path.join(dir, 'missing.pem') })).toThrow(/YINGJI_AUDIT_SIGNING_KEY is neither PEM text nor a readable file/);
  });
});
