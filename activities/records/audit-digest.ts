// Signed digests of the audit trail, the way CloudTrail chains digest files: a digest lists every
// stream's head (stream, seq, hash) at a moment and the previous digest's hash and signature, and
// is signed with Ed25519. Nothing in a stream can be changed, removed or inserted before its signed
// head without the chain or that head failing, and a verifier needs only the public key.
import { ApplicationFailure } from '@temporalio/activity';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import { BrokenEntry, canonicalJson, ChainCheck, checkHead, HeadLookup, StreamHead } from './audit-log';

export const DIGEST_FORMAT = 'yingji-audit-digest/1';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

export interface DigestBody {
  format: typeof DIGEST_FORMAT;
  at: string;
  keyId: string;
  /** The digest before this one (null for the first): removing or inserting a digest breaks the chain. */
  previous: { hash: string; signature: string } | null;
  streams: StreamHead[];
}

/** A digest as it is stored and exported: the exact signed text, its SHA-256 and signature. */
export interface StoredDigest {
  id: string;
  at: Date | string;
  keyId: string;
  body: string;
  hash: string;
  signature: string;
}

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** PEM text as given, or read from the path given. */
function pemOf(value: string, setting: string): string {
  if (value.includes('-----BEGIN')) return value;
  try {
    return fs.readFileSync(value, 'utf8');
  } catch (err) {
    throw new Error(`${setting} is neither PEM text nor a readable file (${value}): ${(err as Error).message}`);
  }
}

/** A short id derived from the public key, so a verifier can tell which key signed. */
export const keyIdOf = (publicKey: KeyObject) => `ed25519-${sha256(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 16)}`;

function ed25519(key: KeyObject, setting: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${setting} is a ${key.asymmetricKeyType} key; the audit trail is signed with Ed25519 (openssl genpkey -algorithm ed25519)`);
  return key;
}

/** The signing key from YINGJI_AUDIT_SIGNING_KEY (PEM or a path), with YINGJI_AUDIT_SIGNING_KEY_ID or one derived. */
export function loadSigningKey(env: NodeJS.ProcessEnv = process.env): SigningKey {
  const raw = env.YINGJI_AUDIT_SIGNING_KEY;
  if (!raw) {
    throw new Error('no audit signing key: set YINGJI_AUDIT_SIGNING_KEY to an Ed25519 private key (PEM text or the path of a PEM file); without it no digest or export can be signed');
  }
  const privateKey = ed25519(createPrivateKey(pemOf(raw, 'YINGJI_AUDIT_SIGNING_KEY')), 'YINGJI_AUDIT_SIGNING_KEY');
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: env.YINGJI_AUDIT_SIGNING_KEY_ID || keyIdOf(publicKey) };
}

export const localSigningKeyPath = (dataDir: string) => path.join(dataDir, 'keys', 'audit-signing-key.pem');

/**
 * For the local stack only: an Ed25519 key made once for this machine (mode 0600 under the data
 * folder, its public half beside it for auditors), returned as the path YINGJI_AUDIT_SIGNING_KEY takes.
 */
export function ensureLocalSigningKey(dataDir: string): string {
  const file = localSigningKeyPath(dataDir);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    fs.writeFileSync(file.replace(/key\.pem$/, 'key.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
    fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  return file;
}

/** A public key from PEM text or a path. */
export function readPublicKey(pemOrPath: string, setting = 'the public key'): KeyObject {
  return ed25519(createPublicKey(pemOf(pemOrPath, setting)), setting);
}

/** The key digests are checked with: YINGJI_AUDIT_PUBLIC_KEY, else the signing key's public half. */
export function loadVerifyKey(env: NodeJS.ProcessEnv = process.env): KeyObject | undefined {
  if (env.YINGJI_AUDIT_PUBLIC_KEY) return readPublicKey(env.YINGJI_AUDIT_PUBLIC_KEY, 'YINGJI_AUDIT_PUBLIC_KEY');
  return env.YINGJI_AUDIT_SIGNING_KEY ? loadSigningKey(env).publicKey : undefined;
}

export const signText = (text: string | Buffer, key: SigningKey) => sign(null, Buffer.from(text), key.privateKey).toString('base64');
export const verifyText = (text: string | Buffer, signature: string, publicKey: KeyObject) => {
  try {
    return verify(null, Buffer.from(text), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
};

/** Signs every stream's head now, linked to the digest before; one digest writer at a time. */
export async function writeAuditDigest(ds: DataSource, key: SigningKey, now = new Date()): Promise<StoredDigest & { streams: number }> {
  return ds.transaction(async (em) => {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext('yingji.audit-digests'))`);
    const [prev]: Array<{ hash: string; signature: string }> = await em.query(`SELECT hash, signature FROM audit_digests ORDER BY id DESC LIMIT 1`);
    const streams: StreamHead[] = await em.query(`SELECT DISTINCT ON (stream) stream, seq::int AS seq, hash FROM audit_entries ORDER BY stream, seq DESC`);
    const digest: DigestBody = { format: DIGEST_FORMAT, at: now.toISOString(), keyId: key.keyId, previous: prev ? { hash: prev.hash, signature: prev.signature } : null, streams };
    const body = canonicalJson(digest);
    const hash = sha256(body);
    const signature = signText(body, key);
    const [row] = await em.query(`INSERT INTO audit_digests (at, key_id, body, hash, signature) VALUES ($1, $2, $3, $4, $5) RETURNING id::text AS id`, [
      now,
      key.keyId,
      body,
      hash,
      signature,
    ]);
    return { id: row.id, at: now, keyId: key.keyId, body, hash, signature, streams: streams.length };
  });
}

export const DIGEST_COLUMNS = `id::text AS id, at, key_id AS "keyId", body, hash, signature`;

/**
 * Checks a run of digests (oldest first): each body against its hash and signature, each linked to
 * the one before (`before`: the digest preceding the run, when known). Returns the first that fails.
 */
export function checkDigestChain(digests: StoredDigest[], publicKey: KeyObject | undefined, before?: StoredDigest | null): { id: string; reason: string } | undefined {
  let prev = before;
  for (const d of digests) {
    const name = `digest ${d.id}`;
    if (sha256(d.body) !== d.hash) return { id: d.id, reason: `${name}: its body does not match its hash` };
    let body: DigestBody;
    try {
      body = JSON.parse(d.body);
    } catch {
      return { id: d.id, reason: `${name}: its body is not valid JSON` };
    }
    if (publicKey && !verifyText(d.body, d.signature, publicKey)) return { id: d.id, reason: `${name}: its signature does not verify with the public key (signed as ${body.keyId})` };
    if (prev !== undefined) {
      const expected = prev ? { hash: prev.hash, signature: prev.signature } : null;
      if (canonicalJson(body.previous) !== canonicalJson(expected)) {
        return { id: d.id, reason: `${name}: it does not link to ${prev ? `digest ${prev.id}` : 'nothing'} before it (a digest was removed, inserted or replaced)` };
      }
    }
    prev = d;
  }
  return undefined;
}

/** The digest part of /audit/verify: the whole chain of digests, then each stream against the latest. */
export async function checkDigests(
  em: EntityManager,
  lookup: HeadLookup,
  publicKey = loadVerifyKey(),
): Promise<{ check: NonNullable<ChainCheck['digests']>; broken?: BrokenEntry }> {
  const digests: StoredDigest[] = await em.query(`SELECT ${DIGEST_COLUMNS} FROM audit_digests ORDER BY id`);
  const latest = digests[digests.length - 1];
  const check: NonNullable<ChainCheck['digests']> = {
    count: digests.length,
    latestAt: latest ? new Date(latest.at).toISOString() : undefined,
    signaturesChecked: !!publicKey,
    note: publicKey ? undefined : 'signatures not checked: no key (set YINGJI_AUDIT_PUBLIC_KEY or YINGJI_AUDIT_SIGNING_KEY)',
  };
  const bad = checkDigestChain(digests, publicKey, null);
  if (bad) return { check: { ...check, brokenAt: bad } };
  if (!latest) return { check };
  // Each stream the latest digest signed must still hold that head: a shorter stream lost its tail.
  const heads = (JSON.parse(latest.body) as DigestBody).streams;
  const streams = await lookup(heads);
  for (const head of heads) {
    const broken = checkHead(streams.get(head.stream), head, `digest ${latest.id}`);
    if (broken) return { check, broken };
  }
  return { check };
}

/** The activity the `yingji-audit-digest` schedule runs. */
export function createAuditDigestActivities(ds: DataSource) {
  return {
    async writeAuditDigest(): Promise<{ id: string; at: string; streams: number; hash: string }> {
      let key: SigningKey;
      try {
        key = loadSigningKey();
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, 'AuditSigningKeyMissing');
      }
      const d = await writeAuditDigest(ds, key);
      return { id: d.id, at: new Date(d.at).toISOString(), streams: d.streams, hash: d.hash };
    },
  };
}
