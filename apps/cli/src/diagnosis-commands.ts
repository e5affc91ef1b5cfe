// `yingji invoices diagnose` and `yingji invoices reconcile`: POST /diagnoses as the person the
// token names (YINGJI_TOKEN), printed so a finance person reads each finding in a minute: the
// cause in Chinese and English, the evidence, what to do next.
import { Command, InvalidArgumentError } from 'commander';
import { CAUSE_NAMES, evidenceLines } from '../../../domain/einvoice/diagnosis';
import type { Asker, DiagnosisCause, Discrepancy, Finding, InvoiceDiagnosis } from '../../../domain/einvoice/diagnosis';
import type { Asked, InvoiceAnswer, ReconcileAnswer } from '../../api/src/diagnoses/diagnosis-answer';
import type { ApiClient } from './api-client';
import { apiClient } from './session';

type Log = (line: string) => void;

/** Yuan as written on an invoice: digits with at most two decimals (`1130`, `1130.5`, `-45.20`). */
export function parseYuan(raw: string): number {
  if (!/^-?\d{1,15}(\.\d{1,2})?$/.test(raw.replace(/,/g, ''))) throw new InvalidArgumentError('an amount in yuan with at most 2 decimals, e.g. 11300 or 11300.50');
  return Number(raw.replace(/,/g, ''));
}

function parseCount(raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('a whole number ≥ 0');
  return n;
}

const scopeText = (a: Asker) =>
  `regions ${a.regions === 'all' ? 'all' : a.regions.join(', ') || 'none'}; folders ${a.folders === 'all' ? 'all' : a.folders.join(', ') || 'none'}`;
const cause = (c: DiagnosisCause) => `${CAUSE_NAMES[c].zh} ${CAUSE_NAMES[c].en}`;

function printFinding(f: Finding, n: number, log: Log, indent = ''): void {
  log(`${indent}${n}. ${cause(f.cause)}`);
  log(`${indent}   证据 evidence:`);
  for (const line of evidenceLines(f)) log(`${indent}     ${line}`);
  log(`${indent}   下一步 ${f.nextStep.zh}`);
  log(`${indent}   next   ${f.nextStep.en}`);
}

function printAsked(a: Asked, log: Log): void {
  log(`asked by ${a.askedBy}${a.asker.id !== a.askedBy ? ` as ${a.asker.id}` : ''} (scope: ${scopeText(a.asker)})`);
  log(`checked in this order: ${a.checkedInOrder.join(', ')}`);
}

const OUTCOME: Record<InvoiceDiagnosis['outcome'], string> = {
  explained: '已找到原因 explained',
  'truly-missing': '确实缺失 truly missing',
  visible: '未发现问题 nothing wrong: it is in the ledger, within the asker\'s scope, and on the platform',
};

export function printInvoiceDiagnosis(a: InvoiceAnswer, log: Log = console.log): void {
  const d = a.diagnosis;
  log(`发票 Invoice ${d.invoiceNo}: ${OUTCOME[d.outcome]}${d.findings.length ? ` (${d.findings.length} finding${d.findings.length > 1 ? 's' : ''})` : ''}`);
  printAsked(a, log);
  d.findings.forEach((f, i) => printFinding(f, i + 1, log));
}

function discrepancyLine(d: Discrepancy): string {
  return `${d.invoiceNo}  ${d.side.padEnd(13)}  ${d.findings.map((f) => f.cause).join(', ')}: ${d.findings[0].nextStep.en}`;
}

export function printReconciliation(a: ReconcileAnswer, limit: number, log: Log = console.log): void {
  const r = a.reconciliation;
  const fmt = (n: number | null) => (n === null ? '-' : n.toLocaleString('en-US'));
  log(`对账 Reconciliation ${r.taxpayer} ${r.period} (${a.role}): ledger ${fmt(r.localCount)}, platform ${fmt(r.platformCount)}, matched ${fmt(r.matchedCount)}, ${r.discrepancies.length} discrepancies`);
  printAsked(a, log);
  if (r.platformFinding) {
    log('the platform could not be read, so nothing was compared:');
    printFinding(r.platformFinding, 1, log, '  ');
    return;
  }
  log('by cause:');
  for (const c of a.checkedInOrder) log(`  ${cause(c).padEnd(40)} ${String(a.counts[c]).padStart(8)}`);
  const shown = r.discrepancies.slice(0, limit);
  if (shown.length === 0) return;
  log(`discrepancies${shown.length < r.discrepancies.length ? ` (first ${shown.length} of ${r.discrepancies.length}; --json for all)` : ''}:`);
  for (const d of shown) log(`  ${discrepancyLine(d)}`);
}

export function diagnoseCommand(api: () => ApiClient = apiClient): Command {
  return new Command('diagnose')
    .description('why an invoice "is not in the system": each cause with its evidence and what to do next (finance, tax-sync, commanders)')
    .argument('<invoice-no>', 'the invoice number (20 digits)')
    .option('--date <yyyy-MM-dd>', 'issue date (China time); needed when the invoice is not in the ledger')
    .option('--amount <yuan>', 'the amount the holder quotes (with or without tax)', parseYuan)
    .option('--seller <credit-code>', "seller's unified social credit code")
    .option('--buyer <credit-code>', "buyer's unified social credit code")
    .option('--folder <folder>', 'where you looked for it, e.g. sales/2026-11')
    .option('--as <person>', "ask with this person's region and folder scope (commanders)")
    .option('--json', 'print the API answer as JSON')
    .action(async (invoiceNo: string, o: { date?: string; amount?: number; seller?: string; buyer?: string; folder?: string; as?: string; json?: boolean }) => {
      const answer = await api().post<InvoiceAnswer>('/diagnoses', {
        invoiceNo,
        date: o.date,
        amount: o.amount,
        sellerTaxId: o.seller,
        buyerTaxId: o.buyer,
        folder: o.folder,
        as: o.as,
      });
      if (o.json) console.log(JSON.stringify(answer, null, 2));
      else printInvoiceDiagnosis(answer);
    });
}

export function reconcileCommand(api: () => ApiClient = apiClient): Command {
  return new Command('reconcile')
    .description("the ledger against the tax platform for one taxpayer-period: counts per cause and each discrepancy (finance, tax-sync, commanders)")
    .requiredOption('--taxpayer <credit-code>', 'unified social credit code')
    .requiredOption('--period <yyyy-MM>', 'tax period')
    .option('--buyer', 'the taxpayer as buyer (default: as seller)')
    .option('--as <person>', "reconcile with this person's region and folder scope (commanders)")
    .option('--limit <n>', 'discrepancies to print', parseCount, 20)
    .option('--json', 'print the API answer as JSON, every discrepancy')
    .action(async (o: { taxpayer: string; period: string; buyer?: boolean; as?: string; limit: number; json?: boolean }) => {
      const answer = await api().post<ReconcileAnswer>('/diagnoses', { taxpayer: o.taxpayer, period: o.period, role: o.buyer ? 'buyer' : undefined, as: o.as });
      if (o.json) console.log(JSON.stringify(answer, null, 2));
      else printReconciliation(answer, o.limit);
    });
}

/** Mounted under `yingji invoices`. */
export function diagnosisCommands(): Command[] {
  return [diagnoseCommand(), reconcileCommand()];
}
