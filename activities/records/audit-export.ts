// An audit export for an external auditor: the entries of a time range as JSONL, the signed digests
// that cover them, and a manifest (counts per stream, each file's SHA-256, the query and its
// parameters, the source system) signed with Ed25519. verifyAuditExport checks a bundle offline with
// only the public key, and names the entry (stream/seq), digest or file that does not hold.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { appendAudit, BrokenEntry, canonicalJson, checkStream, ENTRY_COLUMNS, StoredEntry } from './audit-log';
import { checkDigestChain, DigestBody, DIGEST_COLUMNS, sha256, signText, SigningKey, StoredDigest, verifyText, writeAuditDigest } from './audit-digest';

export const EXPORT_FORMAT = 'yingji-audit-export/1';
export const ENTRIES_FILE = 'entries.jsonl';
export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig.json';

/** One stream's slice in the bundle: whole from firstSeq to lastSeq, linked to the entry before. */
export interface ExportedStream {
  stream: string;
  count: number;
  firstSeq: number;
  lastSeq: number;
  /** The hash the first exported entry links to (the entry before the range, or the genesis). */
  firstPrevHash: string;
  lastHash: string;
}

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  source: { system: string; database: string; exportedAt: string; exportedBy: string };
  range: { from: string; to: string };
  query: { sql: string; parameters: Record<string, string>; filters: string };
  counts: { entries: number; streams: number; digests: number };
  streams: ExportedStream[];
  digests: string[];
  files: Record<string, { bytes: number; sha256: string }>;
  keyId: string;
}

// Each stream's entries in the range, widened to a whole run of seqs, so every link can be checked.
const RANGE_SQL = `WITH r AS (SELECT stream, min(seq) AS lo, max(seq) AS hi FROM audit_entries WHERE at >= $1 AND at < $2 GROUP BY stream)
SELECT ${ENTRY_COLUMNS} FROM audit_entries e JOIN r USING (stream) WHERE e.seq BETWEEN r.lo AND r.hi ORDER BY e.stream, e.seq, e.id`;

/** One entry as a JSONL line: every field the hash covers, plus where it sits. */
const entryLine = (e: StoredEntry) =>
  canonicalJson({ id: e.id, stream: e.stream, seq: e.seq, at: new Date(e.at).toISOString(), actor: e.actor, action: e.action, subjectType: e.subjectType, subjectId: e.subjectId, outcome: e.outcome, detail: e.detail, prevHash: e.prevHash, hash: e.hash });
const digestFile = (d: StoredDigest) => `digests/digest-${d.id}.json`;

/** A connection URL without its password, to name the source system. */
const describeDatabase = (url: string) => {
  try {
    const u = new URL(url);
    return `postgresql://${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'postgresql';
  }
};

/**
 * Writes the bundle into `out` (which must not exist): first a digest signed now, so the newest
 * entries are covered, then the entries, the digests from the last one before `from`, the manifest
 * and its signature. The export itself is audited (stream `audit`).
 */
export async function exportAudit(
  ds: DataSource,
  o: { from: Date; to: Date; out: string; by: string; key: SigningKey; databaseUrl: string },
): Promise<{ dir: string; manifest: ExportManifest }> {
  if (!(o.from < o.to)) throw new Error(`--from (${o.from.toISOString()}) must be before --to (${o.to.toISOString()})`);
  if (fs.existsSync(o.out)) throw new Error(`${o.out} already exists: an export is written into a new folder`);
  await writeAuditDigest(ds, o.key);
  const entries: StoredEntry[] = await ds.query(RANGE_SQL, [o.from, o.to]);
  const digests: StoredDigest[] = await ds.query(
    `SELECT ${DIGEST_COLUMNS} FROM audit_digests WHERE id >= coalesce((SELECT max(id) FROM audit_digests WHERE at < $1), 0) ORDER BY id`,
    [o.from],
  );

  const streams: ExportedStream[] = [];
  for (const e of entries) {
    const s = streams[streams.length - 1];
    if (s?.stream === e.stream) Object.assign(s, { count: s.count + 1, lastSeq: e.seq, lastHash: e.hash });
    else streams.push({ stream: e.stream, count: 1, firstSeq: e.seq, lastSeq: e.seq, firstPrevHash: e.prevHash, lastHash: e.hash });
  }

  fs.mkdirSync(path.join(o.out, 'digests'), { recursive: true, mode: 0o750 });
  const files: ExportManifest['files'] = {};
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(o.out, name), text, { mode: 0o440 });
    files[name] = { bytes: Buffer.byteLength(text), sha256: sha256(text) };
  };
  write(ENTRIES_FILE, entries.map((e) => `${entryLine(e)}\n`).join(''));
  for (const d of digests) write(digestFile(d), `${canonicalJson({ id: d.id, at: new Date(d.at).toISOString(), keyId: d.keyId, body: d.body, hash: d.hash, signature: d.signature })}\n`);

  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    source: { system: 'Yingji audit trail (audit_entries)', database: describeDatabase(o.databaseUrl), exportedAt: new Date().toISOString(), exportedBy: o.by },
    range: { from: o.from.toISOString(), to: o.to.toISOString() },
    query: { sql: RANGE_SQL, parameters: { $1: o.from.toISOString(), $2: o.to.toISOString() }, filters: 'at >= from and at < to; each stream widened to a whole run of seqs' },
    counts: { entries: entries.length, streams: streams.length, digests: digests.length },
    streams,
    digests: digests.map(digestFile),
    files,
    keyId: o.key.keyId,
  };
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  fs.writeFileSync(path.join(o.out, MANIFEST_FILE), text, { mode: 0o440 });
  fs.writeFileSync(path.join(o.out, SIGNATURE_FILE), `${JSON.stringify({ algorithm: 'Ed25519', keyId: o.key.keyId, signature: signText(text, o.key) }, null, 2)}\n`, { mode: 0o440 });
  await ds.transaction((em) =>
    appendAudit(em, {
      at: new Date(), actor: o.by, action: 'audit.export', subjectType: 'audit-export', subjectId: sha256(text).slice(0, 16), outcome: 'ok', stream: 'audit',
      detail: { from: manifest.range.from, to: manifest.range.to, entries: entries.length, streams: streams.length, out: path.resolve(o.out) },
    }),
  );
  return { dir: o.out, manifest };
}

export interface ExportCheck {
  ok: boolean;
  entries: number;
  streams: number;
  digests: number;
  keyId?: string;
  /** The first thing that does not hold: an entry (stream/seq), a digest or a file. */
  problem?: { what: string; reason: string; entry?: Pick<BrokenEntry, 'stream' | 'seq' | 'kind'> };
}

/** Checks a bundle with only the public key: no database, no API. */
export function verifyAuditExport(dir: string, publicKey: KeyObject): ExportCheck {
  const read = (name: string) => fs.readFileSync(path.join(dir, name));
  const fail = (what: string, reason: string): ExportCheck => ({ ok: false, entries: 0, streams: 0, digests: 0, problem: { what, reason } });
  for (const name of [MANIFEST_FILE, SIGNATURE_FILE, ENTRIES_FILE]) if (!fs.existsSync(path.join(dir, name))) return fail(name, 'is missing from the bundle');

  const manifestText = read(MANIFEST_FILE);
  let sig: { keyId: string; signature: string };
  try {
    sig = JSON.parse(read(SIGNATURE_FILE).toString('utf8'));
  } catch {
    return fail(SIGNATURE_FILE, 'is not valid JSON');
  }
  if (!verifyText(manifestText, sig.signature, publicKey)) return fail(MANIFEST_FILE, `its signature does not verify with the public key (signed as ${sig.keyId})`);
  const manifest: ExportManifest = JSON.parse(manifestText.toString('utf8'));
  const summary = { entries: manifest.counts.entries, streams: manifest.counts.streams, digests: manifest.counts.digests, keyId: sig.keyId };

  // The entries, stream by stream, in the order and runs the manifest signed.
  const lines = read(ENTRIES_FILE).toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const parsed = new Map<string, StoredEntry[]>();
  let n = 0;
  for (const s of manifest.streams) {
    const list: StoredEntry[] = [];
    for (let seq = s.firstSeq; seq <= s.lastSeq; seq++, n++) {
      const where = `entry ${s.stream}/${seq} (${ENTRIES_FILE} line ${n + 1})`;
      const entry = { stream: s.stream, seq, kind: 'altered' as BrokenEntry['kind'] };
      if (n >= lines.length) return { ...summary, ok: false, problem: { what: where, reason: 'is missing: the file ends before it', entry: { ...entry, kind: 'deleted' } } };
      let e: StoredEntry;
      try {
        e = JSON.parse(lines[n]);
      } catch {
        return { ...summary, ok: false, problem: { what: where, reason: 'is not valid JSON', entry } };
      }
      e.at = new Date(e.at);
      if (e.stream !== s.stream || e.seq !== seq) {
        // Further down the run: moved (reordered); a later seq here: this one removed; an earlier one: a line added.
        const later = lines.slice(n + 1, n + 1 + s.lastSeq - seq).some((l) => l.includes(`"seq":${seq},`) && l.includes(`"stream":${JSON.stringify(s.stream)}`));
        const kind = e.stream !== s.stream ? 'altered' : later ? 'reordered' : e.seq > seq ? 'deleted' : 'inserted';
        return { ...summary, ok: false, problem: { what: where, reason: `${kind}: the line holds ${e.stream}/${e.seq}`, entry: { ...entry, kind } } };
      }
      list.push(e);
    }
    const broken = checkStream(list, s.firstSeq, s.firstPrevHash);
    if (broken) return { ...summary, ok: false, problem: { what: `entry ${broken.stream}/${broken.seq}`, reason: `${broken.kind}: ${broken.reason}`, entry: broken } };
    if (list[list.length - 1].hash !== s.lastHash) {
      return { ...summary, ok: false, problem: { what: `entry ${s.stream}/${s.lastSeq}`, reason: 'its hash differs from the one the manifest signed', entry: { stream: s.stream, seq: s.lastSeq, kind: 'altered' } } };
    }
    parsed.set(s.stream, list);
  }
  if (n !== lines.length) return { ...summary, ok: false, problem: { what: `${ENTRIES_FILE} line ${n + 1}`, reason: `is not in the manifest (it lists ${n} entries)`, entry: undefined } };

  // The digests: each signed and linked to the one before; every head they list inside the range matches.
  const digests: StoredDigest[] = [];
  for (const name of manifest.digests) {
    try {
      digests.push(JSON.parse(read(name).toString('utf8')));
    } catch {
      return { ...summary, ok: false, problem: { what: name, reason: 'is missing or not valid JSON' } };
    }
  }
  const badDigest = checkDigestChain(digests, publicKey);
  if (badDigest) return { ...summary, ok: false, problem: { what: `digest ${badDigest.id} (digests/digest-${badDigest.id}.json)`, reason: badDigest.reason } };
  for (const d of digests) {
    for (const head of (JSON.parse(d.body) as DigestBody).streams) {
      const e = parsed.get(head.stream)?.find((x) => x.seq === head.seq);
      if (e && e.hash !== head.hash) {
        return { ...summary, ok: false, problem: { what: `entry ${head.stream}/${head.seq}`, reason: `its hash differs from the one digest ${d.id} signed`, entry: { stream: head.stream, seq: head.seq, kind: 'altered' } } };
      }
    }
  }

  // Last, every byte of every file against the manifest (whatever the checks above could not see).
  for (const [name, f] of Object.entries(manifest.files)) {
    if (!fs.existsSync(path.join(dir, name))) return { ...summary, ok: false, problem: { what: name, reason: 'is missing from the bundle' } };
    if (sha256(read(name)) !== f.sha256) return { ...summary, ok: false, problem: { what: name, reason: 'its SHA-256 differs from the manifest' } };
  }
  return { ...summary, ok: true };
}
