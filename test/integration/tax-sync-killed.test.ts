// Issue 12's done-when: a worker SIGKILLed while 20,000 queued invoices resync against a slow
// platform; after a new worker starts, every invoice is synced and the platform stored each one
// exactly once. The resync runs as Temporal runs it (the taxSync workflow, its activity with a
// heartbeat timeout) in worker processes of their own (dist/, as `yingji up` runs them).
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { freezeIssuing, issueInvoices, issuingState } from '../../activities/invoices/issuing';
import { createTaxPlatformClient } from '../../activities/tax-platform';
import { startTaxPlatform } from '../../apps/tax-platform/src';
import type { RunningTaxPlatform } from '../../apps/tax-platform/src';
import { dropDatabase } from '../../scripts/stack/postgres';
import { adminUrl, queryUrl, urlOf } from './support/databases';
import { Harness, eventually, startHarness } from './support/harness';
import { killHard, spawnWorker } from './support/worker-process';
import { taxSync } from '../../workflows/tax-sync.workflow';

const RUN = randomBytes(4).toString('hex');
const SIM_DB = `tp_killed_sim_${RUN}`;
const INVOICE_DB = `tp_killed_invoices_${RUN}`;
const COUNT = 20_000;
let sim: RunningTaxPlatform;
let h: Harness;
const children: ChildProcess[] = [];

beforeAll(async () => {
  sim = await startTaxPlatform({ databaseUrl: urlOf(SIM_DB), port: 0 });
  await prepareInvoiceDatabase(urlOf(INVOICE_DB));
  h = await startHarness({ worker: false });
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await h?.close();
  await sim?.stop();
  await dropDatabase(adminUrl(), SIM_DB);
  await dropDatabase(adminUrl(), INVOICE_DB);
});

it('SIGKILL during a resync of 20,000 queued invoices on a slow platform: a new worker finishes, every invoice synced, none uploaded twice', async () => {
  const url = urlOf(INVOICE_DB);
  const env = { ...h.processEnv, INVOICE_DATABASE_URL: url, TAX_PLATFORM_URL: sim.url };
  const admin = createTaxPlatformClient({ baseUrl: sim.url, taxpayer: '91110108MA01234567' });

  await freezeIssuing(url, { mode: 'queue', by: 'test', reason: 'platform down' });
  const issued = await issueInvoices(url, { count: COUNT, seed: 12 });
  expect(issued).toMatchObject({ issued: COUNT, held: COUNT });
  expect(await issuingState(url)).toMatchObject({ queued: COUNT });
  await admin.sim.setFault({ kind: 'slow', ms: 300 });

  const first = await spawnWorker(env);
  children.push(first);
  const handle = await h.temporal.workflow.start(taxSync, {
    taskQueue: h.config.taskQueue,
    workflowId: `resync-${RUN}`,
    args: [{ by: 'test resync', resync: { statuses: ['pending', 'failed'], batchSize: 500 } }],
  });
  const synced = async () => (await queryUrl<{ n: number }>(url, `SELECT count(*)::int AS n FROM invoices WHERE sync_status = 'synced'`))[0].n;
  await eventually('a quarter of the invoices synced', async () => ((await synced()) >= COUNT / 4 ? true : undefined), 90_000);
  await killHard(first);
  const atKill = await synced();
  const inFlight = (await queryUrl<{ state: string; n: number }>(url, `SELECT state, count(*)::int AS n FROM sync_batches WHERE state IN ('formed', 'accepted') GROUP BY state`));

  const second = await spawnWorker(env);
  children.push(second);
  const outcome = (await handle.result()) as { uploaded: number; synced: number };
  await admin.sim.clearFaults('slow');

  expect(atKill).toBeLessThan(COUNT); // killed mid-resync
  expect(await queryUrl(url, `SELECT sync_status, held, count(*)::int AS n FROM invoices GROUP BY 1, 2`)).toEqual([{ sync_status: 'synced', held: false, n: COUNT }]);
  // Each invoice went to the platform in exactly one batch, and that batch finished.
  expect(await queryUrl(url, `SELECT count(*)::int AS n, count(DISTINCT invoice_no)::int AS invoices FROM sync_batch_invoices`)).toEqual([{ n: COUNT, invoices: COUNT }]);
  expect(await queryUrl(url, `SELECT DISTINCT state FROM sync_batches`)).toEqual([{ state: 'done' }]);
  const stats = (await admin.sim.stats()).total;
  expect(stats).toMatchObject({ invoices: COUNT, alreadyExists: 0, drops: 0 });
  // A batch in flight at the kill is sent again under its own serial: the platform refuses that
  // as a duplicate serial (6655) and answers the first acceptance. That is the idempotency key
  // working, not an invoice uploaded twice; there can be no more of them than batches in flight.
  const open = inFlight.reduce((n, r) => n + r.n, 0);
  expect(stats.duplicateSerials).toBeLessThanOrEqual(open);
  console.log(
    `tax-sync-killed: killed at ${atKill}/${COUNT} synced with ${open} batches open (${JSON.stringify(inFlight)}); ` +
      `platform: ${JSON.stringify(stats)}; the second worker's pass: uploaded ${outcome.uploaded}, synced ${outcome.synced}`,
  );
  second.kill('SIGTERM');
});
