// The after-run log scan: every file under a folder, line by line, for Yingji tokens (by their
// shape, whoever issued them) and for the exact secrets the run recorded (token secrets on their
// own, backup keys as base64, base64url and hex). A file that cannot be read is a finding too:
// nothing is skipped silently.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RecordedSecret } from './secrets';

/** A whole token as token-store.ts issues it: `yj_<16 hex>.<43 base64url>`. */
const TOKEN_RE = /yj_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/;
/** Runs of characters a secret is written in (base64, base64url, hex). */
const RUN_RE = /[A-Za-z0-9+/_=-]{32,}/g;

export interface Finding {
  file: string;
  /** 1-based; 0 when the whole file is the finding (unreadable). */
  line: number;
  what: string;
}

export interface ScanResult {
  files: number;
  bytes: number;
  findings: Finding[];
}

/** The forms a secret may be printed in, each mapped to what it is (never the secret itself). */
function needles(secrets: RecordedSecret[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of secrets) {
    const what = `${s.kind} (${s.label})`;
    out.set(s.value, what);
    if (s.kind === 'backup key') {
      const raw = Buffer.from(s.value, 'base64');
      out.set(raw.toString('base64'), what);
      out.set(raw.toString('base64url'), what);
      out.set(raw.toString('hex'), what);
    }
  }
  return out;
}

/** Findings in one text (a log file's content). */
export function scanText(text: string, secrets: Map<string, string>, file = '(text)'): Finding[] {
  const lengths = [...new Set([...secrets.keys()].map((k) => k.length))];
  const findings: Finding[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const token = TOKEN_RE.exec(line);
    if (token) findings.push({ file, line: i + 1, what: `a Yingji token (${token[0].slice(0, 20)}…)` });
    for (const run of line.match(RUN_RE) ?? []) {
      for (const n of lengths) {
        for (let at = 0; at + n <= run.length; at++) {
          const what = secrets.get(run.slice(at, at + n));
          if (what) {
            findings.push({ file, line: i + 1, what });
            return;
          }
        }
      }
    }
  });
  return findings;
}

/** Beyond what one string may hold: a large log is read in pieces cut at line ends. */
const PIECE = 64 * 1024 * 1024;

function scanBuffer(content: Buffer, known: Map<string, string>, file: string): Finding[] {
  const findings: Finding[] = [];
  let lineBase = 0;
  for (let start = 0; start < content.length; ) {
    let end = Math.min(content.length, start + PIECE);
    if (end < content.length) {
      const nl = content.lastIndexOf(0x0a, end - 1);
      if (nl >= start) end = nl + 1;
    }
    // latin1 keeps every byte: a secret is ASCII whatever the rest of the file holds.
    const text = content.toString('latin1', start, end);
    findings.push(...scanText(text, known, file).map((f) => ({ ...f, line: f.line + lineBase })));
    lineBase += text.split('\n').length - 1;
    start = end;
  }
  return findings;
}

/** Scans every file under `dir` (following nothing outside it); `secrets` as recorded by the run. */
export function scanFolder(dir: string, secrets: RecordedSecret[]): ScanResult {
  const known = needles(secrets);
  const result: ScanResult = { files: 0, bytes: 0, findings: [] };
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch (e) {
      result.findings.push({ file: d, line: 0, what: `folder cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): not scanned` });
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        walk(p);
        continue;
      }
      if (!e.isFile()) {
        result.findings.push({ file: p, line: 0, what: `not a regular file (${e.isSymbolicLink() ? 'a symbolic link' : 'a special file'}): not scanned` });
        continue;
      }
      let content: Buffer;
      try {
        content = fs.readFileSync(p);
      } catch (err) {
        result.findings.push({ file: p, line: 0, what: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): not scanned` });
        continue;
      }
      if (content[0] === 0x1f && content[1] === 0x8b) {
        result.findings.push({ file: p, line: 0, what: 'gzip-compressed: not scanned (keep test logs uncompressed)' });
        continue;
      }
      result.files++;
      result.bytes += content.length;
      result.findings.push(...scanBuffer(content, known, p));
    }
  };
  walk(dir);
  return result;
}

export { needles as secretForms };
