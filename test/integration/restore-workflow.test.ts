import type { WorkflowHandle } from '@temporalio/client';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Keyring } from '../../activities/backup/keys/keyring';
import { DirectoryStore } from '../../activities/backup/store';
import { takeBackup } from '../../activities/backup/take-backup';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { dropDatabase } from '../../scripts/stack/postgres';
import { restoreByPriority, type RestoreResult } from '../../workflows/restore-by-priority.workflow';
import { eventually, Harness, startHarness } from './support/harness';
import { killHard, spawnWorker } from './support/worker-process';
import { adminUrl, queryUrl, urlOf } from './support/databases';

/** Rows the restore has committed into the target so far (0 before the target has its tables). */
const committedIn = async (url: string) =>
  Number((await queryUrl<{ n: string }>(url, `SELECT coalesce(sum(rows), 0) AS n FROM restore_progress`).catch(() => [{ n: '0' }]))[0].n);

/**
 * The restore's result, or a failure naming why it has not finished by the deadline (the pending
 * activity's last error), instead of a bare jest timeout.
 */
async function finished(handle: WorkflowHandle, timeoutMs: number): Promise<RestoreResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') return (await handle.result()) as RestoreResult;
    if (Date.now() > deadline) {
      const pending = d.raw.pendingActivities?.map((a) => `${a.activityType?.name} attempt ${a.attempt}: ${a.lastFailure?.message ?? 'no failure yet'}`);
      throw new Error(`the restore did not finish within ${timeoutMs} ms; pending: ${pending?.join('; ') || 'nothing'}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const rowsDigest = async (url: string) =>
  (await queryUrl<{ n: string; d: string }>(url, `SELECT count(*) AS n, md5(string_agg(t::text, '|' ORDER BY invoice_no)) AS d FROM invoices t`))[0];

// The worker dies in the middle of restoring 200,000 invoices; a new worker finishes from the last
// committed chunk, and the target ends with exactly the source's rows.
describe('restoreByPriority survives a worker killed mid-restore', () => {
  let h: Harness;
  let worker: ChildProcess | undefined;
  let dir: string;
  let source: string;
  let target: string;
  const secret = Buffer.alloc(32, 9);

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    source = `${h.databaseName}_src`;
    target = `${h.databaseName}_dst`;
    await prepareInvoiceDatabase(urlOf(source));
    await generateInvoices(urlOf(source), { count: 200_000, seed: 5 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-rwf-'));
    await takeBackup({ invoiceUrl: urlOf(source), catalog: h.db, store: new DirectoryStore(dir), keyring: new Keyring({ k1: secret }, 'k1', 'test') }, { kind: 'full', by: 'dba' });
  });
  afterAll(async () => {
    if (worker) await killHard(worker);
    await h?.close();
    for (const db of [source, target]) await dropDatabase(adminUrl(), db);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const committed = () => committedIn(urlOf(target));

  it('resumes from the last committed chunk: after the restart it writes only the rows not yet committed, and ends exact', async () => {
    const env = { ...h.processEnv, INVOICE_DATABASE_URL: urlOf(source), YINGJI_BACKUP_DIR: dir, YINGJI_BACKUP_KEY: `k1:${secret.toString('base64')}` };
    worker = await spawnWorker(env);
    const handle = await h.temporal.workflow.start(restoreByPriority, {
      taskQueue: h.config.taskQueue,
      workflowId: `restore-${h.databaseName}`,
      args: [{ restoreId: 'r1', target }],
    });
    const total = 200_000;
    await eventually('the restore to commit half of its rows', async () => ((await committed()) >= total * 0.5 ? true : undefined), 90_000);
    await killHard(worker);
    // A chunk whose COMMIT was already on the wire may still land: wait for the dead worker's sessions to end.
    await eventually("the killed worker's sessions on the target to end", async () => {
      const [s] = await queryUrl<{ n: number }>(adminUrl(), `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = '${target}'`);
      return s.n === 0 ? true : undefined;
    });
    const atKill = await committed();
    const killedAt = (await queryUrl<{ t: string }>(urlOf(target), `SELECT clock_timestamp()::text AS t`))[0].t;
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(total);

    worker = await spawnWorker(env);
    const result = await finished(handle, 120_000);

    // Rows the new worker wrote are the progress rows committed after the kill (each chunk commits
    // with its progress row): exactly the rows not yet committed. A restart that copied everything
    // again would write more (or fail on the rows already there).
    const [written] = await queryUrl<{ before: number; after: number }>(
      urlOf(target),
      `SELECT coalesce(sum(rows) FILTER (WHERE done_at <= '${killedAt}'), 0)::int AS before, coalesce(sum(rows) FILTER (WHERE done_at > '${killedAt}'), 0)::int AS after FROM restore_progress`,
    );
    expect(written).toEqual({ before: atKill, after: total - atKill });
    expect(result.classes.map((c) => c.cls)).toEqual(['current-period-undeclared', 'red-letter', 'high-value', 'current-period', 'last-12-months', 'archive']);
    expect(result.classes.reduce((n, c) => n + c.rows, 0)).toBe(total);
    for (let i = 1; i < result.classes.length; i++) expect(Date.parse(result.classes[i].availableAt)).toBeGreaterThanOrEqual(Date.parse(result.classes[i - 1].availableAt));
    expect(Date.parse(result.verifiedAt)).toBeLessThanOrEqual(Date.parse(result.classes[0].availableAt));
    expect(await rowsDigest(urlOf(target))).toEqual(await rowsDigest(urlOf(source)));
  });
});
