import * as fs from 'node:fs';
import * as path from 'node:path';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { dropDatabase } from '../../scripts/stack/postgres';
import { restoreProgress } from '../../workflows/restore-by-priority.workflow';
import { As, eventually, Harness, startHarness } from './support/harness';
import { adminUrl, urlOf } from './support/databases';

// Backups, restores and recovery tests over the API, for commanders and admins only.
describe('the backups API', () => {
  let h: Harness;
  let source: string;
  let commander: As;
  const scratch = `yingji_api_restore_${process.pid}`;

  beforeAll(async () => {
    source = `yingji_api_src_${process.pid}`;
    process.env.INVOICE_DATABASE_URL = urlOf(source);
    h = await startHarness();
    await prepareInvoiceDatabase(urlOf(source));
    await generateInvoices(urlOf(source), { count: 2500, seed: 4 });
    commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
  });
  afterAll(async () => {
    await h?.close();
    for (const db of [source, scratch]) await dropDatabase(adminUrl(), db);
    delete process.env.INVOICE_DATABASE_URL;
  });

  it('takes, lists, verifies and restores; refuses what it cannot do with the reason', async () => {
    const refused = await commander.post('/backups', { kind: 'incremental' }).expect(422);
    expect(refused.body.message).toMatch(/needs an earlier full backup/);
    const responder = await h.as('li-na', ['responder'], ['dba']);
    await responder.post('/backups', { kind: 'full' }).expect(403);

    const full = (await commander.post('/backups', { kind: 'full' }).expect(201)).body;
    expect(Object.values(full.rowCounts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(2500);
    expect((await commander.get('/backups').expect(200)).body.map((b: { id: string }) => b.id)).toEqual([full.id]);
    expect((await commander.post(`/backups/${full.id}/verify`).expect(200)).body).toMatchObject({ backupId: full.id, rowCount: 2500 });
    await commander.post('/backups/nope/verify').expect(404);
    await commander.post('/restores', { target: 'Bad-Name' }).expect(400);

    const started = (await commander.post('/restores', { target: scratch }).expect(201)).body;
    const done = await eventually('the restore', async () => {
      const s = (await commander.get(`/restores/${started.restoreId}`).expect(200)).body;
      return s.state === 'running' ? undefined : s;
    });
    expect(done).toMatchObject({ state: 'completed', chain: [full.id] });
    // Listed among the latest restores (Temporal's visibility catches up within moments).
    await eventually('the restore listed', async () =>
      ((await commander.get('/restores').expect(200)).body as Array<{ restoreId: string; state: string }>).find((r) => r.restoreId === started.restoreId && r.state === 'completed'),
    );
    expect(done.classes.reduce((n: number, c: { rows: number }) => n + c.rows, 0)).toBe(2500);
    // What people watching it saw (the CLI's progress bar polls this Query): every class back.
    const progress = await h.temporal.workflow.getHandle(started.restoreId).query(restoreProgress);
    expect(progress).toMatchObject({ phase: 'done', chain: [full.id] });
    expect(progress.available.map((c) => c.cls)).toEqual(progress.classes);

    const chunk = path.join(h.config.dataDir, 'backups', full.id, 'chunks', '000001.ybc');
    fs.truncateSync(chunk, 64);
    const damaged = await commander.post(`/backups/${full.id}/verify`).expect(422);
    expect(damaged.body.message).toMatch(new RegExp(`backup ${full.id}, chunk 1 .*truncated`));
    await commander.get('/recovery-tests').expect(200);
  });
});
