import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { PRIORITY_CLASSES } from '../../../domain/einvoice';
import { prepareInvoiceDatabase } from '../../../activities/invoices/database';
import { generateInvoices } from '../../../activities/invoices/generate';
import { invoiceStats } from '../../../activities/invoices/stats';
import { loadConfig, redactUrl } from '../../shared/config';

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

  return cmd;
}
