// bench/reconciliation: one taxpayer-period of 100,000 invoices with 50 arranged discrepancies,
// reconciled by Yingji (the ledger adapter's paged cursor plus the diagnosis core) against the
// peer, a plain SQL comparison of the same rows (FULL OUTER JOIN of the ledger with a table of the
// platform's rows in the same PostgreSQL), side by side in one run. Both must find the same 50.
//   node dist/bench/reconciliation/main.js [--rows 100000] [--runs 3]
// With INVOICE_DATABASE_URL set, its server is used and nothing is started; else the embedded stack.
//
// Both sides are read from PostgreSQL, not the platform's listing from the simulator: the listing
// pages 50 rows a request (2,000 HTTP calls for 100,000 rows), a cost of the platform the SQL peer
// cannot have, so timing it would compare the platform's paging, not the reconciliation.
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { reconcileInputFromLedger } from '../../activities/invoices/diagnosis-inputs';
import { adminUrlFor, prepareInvoiceDatabase } from '../../activities/invoices/database';
import { asOneTaxpayerPeriod, generateInvoices } from '../../activities/invoices/generate';
import { periodBounds } from '../../activities/invoices/ledger';
import { startDetached } from '../../apps/cli/src/stack';
import { loadConfig, redactUrl } from '../../apps/shared/config';
import { FOLDER_CATEGORIES, formatInvoiceNo, makeCreditCode } from '../../domain/einvoice';
import { reconcile } from '../../domain/einvoice/diagnosis';
import type { Asker, PlatformInvoice, Reconciliation, SyncFacts } from '../../domain/einvoice/diagnosis';
import { dropDatabase } from '../../scripts/stack/postgres';
import { numberOptions } from '../args';

const { rows: ROWS, runs: RUNS } = numberOptions({ rows: 100_000, runs: 3 });
// Room for the 34 arranged changes among the ledger's invoices, evenly spread.
if (ROWS < 1_000) throw new Error(`--rows must be at least 1,000 (the 50 discrepancies are arranged among them), got ${ROWS}`);

const MINUTE = 60_000;
/** 2026-11-20 12:00 in Beijing: the period is November 2026. */
const NOW = '2026-11-20T04:00:00.000Z';
const NOW_MS = Date.parse(NOW);
const PERIOD = '2026-11';
const SYNC: SyncFacts = { syncIntervalMs: 15 * MINUTE, platformDelayMs: 30 * MINUTE, now: NOW };
const TAXPAYER = makeCreditCode({ authority: '9', type: '1', division: '110105', orgBody: 'MA02BCDE' });
/** Beijing finance, every category folder: 'board/…' is outside. */
const ASKER: Asker = { id: 'bench', regions: ['11'], folders: [...FOLDER_CATEGORIES] };

const seconds = (ms: number) => (ms / 1000).toFixed(3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The platform's rows, as the client would map them, from the table standing in for its listing. */
async function platformRows(db: Pool): Promise<PlatformInvoice[]> {
  const { from, to } = periodBounds(PERIOD);
  const { rows } = await db.query<{ fphm: string; kprq: Date; xsfnsrsbh: string; gmfnsrsbh: string | null; hjje: string; jshj: string; format_version: string | null }>(
    `SELECT fphm, kprq, xsfnsrsbh, gmfnsrsbh, hjje, jshj, format_version FROM platform_invoices WHERE xsfnsrsbh = $1 AND kprq >= $2 AND kprq < $3`,
    [TAXPAYER, from, to],
  );
  return rows.map((r) => ({
    invoiceNo: r.fphm,
    issuedAt: r.kprq.toISOString(),
    kind: 'ordinary',
    sellerTaxId: r.xsfnsrsbh,
    buyerTaxId: r.gmfnsrsbh,
    amount: Number(r.hjje),
    total: Number(r.jshj),
    ...(r.format_version ? { formatVersion: r.format_version } : {}),
  }));
}

/** Ours, with where the time goes: reading both sides, then the core. */
async function ours(db: Pool): Promise<{ result: Reconciliation; readMs: number; coreMs: number }> {
  const t = performance.now();
  const platform = await platformRows(db);
  const input = await reconcileInputFromLedger(db, { taxpayer: TAXPAYER, period: PERIOD }, 'seller', ASKER, { reached: true, invoices: platform }, SYNC);
  const read = performance.now();
  const result = reconcile(input);
  return { result, readMs: read - t, coreMs: performance.now() - read };
}

/**
 * The peer: what a DBA writes. Every number on one side only, and every pair whose facts differ,
 * whose format version is not read, whose folder is of another month or outside the asker's scope.
 * It names rows, not causes, and a number keyed one digit off is two rows to it.
 */
const PEER_SQL = `
  WITH l AS (SELECT invoice_no, issued_at, buyer_tax_id, amount, total, region, folder FROM invoices WHERE seller_tax_id = $1 AND issued_at >= $2 AND issued_at < $3),
       p AS (SELECT fphm, kprq, gmfnsrsbh, hjje, jshj, format_version FROM platform_invoices WHERE xsfnsrsbh = $1 AND kprq >= $2 AND kprq < $3)
  SELECT coalesce(l.invoice_no, p.fphm) AS invoice_no
  FROM l FULL OUTER JOIN p ON p.fphm = l.invoice_no
  WHERE l.invoice_no IS NULL OR p.fphm IS NULL
     OR l.amount <> p.hjje OR l.total <> p.jshj OR l.buyer_tax_id IS DISTINCT FROM p.gmfnsrsbh
     OR (l.issued_at AT TIME ZONE 'Asia/Shanghai')::date <> (p.kprq AT TIME ZONE 'Asia/Shanghai')::date
     OR coalesce(p.format_version, '1.0') <> '1.0'
     OR substring(l.folder FROM '([0-9]{4}-[0-9]{2})$') <> to_char(l.issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')
     OR l.region <> ALL($4) OR split_part(l.folder, '/', 1) <> ALL($5)`;

async function peer(db: Pool): Promise<string[]> {
  const { from, to } = periodBounds(PERIOD);
  const { rows } = await db.query<{ invoice_no: string }>(PEER_SQL, [TAXPAYER, from, to, ASKER.regions, ASKER.folders]);
  return rows.map((r) => r.invoice_no);
}

/** The 50 discrepancies (the mix of test/integration/invoice-ledger.test.ts): number -> the causes it must get. */
async function arrange(db: Pool): Promise<Map<string, string[]>> {
  const expected = new Map<string, string[]>();
  const { rows } = await db.query<{ invoice_no: string }>(`SELECT invoice_no FROM invoices ORDER BY invoice_no`);
  // 34 of the ledger's invoices are changed: spread evenly, whatever --rows is.
  const stride = Math.floor(rows.length / 40);
  const picked = rows.map((r) => r.invoice_no).filter((_, i) => i % stride === 7);
  let next = 0;
  const each = async (n: number, causes: string[], change: (no: string) => Promise<unknown>) => {
    for (let k = 0; k < n; k++) {
      const no = picked[next++];
      await change(no);
      expected.set(no, causes);
    }
  };
  const local = (set: string) => (no: string) => db.query(`UPDATE invoices SET ${set} WHERE invoice_no = $1`, [no]);
  const platform = (set: string) => (no: string) => db.query(`UPDATE platform_invoices SET ${set} WHERE fphm = $1`, [no]);
  const gone = (no: string) => db.query(`DELETE FROM platform_invoices WHERE fphm = $1`, [no]);

  // On the platform only: 8 issued 5 minutes ago (on their way), 8 on Nov 5 (truly missing).
  for (let k = 0; k < 16; k++) {
    const no = formatInvoiceNo({ year: 26, region: '11', channel: 2, sequence: 5_300_000 + k * 10_007 });
    const at = k < 8 ? new Date(NOW_MS - 5 * MINUTE) : new Date('2026-11-05T02:00:00.000Z');
    await db.query(`INSERT INTO platform_invoices (fphm, kprq, xsfnsrsbh, gmfnsrsbh, hjje, jshj) VALUES ($1, $2, $3, NULL, $4, $5)`, [no, at, TAXPAYER, 7_000 + k, 7_910 + k]);
    expected.set(no, [k < 8 ? 'sync-delay' : 'truly-missing']);
  }
  // Keyed one digit off locally (the 6th digit): the platform's number is the discrepancy.
  await each(6, ['data-entry'], (no) => db.query(`UPDATE invoices SET invoice_no = $2 WHERE invoice_no = $1`, [no, `${no.slice(0, 5)}9${no.slice(6)}`]));
  // Local only: 6 failed, 4 pending since early November, 2 accepted 5 minutes ago, 2 accepted long ago and gone.
  await each(6, ['sync-failure'], async (no) => (await local(`sync_status = 'failed', synced_at = NULL`)(no), await gone(no)));
  await each(4, ['sync-failure'], async (no) => (await local(`sync_status = 'pending', synced_at = NULL`)(no), await gone(no)));
  await each(2, ['sync-delay'], async (no) => {
    await db.query(`UPDATE invoices SET issued_at = $2, synced_at = $3 WHERE invoice_no = $1`, [no, new Date(NOW_MS - 10 * MINUTE), new Date(NOW_MS - 5 * MINUTE)]);
    await gone(no);
  });
  await each(2, ['sync-failure'], gone);
  // On both sides, but: another amount on the platform, October's folder, a folder outside the asker's scope, a format not read.
  await each(4, ['data-entry'], platform(`hjje = hjje + 100, jshj = jshj + 100`));
  await each(4, ['misfiled'], local(`folder = 'sales/2026-10'`));
  await each(3, ['permission'], local(`folder = 'board/2026-11'`));
  await each(3, ['version'], platform(`format_version = '2.0'`));
  return expected;
}

async function main() {
  const config = loadConfig();
  const server = process.env.INVOICE_DATABASE_URL ? redactUrl(config.invoiceDatabaseUrl) : (await startDetached(config, (l) => console.error(l))).database;
  const { adminUrl } = adminUrlFor(config.invoiceDatabaseUrl);
  const name = `bench_reconcile_${randomBytes(2).toString('hex')}`;
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  console.log(`bench/reconciliation: one taxpayer-period of ${ROWS.toLocaleString()} invoices with 50 arranged discrepancies on ${server}, median of ${RUNS} runs each`);
  await prepareInvoiceDatabase(url);
  const db = new Pool({ connectionString: url, max: 2 });
  try {
    process.stderr.write(`  generating ${ROWS.toLocaleString()} invoices...\n`);
    await generateInvoices(url, { count: ROWS, seed: 12, now: NOW });
    // Every invoice becomes one taxpayer's November (issued every 15 s from Nov 1 00:00 Beijing time), synced.
    await asOneTaxpayerPeriod(db, TAXPAYER, PERIOD);
    // The platform's rows beside the ledger, as the listing would give them.
    await db.query(`CREATE TABLE platform_invoices (fphm text PRIMARY KEY, kprq timestamptz NOT NULL, xsfnsrsbh text NOT NULL, gmfnsrsbh text, hjje bigint NOT NULL, jshj bigint NOT NULL, format_version text)`);
    await db.query(`INSERT INTO platform_invoices SELECT invoice_no, issued_at, seller_tax_id, buyer_tax_id, amount, total, NULL FROM invoices`);
    await db.query(`CREATE INDEX ON platform_invoices (xsfnsrsbh, kprq)`);
    const expected = await arrange(db);
    await db.query('VACUUM ANALYZE invoices');
    await db.query('VACUUM ANALYZE platform_invoices');

    const oursMs: number[] = [];
    const peerMs: number[] = [];
    const split = { readMs: [] as number[], coreMs: [] as number[] };
    let result: Reconciliation | undefined;
    let peerRows: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      // Alternate who goes first, so neither always meets a warmer cache.
      for (const who of run % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours']) {
        const t = performance.now();
        if (who === 'ours') {
          const o = await ours(db);
          result = o.result;
          split.readMs.push(o.readMs);
          split.coreMs.push(o.coreMs);
        } else peerRows = await peer(db);
        (who === 'ours' ? oursMs : peerMs).push(performance.now() - t);
      }
    }

    // Ours: exactly the 50, each with its arranged cause. The peer: the same rows, a keyed number being two rows to it.
    const r = result!;
    const wrong = [...expected].filter(([no, causes]) => JSON.stringify(r.discrepancies.find((d) => d.invoiceNo === no)?.findings.map((f) => f.cause)) !== JSON.stringify(causes));
    const nearLocal = r.discrepancies.flatMap((d) => d.findings.flatMap((f) => (f.cause === 'data-entry' && f.evidence.reason === 'near-number' ? [f.evidence.nearInvoiceNo] : [])));
    const oursRows = [...r.discrepancies.map((d) => d.invoiceNo), ...nearLocal].sort();
    const same = JSON.stringify(oursRows) === JSON.stringify([...peerRows].sort());

    const a = median(oursMs);
    const b = median(peerMs);
    console.log('');
    console.log(`${'measure'.padEnd(52)} ${'yingji'.padStart(10)} ${'peer'.padStart(10)} ${'ratio'.padStart(8)}`);
    console.log(`${'reconcile one taxpayer-period (s, median)'.padEnd(52)} ${seconds(a).padStart(10)} ${seconds(b).padStart(10)} ${`${(a / b).toFixed(2)}×`.padStart(8)}`);
    console.log(`${'  of which: reading both sides (s, median)'.padEnd(52)} ${seconds(median(split.readMs)).padStart(10)}`);
    console.log(`${'  of which: the diagnosis core (s, median)'.padEnd(52)} ${seconds(median(split.coreMs)).padStart(10)}`);
    console.log(`runs (s): yingji ${oursMs.map(seconds).join(', ')}; peer ${peerMs.map(seconds).join(', ')}`);
    console.log(`ledger ${r.localCount.toLocaleString()} rows, platform ${r.platformCount?.toLocaleString()}, matched ${r.matchedCount.toLocaleString()}`);
    console.log(`yingji: ${r.discrepancies.length} discrepancies, ${expected.size - wrong.length} of ${expected.size} with the arranged cause${wrong.length ? `; WRONG: ${wrong.map(([no]) => no).join(', ')}` : ''}`);
    console.log(`peer:   ${peerRows.length} rows (the 50, a keyed number counting twice: ${nearLocal.length} local numbers paired by the near match); ${same ? 'the same rows as yingji' : 'NOT the same rows as yingji'}`);
    if (wrong.length || r.discrepancies.length !== expected.size || !same) process.exitCode = 1;
  } finally {
    await db.end();
    await dropDatabase(adminUrl, name).catch(() => undefined);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
