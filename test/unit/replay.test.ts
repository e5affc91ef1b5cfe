import { Worker } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WORKFLOWS_PATH } from '../../apps/worker/src/worker';

// Recorded histories of real runs must replay against today's workflow code: a change that
// would break running incidents shows up here as a nondeterminism error. Guard changes with
// patched(); re-record with `YINGJI_RECORD_HISTORIES=1 npx jest --selectProjects integration`.
// Histories of older code stay in a folder each (before-issue-N/) while patched() branches must keep
// replaying them; before the first release a change may instead re-record them all (README).
const dir = path.join(__dirname, '..', 'histories');

describe('recorded workflow histories replay', () => {
  const files = fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .sort();

  it('has recorded histories of the hello drill and at least three shipped e-invoice plans, in every folder', () => {
    const folders = ['', ...new Set(files.filter((f) => f.includes('/')).map((f) => `${f.slice(0, f.lastIndexOf('/'))}/`))];
    for (const folder of folders) {
      expect(files).toEqual(expect.arrayContaining([`${folder}hello-drill.json`]));
      expect(files.filter((f) => f.startsWith(`${folder}einvoice-`)).length).toBeGreaterThanOrEqual(3);
    }
  });

  it('replays every history without nondeterminism', async () => {
    const histories = files.map((f) => ({ workflowId: f, history: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) }));
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories)) results.push(r);
    expect(results.map((r) => ({ id: r.workflowId, error: r.error?.message }))).toEqual(files.map((f) => ({ id: f, error: undefined })));
  }, 120_000);
});
