import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { assertRestoreTarget, prepareTarget } from '../../activities/backup/restore';
import { restoreCommand } from '../../apps/cli/src/backup-commands';
import { RESTORE_TARGET_RULE } from '../../apps/shared/backups';
import { dropDatabase } from '../../scripts/stack/postgres';
import { As, eventually, Harness, startHarness } from './support/harness';
import { adminUrl, urlOf } from './support/databases';

const tokenIdOf = (as: As) => /^yj_([0-9a-f]{16})\./.exec(as.token)![1];

// Restores go only into the invoice database or a database created for the restore: preparing a
// target migrates it, may rebuild its schema and, with replace, empties it. Anything else (the
// application's own database, PostgreSQL's, a drill's sandbox) is refused before a workflow starts.
describe('restore targets', () => {
  let h: Harness;
  let commander: As;
  const source = `yingji_targets_src_${process.pid}`;
  const scratch = `scratch_targets_${process.pid}`;
  let backupId: string;

  const restoresStarted = async () => {
    const ids: string[] = [];
    for await (const w of h.temporal.workflow.list({ query: `WorkflowType = 'restoreByPriority' AND TaskQueue = '${h.config.taskQueue}'` })) ids.push(w.workflowId);
    return ids;
  };

  beforeAll(async () => {
    process.env.INVOICE_DATABASE_URL = urlOf(source);
    h = await startHarness();
    await prepareInvoiceDatabase(urlOf(source));
    await generateInvoices(urlOf(source), { count: 300, seed: 7 });
    commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    // A real backup: with an empty catalog a restore would fail before touching its target.
    backupId = (await commander.post('/backups', { kind: 'full' }).expect(201)).body.id;
  });
  afterAll(async () => {
    await h?.close();
    for (const db of [source, scratch]) await dropDatabase(adminUrl(), db);
    delete process.env.INVOICE_DATABASE_URL;
  });

  it("refuses Yingji's own, PostgreSQL's and drill databases with 400 naming the target and the rule; no workflow starts, nothing audited as ok", async () => {
    const targets = ['yingji', h.databaseName, 'postgres', 'template0', 'template1', 'drill_x', source, 'customers'];
    for (const target of targets) {
      const res = await commander.post('/restores', { target, replace: true }).expect(400);
      expect(res.body.message).toMatch(new RegExp(`^restore target "${target}" is refused: `));
      expect(res.body.message).toContain(RESTORE_TARGET_RULE);
    }
    const refused = await h.db.query(`SELECT subject_id AS target, detail->>'tokenId' AS "tokenId" FROM audit_entries WHERE action = 'restore.start' AND outcome = 'denied' ORDER BY id`);
    expect(refused).toEqual(targets.map((target) => ({ target, tokenId: tokenIdOf(commander) })));
    expect(await restoresStarted()).toEqual([]);
    expect(await h.db.query(`SELECT 1 FROM audit_entries WHERE action = 'restore.start' AND outcome = 'ok'`)).toEqual([]);
    // The app database was not migrated into an invoice database.
    expect((await h.db.query(`SELECT to_regclass('public.invoices') AS t`))[0].t).toBeNull();
  });

  it('the CLI refuses the same targets before it connects to anything', async () => {
    await expect(restoreCommand().exitOverride().parseAsync(['--target', 'template1'], { from: 'user' })).rejects.toThrow(
      `--target: restore target "template1" is refused: it is one of PostgreSQL's own databases; ${RESTORE_TARGET_RULE}`,
    );
  });

  it('a restore into a scratch database is audited with who started it, the token, the target and the outcome', async () => {
    await commander.post(`/backups/${backupId}/verify`).expect(200);
    const started = (await commander.post('/restores', { target: scratch }).expect(201)).body;
    const done = await eventually('the restore', async () => {
      const s = (await commander.get(`/restores/${started.restoreId}`).expect(200)).body;
      return s.state === 'running' ? undefined : s;
    });
    expect(done).toMatchObject({ state: 'completed', target: scratch, chain: [backupId] });
    // The check the refusals relied on does see a restore that started.
    expect(await eventually('the restore listed', async () => ((await restoresStarted()).length ? restoresStarted() : undefined))).toEqual([started.restoreId]);

    const audited = await h.db.query(
      `SELECT actor, action, subject_type, subject_id, outcome, detail FROM audit_entries WHERE action IN ('restore.start', 'backup.verify') AND outcome = 'ok' ORDER BY id`,
    );
    expect(audited).toEqual([
      { actor: 'zhang-wei', action: 'backup.verify', subject_type: 'backup', subject_id: backupId, outcome: 'ok', detail: { chunks: expect.any(Number), rows: 300, tokenId: tokenIdOf(commander), ip: expect.any(String) } },
      { actor: 'zhang-wei', action: 'restore.start', subject_type: 'restore', subject_id: started.restoreId, outcome: 'ok', detail: { target: scratch, replace: false, tokenId: tokenIdOf(commander), ip: expect.any(String) } },
    ]);
    // Who started it is in the workflow's own history too.
    const history = await h.temporal.workflow.getHandle(started.restoreId).fetchHistory();
    const input = JSON.parse(Buffer.from(history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0].data!).toString());
    expect(input).toMatchObject({ restoreId: started.restoreId, target: scratch, startedBy: 'zhang-wei' });
    expect((await commander.get('/audit/verify').expect(403)).status).toBe(403); // commanders do not read the trail
    expect((await (await h.as('sun-li', ['auditor'])).get('/audit/verify').expect(200)).body).toMatchObject({ ok: true });
  });

  it('the restore activity itself never prepares PostgreSQL\'s or Yingji\'s database, nor another drill\'s sandbox', async () => {
    await expect(assertRestoreTarget(urlOf('template1'), 'r1')).rejects.toThrow(`refusing to restore into "template1": it is one of PostgreSQL's own databases`);
    await expect(prepareTarget(urlOf(h.databaseName), 'r1', true)).rejects.toThrow(`refusing to restore into "${h.databaseName}": it holds Yingji's own tables`);
    await expect(assertRestoreTarget(urlOf('drill_drill_20260101_abcdef'), 'restore-20260101')).rejects.toThrow("it is a drill's sandbox and restore restore-20260101 is not that drill's own");
    // A live drill's own restore step (restore id `<incident>.<step>`) into its sandbox, and a new scratch database, pass.
    await expect(assertRestoreTarget(urlOf('drill_drill_20260101_abcdef'), 'drill-20260101-abcdef.restore-invoices')).resolves.toBeUndefined();
    await expect(assertRestoreTarget(urlOf(`scratch_nothing_${process.pid}`), 'r2')).resolves.toBeUndefined();
  });
});
