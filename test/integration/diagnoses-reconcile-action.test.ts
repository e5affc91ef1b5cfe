// The reconcileInvoices plan action on arranged data in a real invoice database and the real
// simulator: tasks for the truly missing invoices only (not for a failed upload, a misfiled or a
// mistyped one), the cause and taxpayer filters, the platform in outage failing the step with the
// reason, and a live drill reading its sandbox and its own tenant while production's is down.
import { ApplicationFailure } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { createReconcileActions } from '../../activities/invoices/reconcile-action';
import type { ActionRequest } from '../../activities/actions/actions.activities';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { startTaxPlatform } from '../../apps/tax-platform/src';
import type { RunningTaxPlatform } from '../../apps/tax-platform/src';
import { makeCreditCode } from '../../domain/einvoice';
import { dropDatabase } from '../../scripts/stack/postgres';
import { Arranged, insertInvoices, numberOf, putOnPlatform, simAdmin } from './diagnoses-fixtures';
import { adminUrl, queryUrl, urlOf } from './support/databases';

const RUN = randomBytes(4).toString('hex');
const SIM_DB = `rec_sim_${RUN}`;
const PROD_DB = `rec_invoices_${RUN}`;
const SANDBOX = `drill_rec_${RUN}`;
const ADMIN = 'reconcile-action-admin';
/** 2026-11-20 12:00 in Beijing: "current" is November. */
const NOW = new Date('2026-11-20T04:00:00.000Z');
const A = makeCreditCode({ authority: '9', type: '1', division: '110108', orgBody: 'MA01ABCD' });
const B = makeCreditCode({ authority: '9', type: '1', division: '110105', orgBody: 'MA02BCDE' });
const C = makeCreditCode({ authority: '9', type: '1', division: '110101', orgBody: 'MA03EFGH' });
const BUYER = makeCreditCode({ authority: '9', type: '1', division: '310115', orgBody: '12345678' });

let seq = 8_000_000;
const invoice = (over: Partial<Arranged> = {}): Arranged => ({
  invoiceNo: numberOf(seq += 1_009),
  issuedAt: '2026-11-05T02:00:00.000Z',
  sellerTaxId: A,
  buyerTaxId: BUYER,
  amount: 100_000 + seq,
  region: '11',
  folder: 'sales/2026-11',
  syncStatus: 'synced',
  ...over,
});

// Production, November. A: three that agree, two only on the platform (truly missing), one failed
// upload, one misfiled, one keyed one digit off (the platform's number differs in digit 6).
const agreeA = [invoice(), invoice(), invoice()];
const missingA = [invoice(), invoice()];
const failedA = invoice({ syncStatus: 'failed' });
const misfiledA = invoice({ folder: 'sales/2026-10' });
const keyed = invoice();
const keyedOnPlatform = { ...keyed, invoiceNo: `${keyed.invoiceNo.slice(0, 5)}9${keyed.invoiceNo.slice(6)}` };
// B: two that agree, one truly missing. C: October only, so not a November taxpayer.
const agreeB = [invoice({ sellerTaxId: B }), invoice({ sellerTaxId: B })];
const missingB = invoice({ sellerTaxId: B });
const october = invoice({ sellerTaxId: C, issuedAt: '2026-10-10T02:00:00.000Z', folder: 'sales/2026-10' });
// The drill's sandbox and tenant: A with one that agrees and one truly missing (other numbers).
const sandboxAgree = invoice();
const sandboxMissing = invoice();

let sim: RunningTaxPlatform;
let actions: ReturnType<typeof createReconcileActions>;

const req = (over: Partial<ActionRequest> = {}): ActionRequest => ({ incidentId: 'inc-rec', stepId: 'reconcile', action: 'reconcileInvoices', with: {}, mode: 'live', ...over });
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('the action succeeded'); }, (err: unknown) => err as ApplicationFailure);

beforeAll(async () => {
  sim = await startTaxPlatform({ databaseUrl: urlOf(SIM_DB), port: 0, adminToken: ADMIN });
  await prepareInvoiceDatabase(urlOf(PROD_DB));
  await insertInvoices(urlOf(PROD_DB), [...agreeA, failedA, misfiledA, keyed, ...agreeB, october]);
  await putOnPlatform(sim.url, [...agreeA, ...missingA, misfiledA, keyedOnPlatform, ...agreeB, missingB, october], { adminToken: ADMIN });
  await prepareInvoiceDatabase(urlOf(SANDBOX));
  await insertInvoices(urlOf(SANDBOX), [sandboxAgree]);
  await putOnPlatform(sim.url, [sandboxAgree, sandboxMissing], { tenant: SANDBOX, adminToken: ADMIN });
  actions = createReconcileActions({
    invoiceDatabaseUrl: urlOf(PROD_DB),
    taxPlatformUrl: sim.url,
    now: () => NOW,
    retry: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 100 },
  });
});

afterAll(async () => {
  await sim?.stop();
  for (const db of [SIM_DB, PROD_DB, SANDBOX]) await dropDatabase(adminUrl(), db);
});

describe('reconcileInvoices', () => {
  it("hands finance one task per truly missing invoice, with its evidence, and the commander one line with every cause's count", async () => {
    const result = await actions.reconcileInvoices(req({ with: { period: 'current', taxpayers: 'all' } }));
    expect(result.followUps!.map((t) => [t.key, t.role])).toEqual(
      expect.arrayContaining([...missingA, missingB].map((m) => [m.invoiceNo, 'finance'])),
    );
    expect(result.followUps).toHaveLength(3);
    const task = result.followUps!.find((t) => t.key === missingB.invoiceNo)!;
    expect(task.evidence).toEqual([
      `确实缺失 truly missing: ${B} 2026-11, platform-only`,
      `invoiceNo: ${missingB.invoiceNo}`,
      'local: absent',
      'platform: present',
      'nearCandidatesChecked: 0',
      expect.stringMatching(/^checkedCauses: /),
      expect.stringMatching(/^下一步 /),
      expect.stringMatching(/^next: None of the other causes holds/),
    ]);
    expect(result.outcome).toBe('对账 Reconciled 2026-11: 2 taxpayers checked, 6 discrepancies (sync-failure 1, data-entry 1, misfiled 1, truly-missing 3); 3 truly missing handed to finance');
    expect(result.data).toMatchObject({
      period: '2026-11',
      counts: { network: 0, 'sync-failure': 1, 'data-entry': 1, misfiled: 1, 'truly-missing': 3 },
      taxpayers: [
        { taxpayer: B < A ? B : A, localCount: expect.any(Number) },
        { taxpayer: B < A ? A : B, localCount: expect.any(Number) },
      ],
    });
    const first = (result.data!.firstFindings as Array<{ invoiceNo: string; findings: Array<{ cause: string; evidence: Record<string, unknown> }> }>);
    expect(first.find((d) => d.invoiceNo === keyedOnPlatform.invoiceNo)!.findings[0]).toMatchObject({ cause: 'data-entry', evidence: { reason: 'near-number', nearInvoiceNo: keyed.invoiceNo, position: 6 } });
    expect(first.find((d) => d.invoiceNo === failedA.invoiceNo)!.findings.map((f) => f.cause)).toEqual(['sync-failure']);
  });

  it('narrows to the causes and taxpayers asked for, and gives the truly missing to the role named', async () => {
    const causes = await actions.reconcileInvoices(req({ with: { causes: ['sync-failure', 'misfiled'] } }));
    expect(causes.followUps).toEqual([]);
    expect(causes.outcome).toBe('对账 Reconciled 2026-11 (causes: sync-failure, misfiled): 2 taxpayers checked, 2 discrepancies (sync-failure 1, misfiled 1)');

    const onlyB = await actions.reconcileInvoices(req({ with: { taxpayers: [B], missingTo: 'tax' } }));
    expect(onlyB.followUps!.map((t) => [t.key, t.role])).toEqual([[missingB.invoiceNo, 'tax']]);
    expect(onlyB.outcome).toBe('对账 Reconciled 2026-11: 1 taxpayer checked, 1 discrepancy (truly-missing 1); 1 truly missing handed to tax');

    // October has only C.
    const previous = await actions.reconcileInvoices(req({ with: { period: 'previous' } }));
    expect(previous.outcome).toBe('对账 Reconciled 2026-10: 1 taxpayer checked, no discrepancies');
  });

  it('with the platform unreachable after its retries, the step fails with the reason; a live drill still reads its own tenant and sandbox', async () => {
    const production = simAdmin(sim.url, ADMIN);
    await production.setFault({ kind: 'outage' });
    try {
      const err = await failure(actions.reconcileInvoices(req()));
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err.nonRetryable).toBe(true);
      expect(err.type).toBe('TaxPlatformUnavailable');
      expect(err.message).toMatch(new RegExp(`^the tax platform could not be read for ${B < A ? B : A} 2026-11: network or platform outage, reason: unreachable; code: http-503; .*attempts: 3\\. The tax platform is not available`));

      // Production's tenant is down and production's database holds other invoices: the drill sees neither.
      const drill = await actions.reconcileInvoices(req({ mode: 'live-drill', target: SANDBOX }));
      expect(drill.followUps!.map((t) => t.key)).toEqual([sandboxMissing.invoiceNo]);
      expect(drill.outcome).toBe('对账 Reconciled 2026-11: 1 taxpayer checked, 1 discrepancy (truly-missing 1); 1 truly missing handed to finance');
      expect(drill.data).toMatchObject({ sandbox: SANDBOX, taxpayers: [{ taxpayer: A, localCount: 1, platformCount: 2, matchedCount: 1, discrepancies: 1 }] });
    } finally {
      await production.clearFaults();
    }
    // The sandbox was only read.
    expect(await queryUrl(urlOf(SANDBOX), 'SELECT invoice_no FROM invoices')).toEqual([{ invoice_no: sandboxAgree.invoiceNo }]);
  });

  it('a drill without its sandbox, or a bad with, fails naming it before anything is read', async () => {
    const noSandbox = await failure(actions.reconcileInvoices(req({ mode: 'live-drill' })));
    expect(noSandbox).toMatchObject({ type: 'NoSandbox', nonRetryable: true, message: 'a live-drill reconciles its sandbox, and none was given' });
    const notSandbox = await failure(actions.reconcileInvoices(req({ mode: 'live-drill', target: PROD_DB })));
    expect(notSandbox.message).toBe(`"${PROD_DB}" is not a drill sandbox name (drill_…)`);
    const bad = await failure(actions.reconcileInvoices(req({ with: { period: '2026-12' } })));
    expect(bad).toMatchObject({ type: 'BadActionInput', message: 'with.period: "2026-12" is in the future (the current period is 2026-11)' });
  });
});
