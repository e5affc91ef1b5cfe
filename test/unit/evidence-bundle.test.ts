import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { verifyEvidenceBundle, writeEvidenceBundle } from '../../activities/evidence/bundle';

const META = { incidentId: 'inc-7', step: 'snapshot-evidence', window: { from: '2026-12-01T00:00:00.000Z', to: '2026-12-01T01:00:00.000Z' }, createdAt: '2026-12-01T01:00:00.000Z', requested: {} };

describe('an evidence bundle and its manifest', () => {
  let dir: string;
  beforeEach(() => {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'evidence-')), 'bundle');
    writeEvidenceBundle(
      dir,
      [
        { name: 'timeline.jsonl', rows: [{ kind: 'incident.opened', message: '开始 opened' }, { kind: 'task.completed' }] },
        { name: 'audit.jsonl', rows: [{ id: '1', subject_id: 'inc-7' }] },
        { name: 'notifications.jsonl', rows: [] },
        { name: 'access.jsonl', rows: [{ id: 'tok-1', person: 'zhang-wei' }] },
      ],
      META,
    );
  });
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  // Writes go through a read-only file: the test makes it writable again, as an attacker would.
  const tamper = (name: string, change: (b: Buffer) => void) => {
    const file = path.join(dir, name);
    fs.chmodSync(file, 0o644);
    const b = fs.readFileSync(file);
    change(b);
    fs.writeFileSync(file, b);
  };

  it('lists each file with bytes, lines and SHA-256, read-only, and verifies', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.files.map((f: { name: string; lines: number }) => [f.name, f.lines])).toEqual([
      ['timeline.jsonl', 2],
      ['audit.jsonl', 1],
      ['notifications.jsonl', 0],
      ['access.jsonl', 1],
    ]);
    expect(manifest).toMatchObject({ incidentId: 'inc-7', window: META.window, bundleSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    for (const name of fs.readdirSync(dir)) expect((fs.statSync(path.join(dir, name)).mode & 0o777).toString(8)).toBe('444');
    expect(verifyEvidenceBundle(dir)).toEqual({ ok: true, files: 4, bundleSha256: manifest.bundleSha256 });
  });

  it('one byte changed in one file: names that file', () => {
    tamper('audit.jsonl', (b) => (b[5] ^= 1));
    expect(verifyEvidenceBundle(dir)).toMatchObject({ ok: false, bad: { file: 'audit.jsonl', reason: 'SHA-256 differs from the manifest' } });
  });

  it('a file deleted: names it as missing', () => {
    fs.rmSync(path.join(dir, 'access.jsonl'));
    expect(verifyEvidenceBundle(dir)).toMatchObject({ ok: false, bad: { file: 'access.jsonl', reason: 'missing' } });
  });

  it('the manifest edited to match a changed file: names the manifest', () => {
    tamper('manifest.json', (b) => b.write(b.toString().replace('"lines": 2', '"lines": 3')));
    expect(verifyEvidenceBundle(dir)).toMatchObject({ ok: false, bad: { file: 'manifest.json' } });
  });

  it('a file slipped in: names it', () => {
    fs.writeFileSync(path.join(dir, 'extra.jsonl'), '{}\n');
    expect(verifyEvidenceBundle(dir)).toMatchObject({ ok: false, bad: { file: 'extra.jsonl', reason: 'is not in the manifest' } });
  });
});
