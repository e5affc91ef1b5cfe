import * as path from 'node:path';
import { takeBackup } from '../../activities/backup/take-backup';
import { INVOICE_COLUMNS, generateInvoices } from '../../activities/invoices/generate';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { issueToken } from '../../apps/api/src/auth/token-store';
import { ApiClient } from '../../apps/cli/src/api-client';
import { expectedDecisions, respondUntilClosed } from '../../apps/cli/src/simulated-responders';
import { directoryTeams } from '../../apps/cli/src/simulation';
import { backupDeps } from '../../apps/shared/backups';
import { screenshotReport } from '../../apps/shared/chromium';
import { listMail, RunningMailSink, startMailSink } from '../../apps/mail-sink/src';
import { startTaxPlatform } from '../../apps/tax-platform/src';
import type { RunningTaxPlatform } from '../../apps/tax-platform/src';
import type { Plan } from '../../domain/plan/plan.types';
import { canConnect, dropDatabase, PostgresServer, startPostgres } from '../../scripts/stack/postgres';
import { freePort } from '../../scripts/stack/ports';
import { eventually, Harness, startHarness } from './support/harness';
import { recordHistory } from './support/histories';
import { testStackEnv } from './support/test-stack';
import { adminUrl, queryUrl, urlOf } from './support/databases';

/** `YINGJI_RECORD_HISTORIES=1`: keep this run's history for test/unit/replay.test.ts. */
/** Every row of both invoice tables, as one digest: production must come out of a drill unchanged. */
async function productionChecksum(url: string): Promise<string> {
  const [inv] = await queryUrl<{ d: string; n: string }>(url, `SELECT md5(string_agg(md5(ROW(${INVOICE_COLUMNS.join(', ')})::text), '' ORDER BY invoice_no)) AS d, count(*) AS n FROM invoices`);
  const [chg] = await queryUrl<{ d: string; n: string }>(url, `SELECT md5(COALESCE(string_agg(md5(c::text), '' ORDER BY change_id), '')) AS d, count(*) AS n FROM invoice_changes c`);
  return `${inv.n}:${inv.d}/${chg.n}:${chg.d}`;
}

// A live drill of 发票数据库崩溃 on 100,000 invoices, with its sandbox on a server of its own
// (YINGJI_DRILL_DATABASE_URL), as a real deployment keeps drills off production's server. The drill copies production into a sandbox, drops
// the sandbox's invoice table, the plan's restore step brings it back from production's last backup,
// and the drill measures how long that took and which invoices did not come back.
describe('live drill of einvoice-db-crash', () => {
  let h: Harness;
  let source: string;
  let commander: ApiClient;
  const teams: Record<string, ApiClient> = {};
  let plan: Plan;
  /** Invoices changed after the last backup: the only ones a restore cannot bring back. */
  const unrecoverable = new Set<string>();
  let drillServer: PostgresServer;
  let sim: RunningTaxPlatform;
  let mail: RunningMailSink;
  const drillUrlOf = (db: string) => drillServer.url(db);

  beforeAll(async () => {
    source = `yingji_ld_src_${process.pid}`;
    process.env.INVOICE_DATABASE_URL = urlOf(source);
    const dir = path.join(testStackEnv().runDir, `drill-server-${process.pid}`);
    drillServer = await startPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), logFile: path.join(dir, 'postgres.log'), fast: true });
    process.env.YINGJI_DRILL_DATABASE_URL = drillServer.url('postgres');
    // The plan resyncs with the tax platform: the drill gets its own tenant of a real simulator.
    sim = await startTaxPlatform({ databaseUrl: urlOf(`${source}_sim`), port: 0 });
    process.env.TAX_PLATFORM_URL = sim.url;
    // Its messages really go out, to a real SMTP server (the stack's mail sink), as in the demo.
    mail = await startMailSink({ host: '127.0.0.1', port: 0, dir: path.join(dir, 'mail') });
    process.env.YINGJI_SMTP_URL = mail.url;
    h = await startHarness();
    await prepareInvoiceDatabase(urlOf(source));
    await generateInvoices(urlOf(source), { count: 100_000, seed: 7 });
    await takeBackup(backupDeps(h.config, h.db), { kind: 'full', by: 'test' });
    // After the backup: 37 new invoices and 5 corrected amounts. A restore from the backup cannot have them.
    const backedUp = new Set((await queryUrl<{ no: string }>(urlOf(source), `SELECT invoice_no AS no FROM invoices`)).map((r) => r.no));
    await generateInvoices(urlOf(source), { count: 37, seed: 8 });
    for (const r of await queryUrl<{ no: string }>(urlOf(source), `SELECT invoice_no AS no FROM invoices`)) if (!backedUp.has(r.no)) unrecoverable.add(r.no);
    const corrected = await queryUrl<{ no: string }>(
      urlOf(source),
      `UPDATE invoices SET amount = amount + 1, total = total + 1 WHERE invoice_no IN (SELECT invoice_no FROM invoices WHERE invoice_no = ANY($1) ORDER BY invoice_no LIMIT 5) RETURNING invoice_no AS no`,
      [[...backedUp].slice(0, 1000)],
    );
    for (const r of corrected) unrecoverable.add(r.no);
    expect(unrecoverable.size).toBe(42);

    await h.publishPlan('einvoice-db-crash.yaml');
    const api = new ApiClient(h.baseUrl);
    commander = api.as((await issueToken(h.db, { person: 'li-na', teams: ['it-ops'], roles: ['commander'], createdBy: 'test' })).token);
    for (const team of directoryTeams(h.config.directoryFile)) {
      teams[team] = api.as((await issueToken(h.db, { person: `sim-${team}`, teams: [team], roles: ['responder'], createdBy: 'test' })).token);
    }
    plan = (await commander.get<{ plan: Plan }>('/plans/einvoice-db-crash')).plan;
  });

  afterAll(async () => {
    await h?.close();
    await mail?.stop();
    delete process.env.YINGJI_SMTP_URL;
    await dropDatabase(adminUrl(), source);
    await drillServer?.stop();
    await sim?.stop();
    await dropDatabase(adminUrl(), `${source}_sim`);
    delete process.env.TAX_PLATFORM_URL;
    delete process.env.INVOICE_DATABASE_URL;
    delete process.env.YINGJI_DRILL_DATABASE_URL;
  });

  let drillId: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let drill: Record<string, any>;

  it('injects the fault into a sandbox copy, restores it, measures RTO and the invoices lost, and leaves production byte-for-byte unchanged', async () => {
    // Production's digest just before the drill starts and again once it is scored: in one test, so
    // the comparison cannot pass without the drill having run.
    const before = await productionChecksum(urlOf(source));
    const started = await commander.post<{ incident: { id: string; mode: string } }>('/drills', { planId: 'einvoice-db-crash', mode: 'live-drill', timeScale: 60 });
    drillId = started.incident.id;
    expect(drillId).toMatch(/^drill-/);
    expect(started.incident.mode).toBe('live-drill');

    // The fault is real: the sandbox has lost its invoice table, the pre-fault copy has every invoice.
    const sandbox = await eventually('the fault to be injected', async () => {
      const [d] = await h.db.query(`SELECT sandbox, fault_at FROM drills WHERE id = $1`, [drillId]);
      return d?.fault_at ? (d.sandbox as string) : undefined;
    });
    expect((await queryUrl<{ t: string | null }>(drillUrlOf(sandbox), `SELECT to_regclass('public.invoices') AS t`))[0].t).toBeNull();
    expect(Number((await queryUrl<{ n: string }>(drillUrlOf(`${sandbox}_pre`), `SELECT count(*) AS n FROM invoices`))[0].n)).toBe(100_037);
    // Nothing of the drill is on production's server.
    expect(await queryUrl(adminUrl(), `SELECT datname FROM pg_database WHERE datname LIKE 'drill_%'`)).toEqual([]);

    const done = await respondUntilClosed({ commander, teams, incidentId: drillId, decisions: expectedDecisions(plan), timeoutMs: 240_000 });
    expect(done.incident.state).toBe('closed');
    drill = await eventually('the drill to be scored and its sandbox dropped', async () => {
      const d = await commander.get<Record<string, unknown>>(`/drills/${drillId}`);
      return d.state === 'scored' && d.sandboxState === 'dropped' ? d : undefined;
    }, 60_000);

    // The restore really brought the invoices back into the sandbox (not production).
    const restore = done.steps.find((s) => s.stepId === 'restore-invoices') as { state: string; outcome?: string };
    expect(restore.state).toBe('done');
    expect(restore.outcome).toContain('restored 100000 invoices');

    // RTO is the real time from the fault to the verified restore, in plan time (×60).
    const [steps] = [await h.db.query(`SELECT step_id, finished_at FROM steps WHERE incident_id = $1 AND step_id IN ('restore-invoices', 'verify')`, [drillId])];
    const restoredAt = Math.max(...steps.map((s: { finished_at: Date }) => new Date(s.finished_at).getTime()));
    const faultAt = new Date(drill.faultAt).getTime();
    expect(new Date(drill.facts.restoredAt).getTime()).toBe(restoredAt);
    expect(drill.facts.rtoMs).toBe((restoredAt - faultAt) * 60);
    expect(restoredAt).toBeGreaterThan(faultAt);

    // RPO: exactly the invoices changed after the last backup are lost, nothing else.
    expect(drill.loss.total).toBe(42);
    expect(Object.values(drill.loss.byClass as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(42);
    for (const no of drill.loss.examples as string[]) expect(unrecoverable.has(no)).toBe(true);
    // The loss reaches back to the backup the sandbox was restored from (real time, not scaled).
    const [backup] = await h.db.query(`SELECT point_in_time FROM backup_catalog ORDER BY point_in_time DESC LIMIT 1`);
    expect(drill.loss.recoveredTo).toBe(new Date(backup.point_in_time).toISOString());
    expect(drill.loss.windowMs).toBe(faultAt - new Date(backup.point_in_time).getTime());

    // Scored, with every lost point explained, and findings the review accepted as improvement items.
    expect(drill.score.total).toBeGreaterThan(0);
    expect(drill.score.total).toBeLessThanOrEqual(100);
    const lost = (drill.score.lost as Array<{ points: number }>).reduce((a, l) => a + l.points, 0);
    expect(Math.abs(100 - drill.score.total - lost)).toBeLessThan(0.1);
    expect(drill.acceptedFindings.length).toBeGreaterThan(0);

    // Marked as a drill everywhere: its notifications and its timeline.
    expect(done.notifications.length).toBeGreaterThan(0);
    const marks = await h.db.query(`SELECT drill, message FROM notifications WHERE incident_id = $1`, [drillId]);
    for (const n of marks) expect(n).toMatchObject({ drill: true, message: expect.stringMatching(/^【演练 DRILL】/) });
    // Communication scores because messages were delivered: each point is backed by a copy the SMTP server accepted.
    const communication = (drill.score.parts as Array<{ part: string; points: number }>).find((p) => p.part === 'communication')!;
    expect(communication.points).toBeGreaterThan(0);
    const sent = await h.db.query(`SELECT count(*)::int AS n FROM deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.incident_id = $1 AND d.status = 'sent'`, [drillId]);
    const kept = (await listMail(mail.dir)).filter((m) => m.subject.startsWith('【演练 DRILL】') && m.subject.includes(drillId));
    expect(kept.length).toBe(sent[0].n);
    expect(kept.length).toBeGreaterThan(0);
    // (The score and the sandbox's end come after the close: read the timeline again.)
    const final = await commander.get<{ timeline: Array<{ kind: string }> }>(`/incidents/${drillId}`);
    expect(final.timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['drill.opened', 'drill.sandbox', 'drill.fault', 'drill.loss', 'drill.scored', 'drill.sandbox-dropped']));

    // The sandbox and its pre-fault copy are gone.
    expect(await canConnect(drillUrlOf(sandbox))).toBe(false);
    expect(await canConnect(drillUrlOf(`${sandbox}_pre`))).toBe(false);
    await recordHistory(h, drillId, 'einvoice-db-crash.live-drill');
    expect(await productionChecksum(urlOf(source))).toBe(before);
  });

  it('reports the drill as HTML and JSON, and a second drill shows the trend', async () => {
    const html = (await commander.raw(`/drills/${drillId}/report`)).toString('utf8');
    expect(html).toContain('id="score"');
    expect(html).toContain(drillId);
    const pdf = await commander.raw(`/drills/${drillId}/report?format=pdf`);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const second = await commander.post<{ incident: { id: string } }>('/drills', { planId: 'einvoice-db-crash', mode: 'tabletop', timeScale: 600 });
    await respondUntilClosed({ commander, teams, incidentId: second.incident.id, decisions: expectedDecisions(plan), timeoutMs: 120_000 });
    const report = await eventually('the second drill to be scored', async () => {
      try {
        return await commander.get<{ trend: Array<{ drillId: string; score: number }>; drill: { recoveryEstimated: boolean } }>(`/drills/${second.incident.id}/report?format=json`);
      } catch {
        return undefined;
      }
    }, 60_000);
    expect(report.trend.map((t) => t.drillId)).toEqual([drillId, second.incident.id]);
    expect(report.trend[0].score).toBe(drill.score.total);
    expect(report.drill.recoveryEstimated).toBe(true);
    const secondHtml = (await commander.raw(`/drills/${second.incident.id}/report`)).toString('utf8');
    expect(secondHtml).toContain('id="trend"');
    // The real report renders offline in headless Chromium with its score, timeline and trend visible.
    const shot = await screenshotReport(secondHtml, path.join(__dirname, '..', '..', 'test-artifacts', 'live-drill-trend-report.png'), ['#score', '#grade', '#timeline', '#trend']);
    expect(shot).toEqual({ visible: { '#score': true, '#grade': true, '#timeline': true, '#trend': true }, blocked: [] });
    await recordHistory(h, second.incident.id, 'einvoice-db-crash.tabletop');
  });

  it("writes the next plan version's draft with the accepted improvement items at their steps", async () => {
    const draft = await commander.get<{ version: number; text: string; placed: number }>('/plans/einvoice-db-crash/draft-next');
    expect(draft.version).toBe(plan.version + 1);
    expect(draft.text).toContain(`# 改进 TODO (${drillId};`);
  });
});
