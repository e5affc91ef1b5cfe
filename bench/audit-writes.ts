// bench/audit-writes: 500 incidents writing audit entries at once, each entry in its own
// transaction, first with the OLD single-chain append (every writer of every incident behind one
// lock) and then with the per-stream append Yingji uses now, on the same PostgreSQL in one run.
//   npm run bench:audit-writes -- [--incidents 500] [--entries 10] [--pool 50]
// It starts a PostgreSQL of its own in a temporary folder (durable settings: commits really sync).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EntityManager } from 'typeorm';
import { appendAudit, AuditRecord, canonicalJson, verifyAuditChain } from '../activities/records/audit-log';
import { applyMigrations, migratedDataSource } from '../migrations/data-source';
import { MIGRATIONS } from '../migrations';
import { ensureDatabase, startPostgres } from '../scripts/stack/postgres';
import { freePort } from '../scripts/stack/ports';
import { numberOptions } from './args';

const { incidents: INCIDENTS, entries: ENTRIES, pool: POOL } = numberOptions({ incidents: 500, entries: 10, pool: 50 });

// ---------------------------------------------------------------------------------------------
// THE PEER: the OLD single-chain append, as activities/records/audit-log.ts had it before chains
// per stream (commit 2b86ec3), kept here verbatim but for its table, so both run side by side.
const OLD_TABLE = 'bench_single_chain_audit';
const GENESIS = '0'.repeat(64);
function oldAuditHash(prevHash: string, r: Omit<AuditRecord, 'key'>): string {
  const body = canonicalJson([r.at.toISOString(), r.actor, r.action, r.subjectType, r.subjectId, r.outcome, r.detail ?? {}]);
  return createHash('sha256').update(`${prevHash}\n${body}`).digest('hex');
}
async function oldAppendAudit(em: EntityManager, r: AuditRecord): Promise<boolean> {
  // One writer at a time, so every entry links to the true previous one.
  await em.query(`SELECT pg_advisory_xact_lock(hashtext('yingji.audit_entries'))`);
  if (r.key) {
    const seen = await em.query(`SELECT 1 FROM ${OLD_TABLE} WHERE event_key = $1`, [r.key]);
    if (seen.length) return false;
  }
  const last = await em.query(`SELECT hash FROM ${OLD_TABLE} ORDER BY id DESC LIMIT 1`);
  const prevHash: string = last[0]?.hash ?? GENESIS;
  const at = new Date(r.at.toISOString());
  const hash = oldAuditHash(prevHash, { ...r, at });
  await em.query(
    `INSERT INTO ${OLD_TABLE} (event_key, at, actor, action, subject_type, subject_id, outcome, detail, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [r.key ?? null, at, r.actor, r.action, r.subjectType, r.subjectId, r.outcome, JSON.stringify(r.detail ?? {}), prevHash, hash],
  );
  return true;
}
// The table as migration 1763860000000 created audit_entries.
const OLD_SCHEMA = `CREATE TABLE ${OLD_TABLE} (
  id bigserial PRIMARY KEY, event_key text UNIQUE, at timestamptz NOT NULL, actor text NOT NULL, action text NOT NULL,
  subject_type text NOT NULL, subject_id text NOT NULL, outcome text NOT NULL, detail jsonb NOT NULL DEFAULT '{}',
  prev_hash char(64) NOT NULL, hash char(64) NOT NULL UNIQUE)`;
// ---------------------------------------------------------------------------------------------

/** A progress bar on stderr, redrawn as entries are written. */
function progress(label: string, total: number) {
  let done = 0;
  const draw = () => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(`\r  ${label.padEnd(28)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  };
  draw();
  return {
    tick: () => {
      done++;
      if (done % 50 === 0 || done === total) draw();
    },
    end: () => process.stderr.write('\n'),
  };
}

const record = (incident: number, k: number): AuditRecord => {
  const id = `inc-20261202-b${String(incident).padStart(4, '0')}`;
  return { key: `${id}:bench:${k}`, at: new Date(), actor: 'bench', action: 'task.note', subjectType: k % 2 ? 'task' : 'incident', subjectId: k % 2 ? `${id}.step-${k}` : id, outcome: 'ok', detail: { k } };
};

/** Every incident at once, each writing its entries one transaction after another. */
async function run(label: string, ds: ReturnType<typeof migratedDataSource>, append: (em: EntityManager, r: AuditRecord) => Promise<boolean>): Promise<number> {
  const bar = progress(label, INCIDENTS * ENTRIES);
  const t = performance.now();
  await Promise.all(
    Array.from({ length: INCIDENTS }, async (_, i) => {
      for (let k = 0; k < ENTRIES; k++) {
        await ds.transaction((em) => append(em, record(i, k)));
        bar.tick();
      }
    }),
  );
  const seconds = (performance.now() - t) / 1000;
  bar.end();
  return seconds;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-bench-audit-'));
  const pg = await startPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), logFile: path.join(dir, 'postgres.log') });
  try {
    await ensureDatabase(pg.url('postgres'), 'bench_audit');
    const url = pg.url('bench_audit');
    await applyMigrations(migratedDataSource(url, MIGRATIONS, 'migrations'));
    const ds = migratedDataSource(url, MIGRATIONS, 'migrations', [], POOL);
    await ds.initialize();
    try {
      await ds.query(OLD_SCHEMA);
      const total = INCIDENTS * ENTRIES;
      console.log(`bench/audit-writes: ${INCIDENTS} incidents at once, ${ENTRIES} audit entries each (${total} transactions per run), pool of ${POOL} connections, PostgreSQL on 127.0.0.1:${pg.port}`);
      const oldSeconds = await run('old: one chain, one lock', ds, oldAppendAudit);
      const newSeconds = await run('new: a chain per stream', ds, appendAudit);

      // Both trails hold every entry; the new one verifies stream by stream.
      const [{ n: oldRows }] = await ds.query(`SELECT count(*)::int AS n FROM ${OLD_TABLE}`);
      const v = performance.now();
      const check = await verifyAuditChain(ds.manager);
      const verifySeconds = (performance.now() - v) / 1000;
      if (oldRows !== total || check.entries !== total || !check.ok) throw new Error(`lost or broken entries: old ${oldRows}, new ${check.entries} (${JSON.stringify(check.brokenAt)})`);

      const rate = (s: number) => total / s;
      console.log('');
      console.log(`  ${'trail'.padEnd(34)} ${'seconds'.padStart(8)} ${'entries/s'.padStart(10)}`);
      console.log(`  ${'old: one chain behind one lock'.padEnd(34)} ${oldSeconds.toFixed(2).padStart(8)} ${rate(oldSeconds).toFixed(0).padStart(10)}`);
      console.log(`  ${`new: a chain per stream (${check.streams})`.padEnd(34)} ${newSeconds.toFixed(2).padStart(8)} ${rate(newSeconds).toFixed(0).padStart(10)}`);
      console.log(`  new / old throughput: ${(rate(newSeconds) / rate(oldSeconds)).toFixed(2)}x  (both trails hold all ${total} entries; the new one verifies)`);
      console.log(`  verify (every stream recomputed): ${check.entries} entries in ${check.streams} streams, ${verifySeconds.toFixed(2)} s (${(check.entries / verifySeconds).toFixed(0)} entries/s)`);
    } finally {
      await ds.destroy();
    }
  } finally {
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
