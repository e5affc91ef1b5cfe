// 发票在系统中缺失 (einvoice-missing-invoices) end to end on the real simulator, PostgreSQL and
// Temporal: its reconcile step really diagnoses the period (a misfiled invoice, a failed upload, two
// lost from the ledger), and each truly missing invoice becomes a task for finance with the evidence
// attached, which finance completes before the plan goes on.
import { issueInvoices } from '../../activities/invoices/issuing';
import { syncPass } from '../../activities/invoices/sync';
import { createTaxPlatformClient } from '../../activities/tax-platform';
import { expectedDecisions, respondUntilClosed } from '../../apps/cli/src/simulated-responders';
import { mulberry32, periodStart, randomCreditCode, taxPeriodOf } from '../../domain/einvoice';
import type { Plan } from '../../domain/plan/plan.types';
import { queryUrl } from './support/databases';
import { Harness, workflowCompleted } from './support/harness';
import { EinvoiceWorld, responders, startEinvoiceWorld } from './support/einvoice-world';
import { recordHistory } from './support/histories';

const rng = mulberry32(1108);
const SELLER = randomCreditCode(rng, '110108');
const BUYER = randomCreditCode(rng, '310115');

let world: EinvoiceWorld;
let h: Harness;
let invoices: string;

beforeAll(async () => {
  world = await startEinvoiceWorld('missing');
  ({ h, invoiceUrl: invoices } = world);
  await h.publishPlan('einvoice-missing-invoices.yaml');
});

afterAll(() => world?.close());

test('the reconcile step diagnoses the period and hands each truly missing invoice to finance with its evidence', async () => {
  // Twenty invoices issued an hour ago (or at the period's start) and synced.
  const now = new Date();
  const at = new Date(Math.max(now.getTime() - 3600_000, periodStart(taxPeriodOf(now)).getTime() + 60_000));
  const issued = await issueInvoices(invoices, { count: 20, seller: SELLER, buyer: BUYER, at: at.toISOString(), seed: 7 });
  const platform = createTaxPlatformClient({ baseUrl: world.sim.url, taxpayer: SELLER });
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

  const { commander, teams } = await responders(h);
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
