// Seed 001's story in the demo: a customer's Beijing invoice is "not in the system". Invoices are
// issued through the issuing path and synced with the tax platform; one is then filed under another
// folder (the seed's case study) and one is lost from the ledger. The diagnosis finds the first
// misfiled and prints its evidence; the plan 发票在系统中缺失 reconciles, and the second becomes a
// task for finance with the evidence attached.
import { withDatabase } from '../../../activities/invoices/database';
import { issueInvoices } from '../../../activities/invoices/issuing';
import { syncPass } from '../../../activities/invoices/sync';
import { describeOutcome } from '../../../activities/invoices/sync.activities';
import { createTaxPlatformClient, registerSyncedHistory } from '../../../activities/tax-platform';
import { makeCreditCode, periodStart, taxPeriodOf } from '../../../domain/einvoice';
import { chinaDate } from '../../../domain/einvoice/diagnosis';
import type { Plan } from '../../../domain/plan/plan.types';
import type { InvoiceAnswer } from '../../api/src/diagnoses/diagnosis-answer';
import type { YingjiConfig } from '../../shared/config';
import { printInvoiceDiagnosis } from './diagnosis-commands';
import { expectedDecisions, respondUntilClosed } from './simulated-responders';
import type { SimulatedPeople } from './simulation';

type Log = (line: string) => void;

/** 北京某科技有限公司, the seller, and its customer in Shanghai. */
const BEIJING_SELLER = makeCreditCode({ authority: '9', type: '1', division: '110108', orgBody: 'MA01BJ88' });
const CUSTOMER = makeCreditCode({ authority: '9', type: '1', division: '310115', orgBody: 'MA02HU88' });
/** Wu Gang, Beijing finance (plans/teams.example.yaml: region 11, the sales folders). */
const FINANCE_PERSON = 'wu-gang';
/** Older than the platform's delay window, so a gap is not "still on its way". */
const ISSUED_AGO_MS = 2 * 3600_000;


export async function tellMissingInvoiceStory(config: YingjiConfig, people: SimulatedPeople, timeScale: number, log: Log): Promise<void> {
  const url = config.invoiceDatabaseUrl;
  const platformFor = (seller: string) =>
    createTaxPlatformClient({ baseUrl: config.taxPlatformUrl, taxpayer: seller, adminToken: process.env.TAX_PLATFORM_ADMIN_TOKEN || undefined });

  log('');
  log('发票"系统里查不到" The invoice that is "not in the system" (seed 001)');
  // The generated history says most invoices were synced before Yingji: the platform holds them too.
  const history = await registerSyncedHistory(url, platformFor(BEIJING_SELLER));
  log(`The tax platform holds the ${(history.imported + history.alreadyThere).toLocaleString('en-US')} invoices the history marks synced.`);

  // Issued two hours ago (or at the start of this tax period, if that is later).
  const now = new Date();
  const at = new Date(Math.max(now.getTime() - ISSUED_AGO_MS, periodStart(taxPeriodOf(now)).getTime() + 60_000));
  const issued = await issueInvoices(url, { count: 3, seller: BEIJING_SELLER, buyer: CUSTOMER, amountFen: 1_000_000, at: at.toISOString() });
  const numbers = await invoiceNumbers(url, issued.first!, issued.last!);
  log(`Issued ${issued.issued} invoices from Beijing seller ${BEIJING_SELLER} to customer ${CUSTOMER} (yingji invoices issue): ${numbers.join(', ')}`);
  const sync = await syncPass(url, { clientFor: platformFor, by: 'yingji demo', whenBusy: 'wait' });
  log(`Synced with the tax platform: ${describeOutcome(sync)}`);

  const [misfiled, lost] = numbers;
  // Filed under last year's sub-directory of the same month: the seed's case study.
  const period = taxPeriodOf(at);
  const wrongFolder = `sales/${Number(period.slice(0, 4)) - 1}${period.slice(4)}`;
  const folder = await misfile(url, misfiled, wrongFolder);
  await loseFromLedger(url, lost);
  log(`A clerk filed ${misfiled} under ${wrongFolder} instead of ${folder}; ${lost} was lost from the ledger.`);
  log(`The customer calls: "our Beijing invoice ${misfiled} is not in your system". Finance (${FINANCE_PERSON}, Beijing, sales folders) looked under ${folder}:`);
  log(`  yingji invoices diagnose ${misfiled} --date ${chinaDate(at.getTime())} --as ${FINANCE_PERSON}`);
  const answer = await people.commander.post<InvoiceAnswer>('/diagnoses', { invoiceNo: misfiled, date: chinaDate(at.getTime()), folder, as: FINANCE_PERSON });
  printInvoiceDiagnosis(answer, (line) => log(`  ${line}`));

  // The plan reconciles the whole period: the lost invoice is on the platform and nowhere here.
  const plan = (await people.commander.get<{ plan: Plan }>('/plans/einvoice-missing-invoices')).plan;
  const facts = { missingInvoices: 2, missingAmountYuan: 22_600, daysToDeclarationDeadline: 10 };
  log('');
  log(`Launching ${plan.title} v${plan.version} with ${JSON.stringify(facts)}: its reconcile step compares this period's ledger with the platform...`);
  const launched = await people.commander.post<{ incident: { id: string } }>('/incidents', { planId: plan.id, facts, timeScale });
  const done = await respondUntilClosed({ ...people, incidentId: launched.incident.id, decisions: expectedDecisions(plan), log, timeoutMs: 5 * 60_000 });
  const reconcile = done.steps.find((s) => s.stepId === 'reconcile') as { outcome?: string } | undefined;
  log(`Reconcile step: ${reconcile?.outcome ?? 'did not run'}`);
  const task = done.tasks.find((t) => t.stepId === `reconcile.${lost}`) as { title: string; team: string; attached?: string[] } | undefined;
  if (!task) throw new Error(`the reconcile step opened no finance task for the lost invoice ${lost}: see incident ${launched.incident.id}`);
  log(`Finance task "${task.title}" (team ${task.team}), with the evidence attached:`);
  for (const line of task.attached ?? []) log(`  ${line}`);
}

async function invoiceNumbers(url: string, first: string, last: string): Promise<string[]> {
  return withDatabase(url, async (db) => (await db.query(`SELECT invoice_no FROM invoices WHERE invoice_no BETWEEN $1 AND $2 ORDER BY invoice_no`, [first, last])).rows.map((r) => r.invoice_no as string));
}

/** Moves the invoice to another folder; answers the folder it was in. */
async function misfile(url: string, invoiceNo: string, to: string): Promise<string> {
  return withDatabase(url, async (db) => {
    const r = await db.query(`UPDATE invoices i SET folder = $2 FROM (SELECT folder FROM invoices WHERE invoice_no = $1) old WHERE i.invoice_no = $1 RETURNING old.folder`, [invoiceNo, to]);
    return r.rows[0].folder as string;
  });
}

async function loseFromLedger(url: string, invoiceNo: string): Promise<void> {
  await withDatabase(url, (db) => db.query(`DELETE FROM invoices WHERE invoice_no = $1`, [invoiceNo]));
}
