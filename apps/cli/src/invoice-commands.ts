import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { CREDIT_CODE_PROBLEM_TEXT, PRIORITY_CLASSES, creditCodeProblem, formatYuan } from '../../../domain/einvoice';
import { prepareInvoiceDatabase } from '../../../activities/invoices/database';
import { generateInvoices } from '../../../activities/invoices/generate';
import { issueInvoices, issuingState } from '../../../activities/invoices/issuing';
import { invoiceStats } from '../../../activities/invoices/stats';
import { resyncPeriod, describeOutcome } from '../../../activities/invoices/sync.activities';
import { DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, syncPass } from '../../../activities/invoices/sync';
import { createTaxPlatformClient } from '../../../activities/tax-platform';
import type { TaxPlatformClient } from '../../../activities/tax-platform';
import { runInvoiceMigrations } from '../../../migrations/invoices/data-source';
import { loadConfig, redactUrl } from '../../shared/config';
import { diagnosisCommands } from './diagnosis-commands';

/** `1000000`, `1_000_000`, `1,000,000`, `20k`, `1m`. */
export function parseCount(raw: string): number {
  const m = /^(\d+)([km]?)$/i.exec(raw.replace(/[_,]/g, '').trim());
  const n = m ? Number(m[1]) * (m[2].toLowerCase() === 'k' ? 1e3 : m[2].toLowerCase() === 'm' ? 1e6 : 1) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('a whole number of invoices, e.g. 1000000, 20k or 1m');
  return n;
}

function parseSeed(raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('an integer');
  return n;
}

function parseInstant(raw: string): string {
  const d = new Date(raw);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('an ISO 8601 instant, e.g. 2026-11-23T10:00:00+08:00');
  return d.toISOString();
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** A unified social credit code with valid check characters. */
export function parseCreditCode(raw: string): string {
  const code = raw.trim();
  const problem = creditCodeProblem(code);
  if (problem) throw new InvalidArgumentError(`not a valid unified social credit code: it ${CREDIT_CODE_PROBLEM_TEXT[problem]}`);
  return code;
}

/** Yuan with at most two decimals (`1000`, `99.50`), as whole fen; more than 0. */
export function parseYuan(raw: string): number {
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(raw.trim());
  const fen = m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : NaN;
  if (!(fen > 0)) throw new InvalidArgumentError('an amount in yuan above 0 with at most 2 decimals, e.g. 1000 or 99.50');
  return fen;
}

function parseIssueCount(raw: string): number {
  const n = parseCount(raw);
  if (n < 1 || n > 1_000_000) throw new InvalidArgumentError('from 1 to 1,000,000 invoices');
  return n;
}

function parseBatchSize(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_BATCH_SIZE) throw new InvalidArgumentError(`a whole number from 1 to ${MAX_BATCH_SIZE}`);
  return n;
}

function parsePeriod(raw: string): string {
  try {
    return resyncPeriod(raw, new Date())!;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^with\.period /, ''));
  }
}

/** `yingji invoices issue`: invoices through the issuing path (held while issuing is frozen). */
export function issueCommand(url: () => string = () => loadConfig().invoiceDatabaseUrl): Command {
  return new Command('issue')
    .description('issue invoices (made-up content, valid numbers and credit codes, correct tax) as the invoice system does: pending until the sync uploads them; held while issuing is frozen')
    .requiredOption('--count <n>', 'how many invoices', parseIssueCount)
    .option('--seller <credit code>', 'every invoice from this seller (default: a few made-up sellers)', parseCreditCode)
    .option('--buyer <credit code>', 'every invoice to this buyer (default: made-up buyers)', parseCreditCode)
    .option('--amount <yuan>', 'amount excluding tax of each invoice, in yuan (default: varied)', parseYuan)
    .option('--at <instant>', 'issue instant (default now; not in the future)', parseInstant)
    .option('--seed <s>', 'PRNG seed for the made-up content', parseSeed)
    .action(async (o: { count: number; seller?: string; buyer?: string; amount?: number; at?: string; seed?: number }) => {
      const db = url();
      await prepareInvoiceDatabase(db);
      const r = await issueInvoices(db, { count: o.count, seller: o.seller, buyer: o.buyer, amountFen: o.amount, at: o.at, seed: o.seed });
      console.log(`issued ${fmt(r.issued)} invoices ${r.first}${r.issued > 1 ? ` .. ${r.last}` : ''}: amount ${formatYuan(r.total.amountFen)} + tax ${formatYuan(r.total.taxFen)} CNY, sync pending`);
      const frozen = [...new Set(Object.values(r.modes).filter((m) => m !== 'open'))];
      if (r.held) {
        console.log(
          `held: issuing is frozen (mode ${frozen.join(', ')})${r.held < r.issued ? ` for ${fmt(r.held)} of them` : ''}; queued, not uploaded until issuing resumes or a resync takes the queue`,
        );
      }
    });
}

/** `yingji invoices sync`: one sync pass now, on production's platform tenant. */
export function syncCommand(url: () => string = () => loadConfig().invoiceDatabaseUrl, platformUrl: () => string = () => loadConfig().taxPlatformUrl): Command {
  return new Command('sync')
    .description('run one sync pass with the tax platform now (TAX_PLATFORM_URL): pending invoices, or with --resync failed ones and the queue too, declaration-blocking first')
    .option('--resync', 'also failed invoices and those held while issuing was frozen (what resyncTaxPlatform does)')
    .option('--period <period>', 'only invoices of this tax period: current, previous or yyyy-MM', parsePeriod)
    .option('--batch-size <n>', `invoices per upload (default ${DEFAULT_BATCH_SIZE})`, parseBatchSize)
    .option('--no-progress', 'no progress bar')
    .action(async (o: { resync?: boolean; period?: string; batchSize?: number; progress: boolean }) => {
      const db = url();
      await runInvoiceMigrations(db);
      const clients = new Map<string, TaxPlatformClient>();
      const bar = o.progress ? new SingleBar({ stream: process.stderr, format: 'sync [{bar}] {percentage}% | {value}/{total} invoices | {duration}s', hideCursor: true }) : undefined;
      bar?.start(0, 0);
      let outcome;
      try {
        outcome = await syncPass(db, {
          clientFor: (seller) => clients.get(seller) ?? clients.set(seller, createTaxPlatformClient({ baseUrl: platformUrl(), taxpayer: seller })).get(seller)!,
          by: 'cli',
          statuses: o.resync ? ['pending', 'failed'] : ['pending'],
          includeHeld: o.resync,
          period: o.period,
          batchSize: o.batchSize,
          whenBusy: o.resync ? 'wait' : 'skip',
          onProgress: (p) => {
            bar?.setTotal(p.total);
            bar?.update(p.done);
          },
        });
      } finally {
        bar?.stop();
      }
      console.log(`sync: ${describeOutcome(outcome)}`);
      if (outcome.unreachable) {
        console.log(`the tax platform stayed unreachable: ${outcome.unreachable.message} (after ${outcome.unreachable.attempts} attempts); nothing is lost, the next pass sends the rest`);
        process.exitCode = 1;
      }
    });
}

/** `yingji invoices issuing`: the issuing mode and the queue. */
export function issuingCommand(url: () => string = () => loadConfig().invoiceDatabaseUrl): Command {
  return new Command('issuing')
    .description('whether issuing is open or frozen (queue | freeze), since when and by whom, and how many invoices wait for the sync')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const db = url();
      await runInvoiceMigrations(db);
      const s = await issuingState(db);
      if (o.json) {
        console.log(JSON.stringify(s, null, 2));
        return;
      }
      const line = (m: { mode: string; since: string; by: string; reason: string | null; incident: string | null }) =>
        `${m.mode === 'open' ? 'open' : `frozen (mode ${m.mode})`} since ${m.since} by ${m.by}${m.reason ? ` (${m.reason})` : ''}${m.incident ? `, incident ${m.incident}` : ''}`;
      console.log(`issuing: ${line(s)}`);
      for (const [region, m] of Object.entries(s.regions)) console.log(`  province ${region}: ${line(m)}`);
      console.log(`queue: ${fmt(s.queued)} invoices held, not uploaded until issuing resumes or a resync takes them`);
      console.log(`waiting for the sync: ${fmt(s.pending)} pending (queue included), ${fmt(s.failed)} failed`);
    });
}

/** `yingji invoices ...`: the e-invoice database (INVOICE_DATABASE_URL), talked to directly. */
export function invoiceCommands(): Command {
  const cmd = new Command('invoices').description('the e-invoice database the plans protect: synthetic data and what it holds (INVOICE_DATABASE_URL)');

  cmd
    .command('generate')
    .description('add N synthetic invoices (realistic distributions) with COPY; creates and migrates the database first')
    .requiredOption('--count <n>', 'how many invoices (e.g. 1000000, 20k, 1m)', parseCount)
    .option('--seed <s>', 'PRNG seed, to repeat a data set (random if omitted; printed)', parseSeed)
    .option('--now <instant>', 'generate as of this instant instead of the clock (hot month, declarations, sync)', parseInstant)
    .option('--no-progress', 'no progress bar')
    .action(async (o: { count: number; seed?: number; now?: string; progress: boolean }) => {
      const url = loadConfig().invoiceDatabaseUrl;
      const prepared = await prepareInvoiceDatabase(url);
      if (prepared.created) console.error(`created database ${redactUrl(url)}`);
      if (prepared.migrations.length) console.error(`applied: ${prepared.migrations.join(', ')}`);
      const bar = o.progress
        ? new SingleBar({ stream: process.stderr, format: 'invoices [{bar}] {percentage}% | {value}/{total} | {duration}s, ETA {eta}s', hideCursor: true, etaBuffer: 50 })
        : undefined;
      bar?.start(o.count, 0);
      let result;
      try {
        result = await generateInvoices(url, { count: o.count, seed: o.seed, now: o.now, onProgress: (done) => bar?.update(done) });
      } finally {
        bar?.stop();
      }
      const seconds = result.ms / 1000;
      console.log(
        `generated ${fmt(result.rows)} invoices in ${seconds.toFixed(1)} s (${fmt(Math.round(result.rows / Math.max(seconds, 0.001)))} rows/s) ` +
          `into ${redactUrl(url)}; seed ${result.seed}, now ${result.now}, sequences ${result.firstSequence}-${result.lastSequence}`,
      );
    });

  cmd
    .command('stats')
    .description('invoices per restore priority class (in restore order), per status and per sync status')
    .option('--now <instant>', 'classify as of this instant instead of the clock', parseInstant)
    .option('--json', 'print JSON')
    .action(async (o: { now?: string; json?: boolean }) => {
      const s = await invoiceStats(loadConfig().invoiceDatabaseUrl, o.now ?? new Date());
      if (o.json) {
        console.log(JSON.stringify(s, null, 2));
        return;
      }
      const pct = (n: number) => (s.total ? `${((100 * n) / s.total).toFixed(1)}%` : '-').padStart(7);
      const line = (name: string, n: number) => console.log(`  ${name.padEnd(28)}${fmt(n).padStart(12)}${pct(n)}`);
      console.log(`${fmt(s.total)} invoices as of ${s.now} (tax periods in China Standard Time)`);
      console.log('by priority class, in restore order:');
      for (const c of PRIORITY_CLASSES) line(c, s.byClass[c]);
      console.log('by status:');
      for (const [k, n] of Object.entries(s.byStatus)) line(k, n);
      line('(red-letter invoices)', s.redLetter);
      console.log('by sync status:');
      for (const [k, n] of Object.entries(s.bySyncStatus)) line(k, n);
      console.log(`change log: ${fmt(s.changes)} entries`);
    });

  cmd.addCommand(issueCommand());
  cmd.addCommand(syncCommand());
  cmd.addCommand(issuingCommand());
  for (const c of diagnosisCommands()) cmd.addCommand(c);

  return cmd;
}
