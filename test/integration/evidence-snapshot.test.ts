import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyEvidenceBundle } from '../../activities/evidence/bundle';
import { createEvidenceActions } from '../../activities/evidence/snapshot-action';
import { backupStore } from '../../apps/shared/backups';
import { PROJECT_ROOT } from '../../apps/shared/config';
import { eventually, Harness, startHarness } from './support/harness';

/** `yingji evidence verify <dir>` through the CLI's own entry point: its exit code and output. */
function cliVerify(dir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(path.join(PROJECT_ROOT, 'node_modules/.bin/ts-node-transpile-only'), [path.join(PROJECT_ROOT, 'apps/cli/src/main.ts'), 'evidence', 'verify', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('snapshotEvidence in a real incident', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('test/plans/run/evidence.yaml');
  });
  afterAll(() => h?.close());

  it('seals the incident records with the backups; the CLI verifies it, then names the altered file', async () => {
    const commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    const id: string = (await commander.post('/incidents', { planId: 'evidence-snapshot', facts: {} }).expect(201)).body.incident.id;
    const step = await eventually('the evidence step to end', async () => {
      const s = ((await commander.get(`/incidents/${id}`).expect(200)).body.steps as Array<{ stepId: string; state: string; outcome?: string }>).find(
        (x) => x.stepId === 'snapshot-evidence',
      );
      return s && ['done', 'failed'].includes(s.state) ? s : undefined;
    });
    expect(step).toMatchObject({ state: 'done', outcome: expect.stringMatching(/^evidence bundle .* \d+ timeline entries, \d+ audit entries, \d+ notifications, [1-9]\d* access records/) });
    const dir = /^evidence bundle (\S+):/.exec(step.outcome!)![1];
    expect(dir.startsWith(path.join(h.config.dataDir, 'backups', 'evidence', id, 'snapshot-evidence-'))).toBe(true);

    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.files.map((f: { name: string }) => f.name)).toEqual(['timeline.jsonl', 'audit.jsonl', 'notifications.jsonl', 'access.jsonl']);
    const lines = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines('timeline.jsonl').map((e) => e.kind)).toContain('incident.opened');
    expect(lines('audit.jsonl').length).toBeGreaterThan(0);
    expect(lines('access.jsonl').map((t) => t.person)).toContain('zhang-wei');
    // No token secret (nor its hash) in any file.
    const hashes: string[] = (await h.db.query(`SELECT secret_hash FROM api_tokens`)).map((r: { secret_hash: string }) => r.secret_hash);
    for (const name of fs.readdirSync(dir)) {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      expect(text).not.toMatch(/secret/);
      for (const hash of hashes) expect(text).not.toContain(hash);
    }

    // A retried activity returns the same bundle; a with key the action does not know is refused by name.
    const action = createEvidenceActions(h.db, backupStore(h.config)).snapshotEvidence;
    const again = await action({ incidentId: id, stepId: 'snapshot-evidence', action: 'snapshotEvidence', with: {}, mode: 'live' });
    expect(again.data).toMatchObject({ folder: dir, bundleSha256: manifest.bundleSha256 });
    await expect(action({ incidentId: id, stepId: 'x', action: 'snapshotEvidence', with: { sorces: [] }, mode: 'live' })).rejects.toThrow(/unknown with key\(s\) sorces/);
    // A bundle cut short before its manifest (a worker killed mid-write) is written again whole.
    const partial = path.join(path.dirname(dir), 'again-20000101T000000Z');
    fs.mkdirSync(partial);
    fs.writeFileSync(path.join(partial, 'timeline.jsonl'), '{"half":');
    const rewritten = await action({ incidentId: id, stepId: 'again', action: 'snapshotEvidence', with: {}, mode: 'live' });
    expect(fs.existsSync(partial)).toBe(false);
    expect(verifyEvidenceBundle(rewritten.data!.folder as string)).toMatchObject({ ok: true, files: 4 });

    const ok = await cliVerify(dir);
    expect(ok).toMatchObject({ code: 0, output: expect.stringMatching(/verified, 4 files match/) });

    const audit = path.join(dir, 'audit.jsonl');
    fs.chmodSync(audit, 0o644);
    const bytes = fs.readFileSync(audit);
    bytes[10] ^= 1;
    fs.writeFileSync(audit, bytes);
    const bad = await cliVerify(dir);
    expect(bad).toMatchObject({ code: 1, output: expect.stringMatching(/NOT verified: audit\.jsonl SHA-256 differs/) });
  }, 120_000);
});
