import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scanFolder } from '../../test/after-run/log-scan';
import type { RecordedSecret } from '../../test/after-run/secrets';

// The after-run scan must find what is planted, name the file and line, and treat a file it
// cannot read as a finding rather than skip it.
describe('the log scan', () => {
  let dir: string;
  const tokenSecret = randomBytes(32).toString('base64url');
  const key = randomBytes(32);
  const secrets: RecordedSecret[] = [
    { kind: 'token', label: 'zhang-wei', value: tokenSecret },
    { kind: 'backup key', label: 'key k1', value: key.toString('base64') },
  ];
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-scan-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds nothing in clean logs, token ids and hashes included', () => {
    write('jest.log', 'PASS test/integration/x.test.ts\ntoken yj_0123456789abcdef revoked\nsha256 ' + randomBytes(32).toString('hex') + '\n');
    write('stack/temporal.log', `{"level":"info","msg":"started","id":"${randomBytes(40).toString('base64')}"}\n`);
    expect(scanFolder(dir, secrets)).toEqual({ files: 2, bytes: expect.any(Number), findings: [] });
  });

  it('finds a whole token of any issuer, a recorded token secret alone, and a backup key as base64, base64url and hex, naming file and line', () => {
    const anyToken = `yj_${randomBytes(8).toString('hex')}.${randomBytes(32).toString('base64url')}`;
    write('jest.log', `line one\nAuthorization: Bearer ${anyToken}\n`);
    write('workers/worker-1.log', `ok\nok\nsecret=${tokenSecret}\n`);
    write('stack/logs/worker.log', `k1 ${key.toString('base64')}\nhex:${key.toString('hex')}\n"${key.toString('base64url')}"\n`);
    const { findings } = scanFolder(dir, secrets);
    expect(findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)).toEqual([
      { file: path.join(dir, 'jest.log'), line: 2, what: expect.stringMatching(/^a Yingji token \(yj_/) },
      { file: path.join(dir, 'stack/logs/worker.log'), line: 1, what: 'backup key (key k1)' },
      { file: path.join(dir, 'stack/logs/worker.log'), line: 2, what: 'backup key (key k1)' },
      { file: path.join(dir, 'stack/logs/worker.log'), line: 3, what: 'backup key (key k1)' },
      { file: path.join(dir, 'workers/worker-1.log'), line: 3, what: 'token (zhang-wei)' },
    ]);
    // The report never repeats a secret.
    expect(JSON.stringify(findings)).not.toContain(tokenSecret);
    expect(JSON.stringify(findings)).not.toContain(anyToken.split('.')[1]);
  });

  it('a file it cannot read is a finding, not skipped', () => {
    write('jest.log', 'fine\n');
    fs.symlinkSync(path.join(dir, 'gone.log'), path.join(dir, 'dangling.log'));
    const special = path.join(dir, 'fifo');
    execFileSync('mkfifo', [special]);
    const { files, findings } = scanFolder(dir, secrets);
    expect(files).toBe(1);
    expect(findings).toHaveLength(2);
    expect(findings).toEqual(
      expect.arrayContaining([
        { file: path.join(dir, 'dangling.log'), line: 0, what: 'not a regular file (a symbolic link): not scanned' },
        { file: special, line: 0, what: 'not a regular file (a special file): not scanned' },
      ]),
    );
  });
});
