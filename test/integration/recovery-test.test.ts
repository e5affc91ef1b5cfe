import * as fs from 'node:fs';
import * as path from 'node:path';
import { takeBackup } from '../../activities/backup/take-backup';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { backupKeyring, backupStore } from '../../apps/shared/backups';
import { ensureRecoveryTestSchedule, RECOVERY_TEST_SCHEDULE } from '../../apps/shared/schedules';
import { canConnect, dropDatabase } from '../../scripts/stack/postgres';
import { Harness, startHarness } from './support/harness';
import { testStackEnv } from './support/test-stack';

const admin = () => testStackEnv().pgAdminUrl;
const urlOf = (db: string) => admin().replace(/\/postgres$/, `/${db}`);

// The scheduled recovery test restores the latest chain into a scratch database, verifies it,
// records the result, drops the scratch database, and fails visibly when the backup is damaged.
describe('recovery tests', () => {
  let h: Harness;
  let source: string;
  let fullId: string;

  beforeAll(async () => {
    source = `yingji_rt_src_${process.pid}`;
    process.env.INVOICE_DATABASE_URL = urlOf(source);
    h = await startHarness();
    await prepareInvoiceDatabase(urlOf(source));
    await generateInvoices(urlOf(source), { count: 4000, seed: 8 });
    fullId = (await takeBackup({ invoiceUrl: urlOf(source), catalog: h.db, store: backupStore(h.config), keyring: backupKeyring(h.config) }, { kind: 'full', by: 'test' })).id;
  });
  afterAll(async () => {
    await h?.close();
    await dropDatabase(admin(), source);
    delete process.env.INVOICE_DATABASE_URL;
  });

  const run = (id: string) => h.temporal.workflow.start('recoveryTest', { taskQueue: h.config.taskQueue, workflowId: id, args: [] });

  it('passes on a good chain: recorded, the backup marked verified, the scratch database gone', async () => {
    const result = await (await run('rt-good')).result();
    expect(result).toMatchObject({ ok: true, chain: [fullId], rows: 4000 });
    const [row] = await h.db.query(`SELECT ok, error, detail FROM recovery_tests WHERE id = 'rt-good'`);
    expect(row).toMatchObject({ ok: true, error: null });
    expect(row.detail.rows).toBe(4000);
    expect((await h.db.query(`SELECT status FROM backup_catalog WHERE id = $1`, [fullId]))[0].status).toBe('verified');
    expect(await canConnect(urlOf('yingji_recovery_rtgood'))).toBe(false);
  });

  it('fails loudly on a damaged chunk, naming it, and records the failure', async () => {
    const chunk = path.join(h.config.dataDir, 'backups', fullId, 'chunks', '000001.ybc');
    const bytes = fs.readFileSync(chunk);
    bytes[40] ^= 0x10;
    fs.writeFileSync(chunk, bytes);
    const outcome = await (await run('rt-bad')).result().then(
      () => 'passed',
      (e: Error & { cause?: Error }) => e.cause?.message ?? e.message,
    );
    expect(outcome).toMatch(new RegExp(`recovery test failed: .*backup ${fullId}, chunk 1`));
    const [row] = await h.db.query(`SELECT ok, error FROM recovery_tests WHERE id = 'rt-bad'`);
    expect(row.ok).toBe(false);
    expect(row.error).toMatch(new RegExp(`backup ${fullId}, chunk 1`));
  });

  it('`yingji up` schedules it once, on an interval', async () => {
    expect(await ensureRecoveryTestSchedule(h.temporal, h.config, '12h')).toBe('created');
    expect(await ensureRecoveryTestSchedule(h.temporal, h.config, '12h')).toBe('exists');
    const desc = await h.temporal.schedule.getHandle(RECOVERY_TEST_SCHEDULE).describe();
    expect(desc.action).toMatchObject({ type: 'startWorkflow', workflowType: 'recoveryTest', taskQueue: h.config.taskQueue });
    expect(desc.spec.intervals?.[0].every).toBe(12 * 3600 * 1000);
    await h.temporal.schedule.getHandle(RECOVERY_TEST_SCHEDULE).delete();
  });
});
