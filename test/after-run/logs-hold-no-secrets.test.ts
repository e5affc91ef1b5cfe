import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanFolder } from './log-scan';
import { readSecrets } from './secrets';

// Issue 15: every log written during a full test run (scripts/test.sh gathers them into one
// folder) holds no token secret and no backup key material.
describe('the logs of this test run', () => {
  it('hold no Yingji token, no recorded token secret and no recorded backup key; every file was read', () => {
    const dir = process.env.YINGJI_TEST_LOG_DIR;
    const secretsFile = process.env.YINGJI_TEST_SECRETS_FILE;
    if (!dir || !secretsFile) throw new Error('the after-run scan reads the log folder of a run: run it through scripts/test.sh (it sets YINGJI_TEST_LOG_DIR and YINGJI_TEST_SECRETS_FILE)');
    if (!fs.existsSync(dir)) throw new Error(`the run's log folder ${dir} does not exist`);
    const secrets = readSecrets(secretsFile);
    const result = scanFolder(dir, secrets);
    const kinds = (k: string) => secrets.filter((s) => s.kind === k).length;
    console.log(
      `log scan: ${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB in ${dir}; looked for any Yingji token and ${kinds('token')} recorded token secrets, ${kinds('backup key')} recorded backup keys: ${result.findings.length} findings`,
    );
    // Jest's own output is there: a run that lost it would pass for nothing.
    expect(fs.statSync(path.join(dir, 'jest.log')).size).toBeGreaterThan(0);
    expect(result.findings.map((f) => `${f.file}${f.line ? `:${f.line}` : ''}: ${f.what}`)).toEqual([]);
  });
});
