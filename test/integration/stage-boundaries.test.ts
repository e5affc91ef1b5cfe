import type { ChildProcess } from 'node:child_process';
import { takeBackup } from '../../activities/backup/take-backup';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { issueToken } from '../../apps/api/src/auth/token-store';
import { ApiClient } from '../../apps/cli/src/api-client';
import { IncidentDetail, respondUntilClosed } from '../../apps/cli/src/simulated-responders';
import { backupDeps } from '../../apps/shared/backups';
import { dropDatabase } from '../../scripts/stack/postgres';
import { duplicateAuditEntries, duplicateDeliveries, duplicateTimelineEntries, stepsNotEndedOnce } from './support/exactly-once';
import { eventually, Harness, startHarness } from './support/harness';
import { killHard, spawnWorker } from './support/worker-process';
import { adminUrl, queryUrl, urlOf } from './support/databases';

const TEAMS = ['it-ops', 'dba', 'tax-sync', 'finance', 'app-dev', 'management'];
/**
 * Enough invoices that restoring them takes seconds, so the kill lands while chunks are being
 * copied (the restore has no throttle of its own; more rows is the only way to slow it from here).
 */
const INVOICES = 150_000;

/** Rows the restore has committed so far (each chunk commits with its progress row). */
const restoredRows = async (url: string) => Number((await queryUrl<{ n: string }>(url, `SELECT coalesce(sum(rows), 0) AS n FROM restore_progress`))[0].n);

// The worker dies at every stage boundary of a real plan, once while its restore step is copying a
// real backup back; the plan neither loses nor repeats a step, a delivery or an invoice.
describe('a worker SIGKILLed at each stage boundary', () => {
  let h: Harness;
  let worker: ChildProcess | undefined;
  let invoiceDb: string;
  let env: NodeJS.ProcessEnv;
  let backup: { id: string; rows: number };

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    await h.publishPlan('einvoice-db-crash.yaml');
    // The invoice database the plan restores into: filled, backed up, then its data is lost.
    invoiceDb = `${h.databaseName}_inv`;
    env = { ...h.processEnv, INVOICE_DATABASE_URL: urlOf(invoiceDb) };
    await prepareInvoiceDatabase(urlOf(invoiceDb));
    await generateInvoices(urlOf(invoiceDb), { count: INVOICES, seed: 13 });
    const taken = await takeBackup(backupDeps({ ...h.config, invoiceDatabaseUrl: urlOf(invoiceDb) }, h.db), { kind: 'full', by: 'test' });
    backup = { id: taken.id, rows: Object.values(taken.rowCounts).reduce((a, b) => a + b, 0) };
    await queryUrl(urlOf(invoiceDb), 'TRUNCATE invoices');
  });
  afterAll(async () => {
    if (worker) await killHard(worker);
    await h?.close();
    if (invoiceDb) await dropDatabase(adminUrl(), invoiceDb);
  });

  it('after classify, during a manual wait, while the restore copies invoices and during review: closes with everything once', async () => {
    expect(backup.rows).toBe(INVOICES);
    const api = new ApiClient(h.baseUrl);
    const token = async (person: string, roles: string[], teams: string[]) => (await issueToken(h.db, { person, roles, teams, createdBy: 'test' })).token;
    const commander = api.as(await token('zhang-wei', ['commander'], ['it-ops']));
    const teams = Object.fromEntries(await Promise.all(TEAMS.map(async (t) => [t, api.as(await token(`sim-${t}`, ['responder'], [t]))] as const)));

    worker = await spawnWorker(env);
    const id = (await commander.post<{ incident: { id: string } }>('/incidents', { planId: 'einvoice-db-crash', facts: { invoicesAffected: 25000, outageMinutes: 20, dataLeaked: false } })).incident.id;
    const detail = () => commander.get<IncidentDetail>(`/incidents/${id}`);

    // Each boundary: what must be true when the worker is killed.
    const boundaries: Array<{ name: string; reached: () => Promise<boolean> }> = [
      { name: 'after classify', reached: async () => (await detail()).timeline.some((e) => e.kind === 'incident.classified') },
      { name: 'during a manual wait', reached: async () => (await detail()).tasks.some((t) => t.stepId === 'isolate' && t.state === 'open') },
      // Chunks are committed and more are to come: the restore activity is copying right now.
      { name: 'while the restore copies invoices', reached: async () => (await restoredRows(urlOf(invoiceDb))) > 0 },
      { name: 'during review', reached: async () => (await detail()).tasks.some((t) => t.kind === 'review' && t.state === 'open') },
    ];
    const killed: string[] = [];
    let answering: Promise<IncidentDetail> | undefined;
    let atKill = 0;
    let killedAt = '';
    for (const b of boundaries) {
      await eventually(`the incident to reach "${b.name}"`, async () => ((await b.reached()) ? true : undefined), 120_000);
      await killHard(worker);
      killed.push(b.name);
      if (b.name === 'while the restore copies invoices') {
        // A chunk whose COMMIT was on the wire may still land: wait until the dead worker's sessions are gone.
        await eventually('the killed worker\'s sessions on the invoice database to end', async () => {
          const [s] = await queryUrl<{ n: number }>(adminUrl(), `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1`, [invoiceDb]);
          return s.n === 0 ? true : undefined;
        });
        atKill = await restoredRows(urlOf(invoiceDb));
        killedAt = (await queryUrl<{ t: string }>(urlOf(invoiceDb), `SELECT clock_timestamp()::text AS t`))[0].t;
        expect(atKill).toBeGreaterThan(0);
        expect(atKill).toBeLessThan(INVOICES); // killed mid-restore, not after it
      }
      worker = await spawnWorker(env);
      if (b.name === 'during a manual wait') {
        // Responders start only now, so the manual wait was real; the review waits 4 s so it can be killed too.
        answering = respondUntilClosed({ commander, teams, incidentId: id, decisions: { 'choose-path': 'restore' }, late: { 'post-incident-review': 4000 }, timeoutMs: 240_000 });
      }
    }
    const done = await answering!;
    expect(killed).toHaveLength(4);
    expect(done.incident.state).toBe('closed');

    // The automated work happened once: the restore step itself finished (not completed by hand
    // after failing), every backed-up invoice is back once, and the new worker copied only what the
    // killed one had not committed.
    const steps = Object.fromEntries((done.steps as Array<{ stepId: string; state: string; outcome?: string }>).map((s) => [s.stepId, s]));
    expect(steps['restore-invoices']).toMatchObject({ state: 'done', outcome: expect.stringMatching(new RegExp(`^restored ${INVOICES} invoices from ${backup.id}`)) });
    expect(steps['verify']).toMatchObject({ state: 'done', outcome: expect.stringContaining(`${INVOICES} invoices as written`) });
    const [inv] = await queryUrl<{ n: number; distinct: number }>(urlOf(invoiceDb), `SELECT count(*)::int AS n, count(DISTINCT invoice_no)::int AS distinct FROM invoices`);
    expect(inv).toEqual({ n: backup.rows, distinct: backup.rows });
    const [progress] = await queryUrl<{ before: number; after: number }>(
      urlOf(invoiceDb),
      `SELECT coalesce(sum(rows) FILTER (WHERE done_at <= $1), 0)::int AS before, coalesce(sum(rows) FILTER (WHERE done_at > $1), 0)::int AS after FROM restore_progress`,
      [killedAt],
    );
    expect(progress).toEqual({ before: atKill, after: backup.rows - atKill });

    // Nothing twice, counted on what a repeat would share: one delivery per (reason, channel,
    // recipient), one timeline entry and one audit entry per (kind, step/task/stage), one end per step.
    expect(await duplicateDeliveries(h.db, id)).toEqual([]);
    expect(await duplicateTimelineEntries(h.db, id)).toEqual([]);
    expect(await duplicateAuditEntries(h.db, id)).toEqual([]);
    expect(await stepsNotEndedOnce(h.db, id, done.steps.map((s) => s.stepId))).toEqual([]);
    const taskSteps = done.tasks.map((t) => t.stepId);
    expect(new Set(taskSteps).size).toBe(taskSteps.length);
    const count = (kind: string) => done.timeline.filter((e) => e.kind === kind).length;
    expect(count('incident.opened')).toBe(1);
    expect(count('incident.classified')).toBe(1);
    expect(count('incident.closed')).toBe(1);
  }, 360_000); // four kills, each can wait out a sticky-queue or heartbeat timeout
});
