// The invoice system's sync with the tax platform, on the real simulator and real PostgreSQL (and
// real Temporal for the scheduled pass): issuing frozen holds invoices and the schedule leaves them
// alone; resuming releases them; an outage loses nothing and every invoice syncs once it is back;
// invoices the platform drops go out again in a new batch; a refusal is recorded with its code; a
// live drill's resync works on its sandbox and its own tenant only.
import { randomBytes } from 'node:crypto';
import { issueInvoices, issuingState } from '../../activities/invoices/issuing';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { createTaxSyncActivities } from '../../activities/invoices/sync.activities';
import { createTaxPlatformClient } from '../../activities/tax-platform';
import type { ActionRequest } from '../../activities/actions/actions.activities';
import { startTaxPlatform } from '../../apps/tax-platform/src';
import type { RunningTaxPlatform } from '../../apps/tax-platform/src';
import { mulberry32, randomCreditCode } from '../../domain/einvoice';
import { dropDatabase } from '../../scripts/stack/postgres';
import { adminUrl, queryUrl, urlOf } from './support/databases';
import { Harness, eventually, startHarness } from './support/harness';
import { issueCommand, issuingCommand, syncCommand } from '../../apps/cli/src/invoice-commands';
import type { Command } from 'commander';
import { freezeIssuing } from '../../activities/invoices/issuing';
import { syncPass } from '../../activities/invoices/sync';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { TAX_SYNC_SCHEDULE, ensureTaxSyncSchedule } from '../../apps/shared/schedules';
import { periodBeingDeclared } from '../../domain/einvoice/declaration-calendar';
import { periodStart } from '../../domain/einvoice';

const RUN = randomBytes(4).toString('hex');
const SIM_DB = `tp_sync_sim_${RUN}`;
const rng = mulberry32(4242);
const SELLERS = [randomCreditCode(rng, '110108'), randomCreditCode(rng, '310115')];
const BUYER = randomCreditCode(rng, '440305');
const FAST_RETRY = { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 50, maxElapsedMs: 2_000 };
const dbs: string[] = [];
let sim: RunningTaxPlatform;
let h: Harness;

/** A fresh invoice database of the test's own (each test its own tenant too). */
async function invoiceDb(name: string): Promise<string> {
  const db = `${name}_${RUN}`;
  dbs.push(db);
  await prepareInvoiceDatabase(urlOf(db));
  return urlOf(db);
}

const platform = (tenant?: string) => createTaxPlatformClient({ baseUrl: sim.url, taxpayer: SELLERS[0], tenant, retry: FAST_RETRY });
/** The platform's counters for these sellers (each test has its own), on production's tenant or another. */
async function stats(sellers: string | string[], tenant?: string) {
  const by = (await platform(tenant).sim.stats()).byTaxpayer;
  const zero = { uploads: 0, invoices: 0, duplicatesRefused: 0, duplicateSerials: 0, alreadyExists: 0, drops: 0 };
  return [sellers].flat().reduce((acc, s) => Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v + (by[s]?.[k as keyof typeof zero] ?? 0)])) as typeof zero, zero);
}
const statuses = async (url: string) =>
  Object.fromEntries(
    (await queryUrl<{ k: string; n: number }>(url, `SELECT sync_status || CASE WHEN held THEN '+held' ELSE '' END AS k, count(*)::int AS n FROM invoices GROUP BY 1`)).map((r) => [r.k, r.n]),
  );
const action = (action: string, w: Record<string, unknown>, extra: Partial<ActionRequest> = {}): ActionRequest => ({ incidentId: 'inc-sync-test', stepId: action, action, with: w, mode: 'live', ...extra });

/** The sync activities on `url` (production's tenant unless `tenant`), with quick retries. */
function syncOn(url: string) {
  return createTaxSyncActivities({ invoiceDatabaseUrl: url, taxPlatformUrl: sim.url }, { retry: FAST_RETRY, pass: { pollIntervalMs: 50 } });
}

beforeAll(async () => {
  sim = await startTaxPlatform({ databaseUrl: urlOf(SIM_DB), port: 0 });
  const prod = await invoiceDb('tp_sync_prod');
  process.env.INVOICE_DATABASE_URL = prod;
  process.env.TAX_PLATFORM_URL = sim.url;
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
  await sim?.stop();
  for (const db of [SIM_DB, ...dbs]) await dropDatabase(adminUrl(), db);
});

describe('issuing, the freeze and the scheduled sync', () => {
  it('frozen issuing holds new invoices, the scheduled pass leaves them alone, resuming releases them and they sync once', async () => {
    const url = h.config.invoiceDatabaseUrl;
    const { actions } = syncOn(url);
    const runScheduled = () => h.temporal.workflow.execute('taxSync', { taskQueue: h.config.taskQueue, workflowId: `sync-${randomBytes(4).toString('hex')}`, args: [] });

    const open = await issueInvoices(url, { count: 30, seller: SELLERS[0], buyer: BUYER, seed: 1 });
    expect(open).toMatchObject({ issued: 30, held: 0 });
    expect(await runScheduled()).toMatchObject({ synced: 30, stillPending: 0 });

    const frozen = await actions.freezeIssuing(action('freezeIssuing', { mode: 'queue' }));
    expect(frozen.outcome).toMatch(/issuing frozen \(mode queue, was open\)/);
    expect((await actions.freezeIssuing(action('freezeIssuing', { mode: 'queue' }))).outcome).toMatch(/already frozen/);
    const held = await issueInvoices(url, { count: 20, seller: SELLERS[1], buyer: BUYER, seed: 2 });
    expect(held).toMatchObject({ issued: 20, held: 20, modes: { '31': 'queue' } });
    expect(await issuingState(url)).toMatchObject({ mode: 'queue', queued: 20, pending: 20, by: 'incident inc-sync-test' });

    // The schedule's pass while frozen: the queue stays on our side.
    expect(await runScheduled()).toMatchObject({ uploaded: 0, synced: 0, queued: 20 });
    expect(await statuses(url)).toEqual({ synced: 30, 'pending+held': 20 });
    expect((await stats(SELLERS)).invoices).toBe(30);

    const resumed = await actions.resumeIssuing(action('resumeIssuing', {}));
    expect(resumed.outcome).toMatch(/issuing resumed \(was queue\); 20 queued invoices released/);
    expect((await actions.resumeIssuing(action('resumeIssuing', {}))).outcome).toMatch(/already open; 0 queued invoices released/);
    expect(await issueInvoices(url, { count: 1, seller: SELLERS[0], seed: 3 })).toMatchObject({ held: 0 });
    expect(await runScheduled()).toMatchObject({ synced: 21, stillPending: 0, queued: 0 });
    expect(await statuses(url)).toEqual({ synced: 51 });
    expect(await stats(SELLERS)).toMatchObject({ invoices: 51, alreadyExists: 0, duplicateSerials: 0, drops: 0 });
  });

  it("yingji up's schedule runs a pass every minute, never two at once, and uploads what is pending", async () => {
    const url = h.config.invoiceDatabaseUrl;
    const issued = await issueInvoices(url, { count: 4, seller: SELLERS[0], buyer: BUYER, seed: 4 });
    expect(await ensureTaxSyncSchedule(h.temporal, h.config)).toBe('created');
    expect(await ensureTaxSyncSchedule(h.temporal, h.config)).toBe('exists');
    const schedule = h.temporal.schedule.getHandle(TAX_SYNC_SCHEDULE);
    try {
      const desc = await schedule.describe();
      expect(desc.action).toMatchObject({ type: 'startWorkflow', workflowType: 'taxSync', taskQueue: h.config.taskQueue });
      expect(desc.spec.intervals?.[0].every).toBe(60_000);
      expect(desc.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
      await schedule.trigger();
      await eventually('the scheduled pass to sync the new invoices', async () => {
        const [r] = await queryUrl<{ n: number }>(url, `SELECT count(*)::int AS n FROM invoices WHERE sync_status = 'synced' AND invoice_no BETWEEN $1 AND $2`, [issued.first, issued.last]);
        return r.n === 4 ? true : undefined;
      });
    } finally {
      await schedule.delete();
    }
  });

  it('a freeze and a resume may name provinces: only their invoices are held and released; a resync can start from an instant', async () => {
    const url = await invoiceDb('tp_sync_regions');
    const tianjin = randomCreditCode(rng, '120101'); // a province of its own per test database
    const shaanxi = randomCreditCode(rng, '610102');
    const { actions } = syncOn(url);
    const outcome = await actions.freezeIssuing(action('freezeIssuing', { mode: 'queue', regions: ['61'] }));
    expect(outcome.outcome).toMatch(/^issuing frozen in provinces 61 \(mode queue, was open\)/);
    expect(await issueInvoices(url, { count: 3, seller: tianjin, buyer: BUYER, seed: 21 })).toMatchObject({ held: 0, modes: { '12': 'open' } });
    expect(await issueInvoices(url, { count: 4, seller: shaanxi, buyer: BUYER, seed: 22 })).toMatchObject({ held: 4, modes: { '61': 'queue' } });
    expect(await issuingState(url)).toMatchObject({ mode: 'open', regions: { '61': { mode: 'queue', by: 'incident inc-sync-test' } }, queued: 4 });

    // The whole company frozen, then Tianjin reopened: Shaanxi's queue stays held.
    await actions.freezeIssuing(action('freezeIssuing', { mode: 'freeze' }));
    expect((await issueInvoices(url, { count: 2, seller: tianjin, buyer: BUYER, seed: 23 })).held).toBe(2);
    expect((await actions.resumeIssuing(action('resumeIssuing', { regions: ['12'] }))).outcome).toBe('issuing resumed in provinces 12 (was freeze); 2 queued invoices released for upload');
    expect(await issuingState(url)).toMatchObject({ mode: 'freeze', regions: { '12': { mode: 'open' } }, queued: 4 });
    await expect(actions.freezeIssuing(action('freezeIssuing', { mode: 'queue', regions: ['99'] }))).rejects.toThrow(/with\.regions must be a list of province codes such as "11", got \["99"\]/);

    // A resync from an instant takes only what was issued since.
    const since = new Date().toISOString();
    const late = await issueInvoices(url, { count: 2, seller: tianjin, buyer: BUYER, at: new Date(Date.now() + 1000).toISOString(), seed: 24 });
    const r = await actions.resyncTaxPlatform(action('resyncTaxPlatform', { since }));
    expect(r.outcome).toMatch(/^resync: uploaded 2, synced 2;/);
    expect(await queryUrl(url, `SELECT invoice_no FROM invoices WHERE sync_status = 'synced' ORDER BY 1`)).toEqual([{ invoice_no: late.first }, { invoice_no: late.last }]);
    await expect(actions.resyncTaxPlatform(action('resyncTaxPlatform', { since: { fact: 'outageStartedAt' } }))).rejects.toThrow(/with\.since must be a date-time with its zone/);

    expect((await actions.resumeIssuing(action('resumeIssuing', {}))).outcome).toBe('issuing resumed (was freeze); 4 queued invoices released for upload');
    expect(await issuingState(url)).toMatchObject({ mode: 'open', regions: {}, queued: 0 });
  });

  it('bad input is refused naming what is wrong, and nothing is issued or frozen', async () => {
    const url = await invoiceDb('tp_sync_bad');
    const wrongCheck = SELLERS[0].slice(0, 17) + (SELLERS[0][17] === '0' ? '1' : '0');
    await expect(issueInvoices(url, { count: 3, seller: wrongCheck })).rejects.toThrow(/invoice\.sellerTaxId "\w+" has a wrong check character \(the 18th\)/);
    await expect(issueInvoices(url, { drafts: [{ sellerTaxId: SELLERS[0], buyerTaxId: BUYER, amountFen: -100 }] })).rejects.toThrow(/drafts\[0\]\.amountFen must be a positive whole number of fen/);
    await expect(issueInvoices(url, { count: 1, seller: SELLERS[0], at: '2099-01-01T00:00:00Z' })).rejects.toThrow(/invoice\.issuedAt .* is in the future/);
    const { actions } = syncOn(url);
    await expect(actions.freezeIssuing(action('freezeIssuing', { mode: 'pause' }))).rejects.toThrow(/with\.mode must be queue or freeze, got "pause"/);
    await expect(actions.resyncTaxPlatform(action('resyncTaxPlatform', { period: '2099-01' }))).rejects.toThrow(/with\.period 2099-01 is in the future/);
    expect(await issuingState(url)).toMatchObject({ mode: 'open', queued: 0, pending: 0 });
    expect(await statuses(url)).toEqual({});
  });
});

describe('nothing to sync yet, or nothing to sync from', () => {
  it('the schedule skips an invoice database that does not exist yet; a resync where the invoices table is gone fails for good, naming it', async () => {
    const missing = syncOn(urlOf(`tp_sync_missing_${RUN}`));
    expect(await missing.activities.syncTaxPlatform({ by: 'schedule' })).toMatchObject({ skipped: 'the invoice database does not exist yet: nothing to sync', uploaded: 0 });
    const url = await invoiceDb('tp_sync_dropped');
    await queryUrl(url, 'DROP TABLE invoices CASCADE');
    await expect(syncOn(url).actions.resyncTaxPlatform(action('resyncTaxPlatform', {}))).rejects.toMatchObject({
      nonRetryable: true,
      message: expect.stringMatching(/cannot sync: relation "invoices" does not exist \(restore the invoices first\)/),
    });
  });
});

describe('the order of the uploads', () => {
  it('invoices that block the declaration being prepared go first, even before older ones already declared', async () => {
    const url = await invoiceDb('tp_sync_order');
    const seller = randomCreditCode(rng, '350102');
    const start = periodStart(periodBeingDeclared(new Date())).getTime();
    const at = (hours: number) => new Date(start + hours * 3600_000).toISOString();
    const declared = await issueInvoices(url, { count: 1, seller, buyer: BUYER, at: at(1), seed: 9 });
    await queryUrl(url, `UPDATE invoices SET declared_period = to_char(issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') WHERE invoice_no = $1`, [declared.first]);
    const blocking = await issueInvoices(url, { count: 2, seller, buyer: BUYER, at: at(2), seed: 10 });
    const later = await issueInvoices(url, { count: 1, seller, buyer: BUYER, seed: 11 });
    const clientFor = (s: string) => createTaxPlatformClient({ baseUrl: sim.url, taxpayer: s, retry: FAST_RETRY });
    expect(await syncPass(url, { clientFor, by: 'test', batchSize: 1, concurrency: 1, pollIntervalMs: 20 })).toMatchObject({ batches: 4, synced: 4 });
    const order = await queryUrl<{ invoice_no: string }>(url, `SELECT m.invoice_no FROM sync_batches b JOIN sync_batch_invoices m USING (fpqqlsh) ORDER BY b.formed_at`);
    // `later` is of the current period: after the blocking ones, unless the current period is the one being declared.
    expect(order.map((r) => r.invoice_no).slice(0, 2)).toEqual([blocking.first, blocking.last]);
    expect(order.map((r) => r.invoice_no).slice(2)).toEqual(expect.arrayContaining([declared.first, later.first]));
  });
});

describe('when the platform misbehaves', () => {
  it('The platform in outage during a sync: nothing is lost; invoices retry and sync when it returns', async () => {
    const url = await invoiceDb('tp_sync_outage');
    const seller = randomCreditCode(rng, '320102');
    await issueInvoices(url, { count: 300, seller, buyer: BUYER, seed: 5 });
    const p = platform();
    await p.sim.setFault({ kind: 'outage' });
    try {
      const during = await syncOn(url).activities.syncTaxPlatform({ by: 'test' });
      expect(during.unreachable).toMatchObject({ code: 'http-503', attempts: 3 });
      expect(during).toMatchObject({ synced: 0, stillPending: 300 });
      await expect(syncOn(url).actions.resyncTaxPlatform(action('resyncTaxPlatform', {}))).rejects.toThrow(/the tax platform stayed unreachable after 3 attempts .*503.*300 invoices still pending, none lost/);
      expect(await statuses(url)).toEqual({ pending: 300 });
    } finally {
      await p.sim.clearFaults('outage');
    }
    const after = await syncOn(url).activities.syncTaxPlatform({ by: 'test' });
    expect(after).toMatchObject({ synced: 300, stillPending: 0, failed: {} });
    expect(await statuses(url)).toEqual({ synced: 300 });
    // Each batch formed during the outage was sent again under its own serial, and accepted once.
    const batches = await queryUrl<{ state: string; attempts: number }>(url, `SELECT state, attempts FROM sync_batches`);
    expect(batches.every((b) => b.state === 'done')).toBe(true);
    expect(batches.some((b) => b.attempts > 1)).toBe(true);
    expect(await stats(seller)).toMatchObject({ invoices: 300, alreadyExists: 0, duplicateSerials: 0 });
  });

  it('a batch whose acceptance was lost with its worker is sent again under the same serial: 6655 hands back the first acceptance, nothing is stored twice', async () => {
    const url = await invoiceDb('tp_sync_resend');
    const seller = randomCreditCode(rng, '650102');
    await issueInvoices(url, { count: 5, seller, buyer: BUYER, seed: 30 });
    const real = (s: string) => createTaxPlatformClient({ baseUrl: sim.url, taxpayer: s, retry: FAST_RETRY });
    // The platform accepts the upload, then the process dies before it records the acceptance.
    const dying = (s: string) => ({ ...real(s), upload: async (...args: Parameters<ReturnType<typeof real>['upload']>) => {
      await real(s).upload(...args);
      throw new Error('worker killed after the upload');
    } });
    await expect(syncPass(url, { clientFor: dying, by: 'test' })).rejects.toThrow('worker killed after the upload');
    expect(await queryUrl(url, `SELECT state, attempts, sllsh FROM sync_batches`)).toEqual([{ state: 'formed', attempts: 1, sllsh: null }]);

    expect(await syncPass(url, { clientFor: real, by: 'test', pollIntervalMs: 20 })).toMatchObject({ uploaded: 5, synced: 5, batches: 1 });
    expect(await queryUrl(url, `SELECT state, attempts FROM sync_batches`)).toEqual([{ state: 'done', attempts: 2 }]);
    expect(await stats(seller)).toMatchObject({ uploads: 1, invoices: 5, duplicateSerials: 1, alreadyExists: 0 });
  });

  it('a result still processing (a delayed platform) is left for the next pass, which polls it again without uploading anew', async () => {
    const url = await invoiceDb('tp_sync_delay');
    const seller = randomCreditCode(rng, '640104');
    await issueInvoices(url, { count: 6, seller, buyer: BUYER, seed: 31 });
    const p = platform();
    await p.sim.setFault({ kind: 'delay', ms: 1500 });
    const clientFor = (s: string) => createTaxPlatformClient({ baseUrl: sim.url, taxpayer: s, retry: FAST_RETRY });
    try {
      expect(await syncPass(url, { clientFor, by: 'test', maxPollMs: 100, pollIntervalMs: 20 })).toMatchObject({ uploaded: 6, synced: 0, awaitingResults: 6, stillPending: 6 });
    } finally {
      await p.sim.clearFaults('delay');
    }
    expect(await queryUrl(url, `SELECT state FROM sync_batches`)).toEqual([{ state: 'accepted' }]);
    await eventually('the delayed result to be ready', async () => ((await syncPass(url, { clientFor, by: 'test', maxPollMs: 100, pollIntervalMs: 20 })).synced === 6 ? true : undefined));
    expect(await statuses(url)).toEqual({ synced: 6 });
    expect(await stats(seller)).toMatchObject({ uploads: 1, invoices: 6, duplicateSerials: 0 });
  });

  it('invoices the platform drops go out again in a NEW batch and end synced, each stored once', async () => {
    const url = await invoiceDb('tp_sync_drop');
    const seller = randomCreditCode(rng, '330106');
    await issueInvoices(url, { count: 40, seller, buyer: BUYER, seed: 6 });
    const p = platform();
    await p.sim.setFault({ kind: 'drop', share: 1 });
    let during;
    try {
      during = await syncOn(url).activities.syncTaxPlatform({ by: 'test' });
    } finally {
      await p.sim.clearFaults('drop');
    }
    // Lost every time: sent again three times in this pass, then left pending for the next.
    expect(during).toMatchObject({ synced: 0, resent: 120, stillPending: 40 });
    const after = await syncOn(url).activities.syncTaxPlatform({ by: 'test' });
    expect(after).toMatchObject({ synced: 40, resent: 0, stillPending: 0 });
    expect(await statuses(url)).toEqual({ synced: 40 });
    expect(await stats(seller)).toMatchObject({ invoices: 40, drops: 160, alreadyExists: 0, duplicateSerials: 0 });
    // Each invoice travelled in five batches, each under a serial of its own; four came back lost.
    const trips = await queryUrl<{ n: number; serials: number; lost: number }>(
      url,
      `SELECT count(*)::int AS n, count(DISTINCT fpqqlsh)::int AS serials, count(*) FILTER (WHERE outcome = 'lost')::int AS lost FROM sync_batch_invoices GROUP BY invoice_no`,
    );
    expect(new Set(trips.map((t) => JSON.stringify(t)))).toEqual(new Set([JSON.stringify({ n: 5, serials: 5, lost: 4 })]));
  });

  it("an upload refused with a code that retrying cannot fix ends failed with the platform's code and message; a resync sends it again", async () => {
    const url = await invoiceDb('tp_sync_error');
    const seller = randomCreditCode(rng, '510107');
    await issueInvoices(url, { count: 25, seller, buyer: BUYER, seed: 7 });
    const p = platform();
    await p.sim.setFault({ kind: 'error', code: '1108', share: 1 });
    let during;
    try {
      during = await syncOn(url).activities.syncTaxPlatform({ by: 'test' });
    } finally {
      await p.sim.clearFaults('error');
    }
    expect(during).toMatchObject({ synced: 0, failed: { '1108': 25 }, stillPending: 0 });
    const rows = await queryUrl<{ sync_status: string; sync_code: string; sync_message: string }>(url, `SELECT DISTINCT sync_status, sync_code, sync_message FROM invoices`);
    expect(rows).toEqual([{ sync_status: 'failed', sync_code: '1108', sync_message: expect.stringMatching(/1108 platform error 1108 \(simulated\)/) }]);
    // The schedule's pass does not resend failed invoices; a resync does.
    expect(await syncOn(url).activities.syncTaxPlatform({ by: 'test' })).toMatchObject({ uploaded: 0 });
    const resync = await syncOn(url).actions.resyncTaxPlatform(action('resyncTaxPlatform', { statuses: ['failed'] }));
    expect(resync.outcome).toMatch(/^resync: uploaded 25, synced 25; failed 0; still pending 0/);
    expect(await queryUrl(url, `SELECT DISTINCT sync_status, sync_code, sync_message FROM invoices`)).toEqual([{ sync_status: 'synced', sync_code: null, sync_message: null }]);
    expect(await stats(seller)).toMatchObject({ invoices: 25, alreadyExists: 0, duplicateSerials: 0 });
  });
});

describe('in a live drill', () => {
  it("freeze, resync and resume work on the drill's sandbox and its own simulator tenant, never production's", async () => {
    const sandbox = `drill_sync_${RUN}`;
    dbs.push(sandbox);
    const url = urlOf(sandbox);
    await prepareInvoiceDatabase(url);
    const prod = h.config.invoiceDatabaseUrl;
    const before = await statuses(prod);
    const seller = randomCreditCode(rng, '420106');
    const { actions } = createTaxSyncActivities({ invoiceDatabaseUrl: prod, taxPlatformUrl: sim.url }, { retry: FAST_RETRY, pass: { pollIntervalMs: 50 } });
    const drill = (name: string, w: Record<string, unknown>) => action(name, w, { mode: 'live-drill', target: sandbox });

    await actions.freezeIssuing(drill('freezeIssuing', { mode: 'freeze' }));
    await issueInvoices(url, { count: 12, seller, buyer: BUYER, seed: 8 });
    expect(await issuingState(url)).toMatchObject({ mode: 'freeze', queued: 12 });
    expect(await issuingState(prod)).toMatchObject({ mode: 'open' });
    await actions.resumeIssuing(drill('resumeIssuing', { drainQueue: true }));
    const r = await actions.resyncTaxPlatform(drill('resyncTaxPlatform', { period: 'current', batchSize: 5 }));
    expect(r.outcome).toMatch(/uploaded 12, synced 12/);
    expect(await statuses(url)).toEqual({ synced: 12 });
    expect(await stats(seller, sandbox)).toMatchObject({ invoices: 12, uploads: 3 });
    expect(await stats(seller)).toMatchObject({ invoices: 0, uploads: 0 });
    expect(await statuses(prod)).toEqual(before);
    await expect(actions.resyncTaxPlatform(action('resyncTaxPlatform', {}, { mode: 'live-drill' }))).rejects.toThrow(/needs the drill's sandbox/);
  });
});

describe('yingji invoices issue | sync | issuing', () => {
  const run = async (cmd: Command, args: string[]): Promise<string[]> => {
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    try {
      await cmd.exitOverride().configureOutput({ writeErr: () => undefined }).parseAsync(args, { from: 'user' });
    } finally {
      log.mockRestore();
    }
    return out;
  };

  it('issues (held while frozen), syncs one pass and shows the issuing state; bad input is refused naming the option', async () => {
    const url = await invoiceDb('tp_sync_cli');
    const seller = randomCreditCode(rng, '370102'); // a province of its own: invoice numbers restart in each test database
    const db = () => url;
    const wrongCheck = seller.slice(0, 17) + (seller[17] === '0' ? '1' : '0');
    await expect(run(issueCommand(db), ['--count', '2', '--seller', wrongCheck])).rejects.toThrow(
      /option '--seller <credit code>' argument '\w+' is invalid\. not a valid unified social credit code: it has a wrong check character \(the 18th\)/,
    );
    await expect(run(issueCommand(db), ['--count', '2', '--amount=-5'])).rejects.toThrow(/option '--amount <yuan>' argument '-5' is invalid\. an amount in yuan above 0/);
    expect(await statuses(url)).toEqual({});

    expect(await run(issueCommand(db), ['--count', '3', '--seller', seller, '--buyer', BUYER, '--amount', '1000'])).toEqual([
      expect.stringMatching(/^issued 3 invoices \d{20} \.\. \d{20}: amount 3,000\.00 \+ tax \d[\d,]*\.\d\d CNY, sync pending$/),
    ]);
    await freezeIssuing(url, { mode: 'freeze', by: 'wang.fang', reason: 'platform down' });
    expect((await run(issueCommand(db), ['--count', '2', '--seller', seller]))[1]).toMatch(/^held: issuing is frozen \(mode freeze\)/);
    expect(await run(issuingCommand(db), [])).toEqual([
      expect.stringMatching(/^issuing: frozen \(mode freeze\) since .* by wang\.fang \(platform down\)$/),
      'queue: 2 invoices held, not uploaded until issuing resumes or a resync takes them',
      'waiting for the sync: 5 pending (queue included), 0 failed',
    ]);
    expect(await run(syncCommand(db, () => sim.url), ['--no-progress'])).toEqual(['sync: uploaded 3, synced 3; failed 0; still pending 2 (2 queued while issuing was frozen)']);
    expect(await run(syncCommand(db, () => sim.url), ['--no-progress', '--resync', '--period', 'current'])).toEqual(['sync: uploaded 2, synced 2; failed 0; still pending 0']);
    await expect(run(syncCommand(db, () => sim.url), ['--period', '2099-01'])).rejects.toThrow(/option '--period <period>' argument '2099-01' is invalid\. 2099-01 is in the future/);
    expect(await stats(seller)).toMatchObject({ invoices: 5, alreadyExists: 0, duplicateSerials: 0 });
  });
});
