// The plan action reconcileInvoices: every seller taxpayer with invoices in the period, its ledger
// rows against the platform's full listing, each discrepancy explained by the diagnosis core. The
// commander reads one line; each truly missing invoice becomes a task for finance with its
// evidence. A live drill reconciles its sandbox against its own platform tenant, never production's.
import { ApplicationFailure } from '@temporalio/activity';
import type { Pool } from 'pg';
import { resilientPool } from '../../apps/shared/pg-pool';
import type { YingjiConfig } from '../../apps/shared/config';
import { addMonths, isTaxPeriod, taxPeriodOf } from '../../domain/einvoice';
import type { TaxPeriod } from '../../domain/einvoice';
import { CAUSE_NAMES, countByCause, DIAGNOSIS_CAUSES, DiagnosisInputError, evidenceLines, reconcile } from '../../domain/einvoice/diagnosis';
import type { Asker, DiagnosisCause, Discrepancy, Finding, Reconciliation } from '../../domain/einvoice/diagnosis';
import { assertCreditCode, assertReconcileQuestion } from '../../domain/einvoice/diagnosis/validate';
import type { ActionRequest, ActionResult, FollowUpTask } from '../actions/actions.activities';
import { sandboxUrl } from '../drills/sandbox';
import { createTaxPlatformClient, platformListing } from '../tax-platform';
import type { RetryPolicy } from '../tax-platform';
import { reconcileInputFromLedger } from './diagnosis-inputs';
import { periodBounds } from './ledger';
import { syncFactsAt } from './sync-facts';

export interface ReconcileActionConfig extends Pick<YingjiConfig, 'invoiceDatabaseUrl' | 'drillDatabaseUrl' | 'taxPlatformUrl'> {
  /** The clock "current", "previous" and the sync facts are read from (tests set their own). */
  now?: () => Date;
  /** The platform client's retries, before the action concludes the platform is unreachable. */
  retry?: Partial<RetryPolicy>;
}

/** Tasks opened for truly missing invoices at most; the rest are summarised in the last one. */
export const FOLLOW_UP_CAP = 50;
/** Discrepancies kept in the step's data (the rest are counted). */
export const FIRST_FINDINGS = 20;
/** The action sees the whole company: scopes are for people asking, not for the reconciliation. */
const SYSTEM_ASKER: Asker = { id: 'yingji', regions: 'all', folders: 'all' };

export interface ReconcileWith {
  period: TaxPeriod;
  taxpayers: 'all' | string[];
  causes: DiagnosisCause[];
  /** The plan role whose team gets the truly missing invoices. */
  missingTo: string;
}

const refuse = (message: string) => ApplicationFailure.nonRetryable(message, 'BadActionInput');

/** The step's `with`, checked (the plan was, but a step must not trust what it is handed). */
export function parseReconcileWith(w: Record<string, unknown>, now: Date): ReconcileWith {
  const current = taxPeriodOf(now);
  const p = w.period ?? 'current';
  const period = p === 'current' ? current : p === 'previous' ? addMonths(current, -1) : p;
  if (!isTaxPeriod(period)) throw refuse(`with.period: ${JSON.stringify(p)} is not "current", "previous" or a month written yyyy-MM`);
  if (period > current) throw refuse(`with.period: "${period}" is in the future (the current period is ${current})`);

  const t = w.taxpayers ?? 'all';
  if (t !== 'all' && !Array.isArray(t)) throw refuse(`with.taxpayers: ${JSON.stringify(t)} is not "all" or a list of credit codes`);
  if (Array.isArray(t)) {
    t.forEach((code, i) => {
      try {
        assertCreditCode(`with.taxpayers[${i}]`, code);
      } catch (err) {
        throw err instanceof DiagnosisInputError ? refuse(err.message) : err;
      }
    });
  }

  const c = w.causes ?? [...DIAGNOSIS_CAUSES];
  if (!Array.isArray(c)) throw refuse(`with.causes: ${JSON.stringify(c)} is not a list of causes`);
  c.forEach((cause, i) => {
    if (!(DIAGNOSIS_CAUSES as readonly unknown[]).includes(cause)) throw refuse(`with.causes[${i}]: ${JSON.stringify(cause)} is not one of ${DIAGNOSIS_CAUSES.join(', ')}`);
  });

  const m = w.missingTo ?? 'finance';
  if (typeof m !== 'string' || m.length === 0) throw refuse(`with.missingTo: ${JSON.stringify(m)} is not a plan role`);
  return { period, taxpayers: t === 'all' ? 'all' : [...new Set(t as string[])], causes: c as DiagnosisCause[], missingTo: m };
}

/** One taxpayer's reconciliation, its discrepancies narrowed to the causes asked for. */
export interface TaxpayerResult {
  reconciliation: Reconciliation;
  discrepancies: Discrepancy[];
}

/** A discrepancy counts when one of its causes was asked for; its findings are all kept (a second cause is not hidden). */
export function narrowed(r: Reconciliation, causes: readonly DiagnosisCause[]): TaxpayerResult {
  return { reconciliation: r, discrepancies: r.discrepancies.filter((d) => d.findings.some((f) => causes.includes(f.cause))) };
}

function lines(r: Reconciliation, d: Discrepancy, f: Finding): string[] {
  return [
    `${CAUSE_NAMES[f.cause].zh} ${CAUSE_NAMES[f.cause].en}: ${r.taxpayer} ${r.period}, ${d.side}`,
    ...evidenceLines(f),
    `下一步 ${f.nextStep.zh}`,
    `next: ${f.nextStep.en}`,
  ];
}

/** One task per truly missing invoice (at most FOLLOW_UP_CAP; the last one lists the rest), keyed by its number. */
export function trulyMissingFollowUps(results: readonly TaxpayerResult[], role: string): FollowUpTask[] {
  const missing = new Map<string, { r: Reconciliation; d: Discrepancy; f: Finding }>();
  for (const { reconciliation: r, discrepancies } of results) {
    for (const d of discrepancies) {
      const f = d.findings.find((x) => x.cause === 'truly-missing');
      if (f && !missing.has(d.invoiceNo)) missing.set(d.invoiceNo, { r, d, f });
    }
  }
  const all = [...missing.values()];
  const tasks: FollowUpTask[] = all.slice(0, FOLLOW_UP_CAP).map(({ r, d, f }) => ({
    key: d.invoiceNo,
    role,
    title: `调查确实缺失的发票 Investigate truly missing invoice ${d.invoiceNo}`,
    checklist: ['汇总证据 Gather the evidence', '联系买方 Contact the buyer', '联系税务平台客服 Ask the tax platform support', '需要时补开 Re-issue if needed'],
    evidence: lines(r, d, f),
  }));
  const rest = all.slice(FOLLOW_UP_CAP);
  if (rest.length > 0) {
    const shown = rest.slice(0, 200).map(({ d }) => d.invoiceNo);
    tasks[tasks.length - 1].evidence.push(
      `另有 ${rest.length} 张确实缺失的发票未单独建任务 ${rest.length} more truly missing invoices have no task of their own: ${shown.join(', ')}${rest.length > shown.length ? ', …' : ''}`,
    );
  }
  return tasks;
}

/** The line a commander reads: period, taxpayers checked, discrepancies per cause, tasks handed over. */
export function outcomeLine(w: ReconcileWith, results: readonly TaxpayerResult[], counts: Record<DiagnosisCause, number>, handed: number): string {
  const found = results.reduce((n, t) => n + t.discrepancies.length, 0);
  const perCause = w.causes.filter((c) => counts[c] > 0).map((c) => `${c} ${counts[c]}`);
  const filter = w.causes.length < DIAGNOSIS_CAUSES.length ? ` (causes: ${w.causes.join(', ')})` : '';
  const head = `对账 Reconciled ${w.period}${filter}: ${results.length} taxpayer${results.length === 1 ? '' : 's'} checked`;
  if (found === 0) return `${head}, no discrepancies`;
  return `${head}, ${found} discrepanc${found === 1 ? 'y' : 'ies'} (${perCause.join(', ')})${handed ? `; ${handed} truly missing handed to ${w.missingTo}` : ''}`;
}

/** Counts of the causes asked for, over every taxpayer's narrowed discrepancies. */
function causeCounts(results: readonly TaxpayerResult[], causes: readonly DiagnosisCause[]): Record<DiagnosisCause, number> {
  const counts = Object.fromEntries(DIAGNOSIS_CAUSES.map((c) => [c, 0])) as Record<DiagnosisCause, number>;
  for (const t of results) {
    const own = countByCause({ ...t.reconciliation, platformFinding: null, discrepancies: t.discrepancies });
    for (const c of causes) counts[c] += own[c];
  }
  return counts;
}

/** Sellers with at least one invoice issued in the period (Beijing month), in code order. */
async function sellersIn(db: Pool, period: TaxPeriod): Promise<string[]> {
  const { from, to } = periodBounds(period);
  const { rows } = await db.query<{ seller_tax_id: string }>(`SELECT DISTINCT seller_tax_id FROM invoices WHERE issued_at >= $1 AND issued_at < $2 ORDER BY 1`, [from, to]);
  return rows.map((r) => r.seller_tax_id);
}

export function createReconcileActions(config: ReconcileActionConfig) {
  const servers = { invoiceUrl: config.invoiceDatabaseUrl, sandboxServerUrl: config.drillDatabaseUrl };
  const clock = config.now ?? (() => new Date());
  return {
    async reconcileInvoices(req: ActionRequest): Promise<ActionResult> {
      // A live drill works on its sandbox and its own platform tenant; production's are never read.
      if (req.mode !== 'live' && !req.target) throw ApplicationFailure.nonRetryable(`a ${req.mode} reconciles its sandbox, and none was given`, 'NoSandbox');
      const url = req.target ? sandboxUrl(servers, req.target) : config.invoiceDatabaseUrl;
      const tenant = req.target;
      const now = clock();
      const w = parseReconcileWith(req.with, now);
      const sync = syncFactsAt(now);
      const db = resilientPool({ connectionString: url, max: 2 }, 'the invoice database');
      try {
        const taxpayers = w.taxpayers === 'all' ? await sellersIn(db, w.period) : w.taxpayers;
        const results: TaxpayerResult[] = [];
        for (const taxpayer of taxpayers) {
          const question = { taxpayer, period: w.period };
          assertReconcileQuestion(question, now.getTime());
          const client = createTaxPlatformClient({ baseUrl: config.taxPlatformUrl, taxpayer, tenant, retry: config.retry });
          const listing = await platformListing(client, { ...question, role: 'seller' });
          const r = reconcile(await reconcileInputFromLedger(db, question, 'seller', SYSTEM_ASKER, listing, sync));
          if (r.platformFinding) {
            // Nothing can be compared: the step fails with the reason, and the commander completes it by hand.
            const f = r.platformFinding;
            throw ApplicationFailure.nonRetryable(
              `the tax platform${tenant ? ` (drill tenant ${tenant})` : ''} could not be read for ${taxpayer} ${w.period}: ${CAUSE_NAMES[f.cause].en}, ${evidenceLines(f).join('; ')}. ${f.nextStep.en}`,
              'TaxPlatformUnavailable',
            );
          }
          results.push(narrowed(r, w.causes));
        }
        const counts = causeCounts(results, w.causes);
        const followUps = w.causes.includes('truly-missing') ? trulyMissingFollowUps(results, w.missingTo) : [];
        const first = results.flatMap((t) => t.discrepancies.map((d) => ({ taxpayer: t.reconciliation.taxpayer, ...d }))).slice(0, FIRST_FINDINGS);
        return {
          outcome: outcomeLine(w, results, counts, followUps.length),
          data: {
            period: w.period,
            causes: w.causes,
            ...(tenant ? { sandbox: tenant } : {}),
            counts,
            taxpayers: results.map(({ reconciliation: r, discrepancies }) => ({ taxpayer: r.taxpayer, localCount: r.localCount, platformCount: r.platformCount, matchedCount: r.matchedCount, discrepancies: discrepancies.length })),
            firstFindings: first,
          },
          followUps,
        };
      } finally {
        await db.end();
      }
    },
  };
}
