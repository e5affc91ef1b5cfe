// 税务平台同步中断 (einvoice-tax-platform-outage) end to end with its real actions, on the real
// simulator, PostgreSQL and Temporal: the platform goes down while invoices are pending; the plan
// queues issuing (invoices issued meanwhile are held), the platform comes back, issuing resumes, the
// resync uploads everything once and the reconciliation finds nothing missing. Then the same plan as
// a live drill: its own sandbox and simulator tenant, the measured time from the platform's return
// to full resync and the invoices unsynced at the declaration deadline, in the drill's report.
import { randomBytes } from 'node:crypto';
import { issueInvoices } from '../../activities/invoices/issuing';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { syncPass } from '../../activities/invoices/sync';
import { issueDuringFault } from '../../activities/drills/sandbox';
import { createTaxPlatformClient } from '../../activities/tax-platform';
import type { ApiClient } from '../../apps/cli/src/api-client';
import { expectedDecisions, IncidentDetail, respondUntilClosed } from '../../apps/cli/src/simulated-responders';
import { mulberry32, randomCreditCode } from '../../domain/einvoice';
import type { Plan } from '../../domain/plan/plan.types';
import type { TaxPlatformFacts } from '../../domain/drill';
import { dropDatabase } from '../../scripts/stack/postgres';
import { adminUrl, queryUrl, urlOf } from './support/databases';
import { eventually, Harness } from './support/harness';
import { EinvoiceWorld, responders, startEinvoiceWorld } from './support/einvoice-world';
import { recordHistory } from './support/histories';

const RUN = randomBytes(4).toString('hex');
const rng = mulberry32(2116);
const SELLER = randomCreditCode(rng, '110108');
const BUYER = randomCreditCode(rng, '310115');
const QUICK = { maxAttempts: 2, initialDelayMs: 20, maxDelayMs: 50, maxElapsedMs: 500 };

let world: EinvoiceWorld;
let h: Harness;
let invoices: string;
let commander: ApiClient;
let teams: Record<string, ApiClient>;
let plan: Plan;

const platform = (tenant?: string) => createTaxPlatformClient({ baseUrl: world.sim.url, taxpayer: SELLER, tenant, retry: QUICK });
const byStatus = async (url: string) =>
  Object.fromEntries(
    (await queryUrl<{ k: string; n: number }>(url, `SELECT sync_status || CASE WHEN held THEN '+held' ELSE '' END AS k, count(*)::int AS n FROM invoices GROUP BY 1`)).map((r) => [r.k, r.n]),
  );

beforeAll(async () => {
  world = await startEinvoiceWorld('outage');
  ({ h, invoiceUrl: invoices } = world);
  await h.publishPlan('einvoice-tax-platform-outage.yaml');
  ({ commander, teams } = await responders(h));
  plan = (await commander.get<{ plan: Plan }>('/plans/einvoice-tax-platform-outage')).plan;
  // Business as usual: 200 invoices issued and synced.
  await issueInvoices(invoices, { count: 200, seller: SELLER, buyer: BUYER, seed: 1 });
  const first = await syncPass(invoices, { clientFor: () => platform(), by: 'test' });
  expect(first.synced).toBe(200);
});

afterAll(() => world?.close());

test('live: queue issuing during the outage, resume, resync and reconcile with the real actions; nothing lost or uploaded twice', async () => {
  await platform().sim.setFault({ kind: 'outage' });
  await issueInvoices(invoices, { count: 120, seller: SELLER, buyer: BUYER, seed: 2 });
  const during = await syncPass(invoices, { clientFor: () => platform(), by: 'test' });
  expect(during.unreachable).toBeDefined();
  expect(await byStatus(invoices)).toEqual({ synced: 200, pending: 120 });

  const launched = await commander.post<{ incident: { id: string; level: string } }>('/incidents', {
    planId: plan.id,
    facts: { outageMinutes: 90, daysToDeclarationDeadline: 8, regionsAffected: 1, platformAnnounced: true },
  });
  const id = launched.incident.id;
  // Everyone answers at once, except "follow the platform until it is back": that waits for the platform.
  const responding = respondUntilClosed({ commander, teams, incidentId: id, decisions: expectedDecisions(plan), late: { 'wait-for-platform': 3_600_000 }, timeoutMs: 240_000 });
  const waitTask = await eventually('the wait-for-platform task', async () => {
    const d = await commander.get<IncidentDetail>(`/incidents/${id}`);
    return d.tasks.find((t) => t.stepId === 'wait-for-platform' && t.state === 'open');
  });
  // Issuing is in queue mode now: invoices issued meanwhile are held, not uploaded.
  const queued = await issueInvoices(invoices, { count: 30, seller: SELLER, buyer: BUYER, seed: 3 });
  expect(queued).toMatchObject({ issued: 30, held: 30 });
  await platform().sim.clearFaults();
  await teams['tax-sync'].post(`/tasks/${waitTask.id}/complete`, { outcome: 'the platform is back' });
  const done = await responding;

  expect(done.incident).toMatchObject({ state: 'closed', level: 'III' });
  const step = (stepId: string) => done.steps.find((s) => s.stepId === stepId) as { state: string; outcome?: string };
  // The automated steps did their work themselves: none failed over to a person.
  expect(done.timeline.filter((e) => e.kind === 'task.failed')).toEqual([]);
  expect(step('queue-issuing')).toMatchObject({ state: 'done', outcome: expect.stringMatching(/queue/) });
  expect(step('freeze-issuing').state).toBe('skipped');
  expect(step('resume-issuing')).toMatchObject({ state: 'done', outcome: expect.stringMatching(/30/) });
  expect(step('resync')).toMatchObject({ state: 'done', outcome: expect.stringMatching(/150/) });
  expect(step('reconcile')).toMatchObject({ state: 'done' });
  expect(step('reconcile').outcome).not.toMatch(/truly missing: [1-9]/);

  // Every invoice is on the platform exactly once; nothing is held or pending.
  expect(await byStatus(invoices)).toEqual({ synced: 350 });
  const stats = (await platform().sim.stats()).byTaxpayer[SELLER];
  expect(stats).toMatchObject({ invoices: 350, alreadyExists: 0, drops: 0 });
  const listed = await platform().listAll({ period: (await queryUrl<{ p: string }>(invoices, `SELECT to_char(max(issued_at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS p FROM invoices`))[0].p });
  expect(listed.length).toBeGreaterThanOrEqual(150);
  await recordHistory(h, id, 'einvoice-tax-platform-outage.queue-and-resync');
});

test("live drill: the outage and the invoices issued during it stay in the drill's sandbox and tenant; the report shows the measured resync and unsynced-at-deadline", async () => {
  const production = async () => ({
    invoices: await byStatus(invoices),
    platform: (await platform().sim.stats()).byTaxpayer[SELLER],
    listed: (await platform().listAll({ period: (await queryUrl<{ p: string }>(invoices, `SELECT to_char(max(issued_at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS p FROM invoices`))[0].p })).length,
  });
  const before = await production();
  const started = await commander.post<{ incident: { id: string } }>('/drills', { planId: plan.id, mode: 'live-drill', timeScale: 3600 });
  const drillId = started.incident.id;
  // The platform is down for 3h of plan time (3 s here): the platform team follows it for 4 s.
  const done = await respondUntilClosed({ commander, teams, incidentId: drillId, decisions: expectedDecisions(plan), late: { 'wait-for-platform': 4_000 }, timeoutMs: 240_000 });
  expect(done.incident.state).toBe('closed');
  expect(done.timeline.filter((e) => e.kind === 'task.failed')).toEqual([]);
  const resync = done.steps.find((s) => s.stepId === 'resync') as { state: string; outcome?: string };
  expect(resync).toMatchObject({ state: 'done', outcome: expect.stringMatching(/500/) });

  type Drill = { state: string; sandboxState: string; facts: { taxPlatform: TaxPlatformFacts }; findings: Array<{ id: string }> };
  const drill = await eventually('the drill to be scored and its sandbox dropped', async () => {
    const d = await commander.get<Drill>(`/drills/${drillId}`);
    return d.state === 'scored' && d.sandboxState === 'dropped' ? d : undefined;
  }, 60_000);
  const tax = drill.facts.taxPlatform;
  expect(tax).toMatchObject({ unsyncedAtReturn: 500, stillUnsynced: 0, duplicateUploads: 0, unsyncedAtDeadline: 0 });
  const resyncMs = Date.parse(tax.resyncedAt!) - Date.parse(tax.returnedAt);
  expect(resyncMs).toBeGreaterThan(0);
  expect(drill.findings.map((f) => f.id)).not.toEqual(expect.arrayContaining(['not-resynced']));
  const html = (await commander.raw(`/drills/${drillId}/report`)).toString('utf8');
  expect(html).toContain('id="resync"');
  expect(html).toContain('补传完成 resynced');
  expect(html).toContain('<li>申报期限未同步 Unsynced at deadline<b>0</b></li>');
  expect(html).toContain('<li>重复上传 Duplicate uploads<b>0</b></li>');

  // Production's invoices and production's platform tenant are exactly as before the drill.
  expect(await production()).toEqual(before);
  await recordHistory(h, drillId, 'einvoice-tax-platform-outage.live-drill');
});

test("a retried fault injection issues the outage's invoices once: they and the fault's marker commit together", async () => {
  const sandbox = `drill_traffic_${RUN}`;
  await prepareInvoiceDatabase(urlOf(sandbox));
  try {
    const servers = { invoiceUrl: invoices };
    expect(await issueDuringFault(servers, sandbox, 0, 40, 'drill-x')).toBe(40);
    expect(await issueDuringFault(servers, sandbox, 0, 40, 'drill-x')).toBe(40);
    expect(await byStatus(urlOf(sandbox))).toEqual({ pending: 40 });
    // Another fault of the same drill issues its own.
    expect(await issueDuringFault(servers, sandbox, 1, 5, 'drill-x')).toBe(5);
    expect(await byStatus(urlOf(sandbox))).toEqual({ pending: 45 });
  } finally {
    await dropDatabase(adminUrl(), sandbox);
  }
});
