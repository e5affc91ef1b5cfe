// 发票在系统中缺失 (einvoice-missing-invoices) end to end on the real simulator, PostgreSQL and
// Temporal: its reconcile step really diagnoses the period (a misfiled invoice, a failed upload, two
// lost from the ledger), and each truly missing invoice becomes a task for finance with the evidence
// attached, which finance completes before the plan goes on.
import { randomBytes } from 'node:crypto';
import { issueInvoices } from '../../activities/invoices/issuing';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { syncPass } from '../../activities/invoices/sync';
import { createTaxPlatformClient } from '../../activities/tax-platform';
import { issueToken } from '../../apps/api/src/auth/token-store';
import { ApiClient } from '../../apps/cli/src/api-client';
import { directoryTeams } from '../../apps/cli/src/simulation';
import { expectedDecisions, respondUntilClosed } from '../../apps/cli/src/simulated-responders';
import { startTaxPlatform } from '../../apps/tax-platform/src';
import type { RunningTaxPlatform } from '../../apps/tax-platform/src';
import { mulberry32, periodStart, randomCreditCode, taxPeriodOf } from '../../domain/einvoice';
import type { Plan } from '../../domain/plan/plan.types';
import { dropDatabase } from '../../scripts/stack/postgres';
import { adminUrl, queryUrl, urlOf } from './support/databases';
import { Harness, startHarness, workflowCompleted } from './support/harness';
import { recordHistory } from './support/histories';

const RUN = randomBytes(4).toString('hex');
const SIM_DB = `missing_sim_${RUN}`;
const INVOICE_DB = `missing_invoices_${RUN}`;
const rng = mulberry32(1108);
const SELLER = randomCreditCode(rng, '110108');
const BUYER = randomCreditCode(rng, '310115');

let sim: RunningTaxPlatform;
let h: Harness;
const invoices = urlOf(INVOICE_DB);

beforeAll(async () => {
  sim = await startTaxPlatform({ databaseUrl: urlOf(SIM_DB), port: 0 });
  await prepareInvoiceDatabase(invoices);
  process.env.TAX_PLATFORM_URL = sim.url;
  process.env.INVOICE_DATABASE_URL = invoices;
  h = await startHarness();
  await h.publishPlan('einvoice-missing-invoices.yaml');
});

afterAll(async () => {
  await h?.close();
  await sim?.stop();
  delete process.env.TAX_PLATFORM_URL;
  delete process.env.INVOICE_DATABASE_URL;
  await dropDatabase(adminUrl(), SIM_DB);
  await dropDatabase(adminUrl(), INVOICE_DB);
});

test('the reconcile step diagnoses the period and hands each truly missing invoice to finance with its evidence', async () => {
  // Twenty invoices issued an hour ago (or at the period's start) and synced.
  const now = new Date();
  const at = new Date(Math.max(now.getTime() - 3600_000, periodStart(taxPeriodOf(now)).getTime() + 60_000));
  const issued = await issueInvoices(invoices, { count: 20, seller: SELLER, buyer: BUYER, at: at.toISOString(), seed: 7 });
  const platform = createTaxPlatformClient({ baseUrl: sim.url, taxpayer: SELLER });
  expect((await syncPass(invoices, { clientFor: () => platform, by: 'test' })).synced).toBe(20);
  const numbers = (await queryUrl<{ no: string }>(invoices, `SELECT invoice_no AS no FROM invoices ORDER BY invoice_no`)).map((r) => r.no);
  expect(numbers[0]).toBe(issued.first);
  const [misfiled, lostA, lostB] = numbers;
  const period = taxPeriodOf(at);
  await queryUrl(invoices, `UPDATE invoices SET folder = $2 WHERE invoice_no = $1`, [misfiled, `sales/${Number(period.slice(0, 4)) - 1}${period.slice(4)}`]);
  await queryUrl(invoices, `DELETE FROM invoices WHERE invoice_no = ANY($1)`, [[lostA, lostB]]);
  // One the platform refused (recorded with its code by the sync), issued after the others.
  await issueInvoices(invoices, { count: 1, seller: SELLER, buyer: BUYER, at: at.toISOString(), seed: 8 });
  await queryUrl(invoices, `UPDATE invoices SET sync_status = 'failed', sync_code = '1108', sync_message = 'bad data' WHERE sync_status = 'pending'`);

  const api = new ApiClient(h.baseUrl);
  const commander = api.as((await issueToken(h.db, { person: 'li-na', teams: ['tax-sync'], roles: ['commander'], createdBy: 'test' })).token);
  const teams: Record<string, ApiClient> = {};
  for (const team of directoryTeams(h.config.directoryFile)) teams[team] = api.as((await issueToken(h.db, { person: `sim-${team}`, teams: [team], roles: ['responder'], createdBy: 'test' })).token);
  const plan = (await commander.get<{ plan: Plan }>('/plans/einvoice-missing-invoices')).plan;
  const launched = await commander.post<{ incident: { id: string } }>('/incidents', { planId: plan.id, facts: { missingInvoices: 3, missingAmountYuan: 30_000, daysToDeclarationDeadline: 10 } });
  const id = launched.incident.id;
  const done = await respondUntilClosed({ commander, teams, incidentId: id, decisions: expectedDecisions(plan), timeoutMs: 120_000 });
  expect(done.incident.state).toBe('closed');

  const reconcile = done.steps.find((s) => s.stepId === 'reconcile') as { state: string; outcome?: string };
  expect(reconcile.state).toBe('done');
  expect(reconcile.outcome).toMatch(/1 taxpayers? checked/);
  expect(reconcile.outcome).toMatch(/sync-failure 1/);
  expect(reconcile.outcome).toMatch(/misfiled 1/);
  expect(reconcile.outcome).toMatch(/truly-missing 2/);

  // One finance task per truly missing invoice, the evidence attached; the others get none.
  const handed = (done.tasks as Array<{ id: string; stepId: string; team: string; state: string; attached?: string[] }>).filter((t) => t.stepId.startsWith('reconcile.'));
  expect(handed.map((t) => t.stepId).sort()).toEqual([`reconcile.${lostA}`, `reconcile.${lostB}`].sort());
  for (const t of handed) {
    expect(t).toMatchObject({ team: 'finance', state: 'done', id: `${id}.${t.stepId}` });
    const no = t.stepId.slice('reconcile.'.length);
    expect(t.attached).toEqual(expect.arrayContaining([`invoiceNo: ${no}`, 'local: absent', 'platform: present']));
    expect(t.attached!.some((l) => /^next: /.test(l))).toBe(true);
  }
  // Opened and completed on the timeline, by finance.
  for (const t of handed) {
    expect(done.timeline.some((e) => e.kind === 'task.opened' && e.taskId === t.id)).toBe(true);
    expect(done.timeline.some((e) => e.kind === 'task.completed' && e.taskId === t.id && e.actor === 'sim-finance')).toBe(true);
  }
  await workflowCompleted(h, id);
  await recordHistory(h, id, 'einvoice-missing-invoices.follow-ups');
});
