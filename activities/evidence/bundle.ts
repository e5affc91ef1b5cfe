// An evidence bundle: JSONL files in one folder, sealed by manifest.json (each file's size, line
// count and SHA-256, and one hash over that list). Files are read-only once written; the manifest is
// written last, so a folder without one is an unfinished bundle.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalJson } from '../records/audit-log';

export const MANIFEST = 'manifest.json';

export interface ManifestFile {
  name: string;
  bytes: number;
  lines: number;
  sha256: string;
}

export interface EvidenceManifest {
  incidentId: string;
  step: string;
  window: { from: string; to: string };
  createdAt: string;
  /** What the plan asked to preserve (its `with`), recorded as given. */
  requested: Record<string, unknown>;
  files: ManifestFile[];
  /** SHA-256 of the canonical JSON of `files`: one figure that seals the whole bundle. */
  bundleSha256: string;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
export const filesHash = (files: ManifestFile[]) => sha256(canonicalJson(files));

/** Writes the bundle into `dir` (which must not exist yet) and returns its manifest. */
export function writeEvidenceBundle(
  dir: string,
  contents: Array<{ name: string; rows: unknown[] }>,
  meta: Omit<EvidenceManifest, 'files' | 'bundleSha256'>,
): EvidenceManifest {
  fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
  const files = contents.map(({ name, rows }) => {
    const body = Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
    writeReadOnly(path.join(dir, name), body);
    return { name, bytes: body.length, lines: rows.length, sha256: sha256(body) };
  });
  const manifest: EvidenceManifest = { ...meta, files, bundleSha256: filesHash(files) };
  // Under a temporary name first: the manifest appears whole or not at all.
  const tmp = path.join(dir, `.${MANIFEST}.tmp`);
  fs.rmSync(tmp, { force: true });
  writeReadOnly(tmp, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  fs.renameSync(tmp, path.join(dir, MANIFEST));
  return manifest;
}

function writeReadOnly(file: string, body: Buffer): void {
  const fd = fs.openSync(file, 'wx', 0o444);
  try {
    fs.writeSync(fd, body);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(file, 0o444); // whatever the umask did
}

export interface BundleCheck {
  ok: boolean;
  files: number;
  bundleSha256?: string;
  /** The first file that does not match its manifest, and how. */
  bad?: { file: string; reason: string };
}

/** Recomputes every file's SHA-256 against manifest.json; names the first file that differs. */
export function verifyEvidenceBundle(dir: string): BundleCheck {
  const manifestFile = path.join(dir, MANIFEST);
  if (!fs.existsSync(manifestFile)) return { ok: false, files: 0, bad: { file: MANIFEST, reason: `missing: ${dir} is not a finished evidence bundle` } };
  let manifest: EvidenceManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as EvidenceManifest;
  } catch (err) {
    return { ok: false, files: 0, bad: { file: MANIFEST, reason: `not readable JSON (${(err as Error).message})` } };
  }
  if (!Array.isArray(manifest.files)) return { ok: false, files: 0, bad: { file: MANIFEST, reason: 'has no files list' } };
  const fail = (file: string, reason: string): BundleCheck => ({ ok: false, files: manifest.files.length, bad: { file, reason } });
  if (filesHash(manifest.files) !== manifest.bundleSha256) return fail(MANIFEST, 'its files list does not match its bundleSha256 (the manifest was edited)');
  for (const f of manifest.files) {
    const file = path.join(dir, path.basename(f.name));
    if (!fs.existsSync(file)) return fail(f.name, 'missing');
    const body = fs.readFileSync(file);
    if (body.length !== f.bytes) return fail(f.name, `is ${body.length} bytes, the manifest says ${f.bytes}`);
    if (sha256(body) !== f.sha256) return fail(f.name, 'SHA-256 differs from the manifest');
  }
  const listed = new Set([MANIFEST, ...manifest.files.map((f) => f.name)]);
  const extra = fs.readdirSync(dir).filter((n) => !listed.has(n)).sort();
  if (extra.length) return fail(extra[0], 'is not in the manifest');
  return { ok: true, files: manifest.files.length, bundleSha256: manifest.bundleSha256 };
}

export function readManifest(dir: string): EvidenceManifest | undefined {
  const file = path.join(dir, MANIFEST);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as EvidenceManifest) : undefined;
}
