// A live drill with a tax-platform fault, end to end on the real simulator, Temporal and PostgreSQL:
// the outage is switched on in the drill's own tenant (a copy of production's for the sandbox's
// taxpayers), never in production's; it lifts by itself after its duration on the drill's clock;
// the drill measures the resync after the platform's return, the invoices unsynced at the deadline
// and the duplicate uploads, and the score, findings and report show them; the tenant goes with
// the sandbox.
import { randomBytes } from 'node:crypto';
import { createDrillActivities } from '../../activities/drills/drill.activities';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { toUploadRow } from '../../activities/tax-platform/mapping';
import type { InvoiceRow } from '../../activities/tax-platform/mapping';
import { startTaxPlatform } from '../../apps/tax-platform/src';
import type { RunningTaxPlatform } from '../../apps/tax-platform/src';
import { issueToken } from '../../apps/api/src/auth/token-store';
import { ApiClient } from '../../apps/cli/src/api-client';
import { respondUntilClosed } from '../../apps/cli/src/simulated-responders';
import type { DrillFinding, DrillScore, TaxPlatformFacts } from '../../domain/drill/drill.types';
import { dropDatabase } from '../../scripts/stack/postgres';
import { eventually, Harness, startHarness } from './support/harness';
import { adminUrl, queryUrl, urlOf } from './support/databases';

const RUN = randomBytes(4).toString('hex');
const SIM_DB = `tp_drill_e2e_${RUN}`;
const SOURCE = `yingji_tf_src_${RUN}`;
const TOKEN = 'drill-e2e-admin-secret';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Data = any;

describe('live drill with a tax-platform outage', () => {
  let h: Harness;
  let sim: RunningTaxPlatform;

  async function call(path: string, opts: { method?: string; body?: unknown; tenant?: string } = {}): Promise<{ status: number; data: Data }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
    if (opts.tenant) headers['x-sim-tenant'] = opts.tenant;
    const res = await fetch(`${sim.url}${path}`, { method: opts.method ?? (opts.body ? 'POST' : 'GET'), headers, body: opts.body ? JSON.stringify(opts.body) : undefined });
    return { status: res.status, data: ((await res.json()) as { data?: Data }).data };
  }
  /** Everything production's tenant shows: its faults, its counters, one seller's invoices of each period. */
  async function productionView(sellers: Array<{ seller: string; period: string }>): Promise<string> {
    const lists = [];
    for (const s of sellers) lists.push((await call(`/api/invoices?nsrsbh=${s.seller}&period=${s.period}&size=50`)).data);
    return JSON.stringify({ faults: (await call('/_sim/faults')).data, stats: (await call('/_sim/stats')).data, lists });
  }

  beforeAll(async () => {
    sim = await startTaxPlatform({ databaseUrl: urlOf(SIM_DB), port: 0, adminToken: TOKEN });
    process.env.TAX_PLATFORM_URL = sim.url;
    process.env.TAX_PLATFORM_ADMIN_TOKEN = TOKEN;
    process.env.INVOICE_DATABASE_URL = urlOf(SOURCE);
    h = await startHarness();
    await prepareInvoiceDatabase(urlOf(SOURCE));
    await generateInvoices(urlOf(SOURCE), { count: 400, seed: 21 });
    // Some invoices production has not synced yet (the outage's backlog).
    await queryUrl(urlOf(SOURCE), `UPDATE invoices SET sync_status = 'failed', synced_at = NULL WHERE invoice_no IN (SELECT invoice_no FROM invoices ORDER BY invoice_no LIMIT 6)`);
    // Production's tenant holds what production synced.
    const synced = await queryUrl<InvoiceRow>(
      urlOf(SOURCE),
      `SELECT invoice_no, issued_at, seller_tax_id, buyer_tax_id, amount, tax, total, original_invoice_no FROM invoices WHERE sync_status = 'synced' ORDER BY invoice_no`,
    );
    const bySeller = new Map<string, InvoiceRow[]>();
    for (const r of synced) bySeller.set(r.seller_tax_id, [...(bySeller.get(r.seller_tax_id) ?? []), r]);
    for (const [seller, rows] of bySeller) {
      const up = await call('/api/QDFPSC', { body: { fpqqlsh: `prod-${seller}`, nsrsbh: seller, invoices: rows.map(toUploadRow) } });
      expect(up.status).toBe(200);
    }
    await h.publishPlan('test/plans/run/tax-outage-drill.yaml');
  });

  afterAll(async () => {
    await h?.close();
    await sim?.stop();
    await dropDatabase(adminUrl(), SIM_DB);
    await dropDatabase(adminUrl(), SOURCE);
    delete process.env.TAX_PLATFORM_URL;
    delete process.env.TAX_PLATFORM_ADMIN_TOKEN;
    delete process.env.INVOICE_DATABASE_URL;
  });

  it("injects platform-outage into the drill's tenant only, lifts it after 20m ÷ 120, and measures resync, deadline and duplicates", async () => {
    const periods = await queryUrl<{ seller: string; period: string }>(
      urlOf(SOURCE),
      `SELECT DISTINCT seller_tax_id AS seller, to_char(issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS period FROM invoices ORDER BY 1, 2 LIMIT 6`,
    );
    const before = await productionView(periods);
    const unsyncedInProduction = Number((await queryUrl<{ n: string }>(urlOf(SOURCE), `SELECT count(*) AS n FROM invoices WHERE sync_status <> 'synced'`))[0].n);
    expect(unsyncedInProduction).toBeGreaterThanOrEqual(6);

    const api = new ApiClient(h.baseUrl);
    const commander = api.as((await issueToken(h.db, { person: 'zhao-min', teams: ['tax-sync'], roles: ['commander'], createdBy: 'test' })).token);
    const tax = api.as((await issueToken(h.db, { person: 'sun-hao', teams: ['tax-sync'], roles: ['responder'], createdBy: 'test' })).token);
    const started = await commander.post<{ incident: { id: string } }>('/drills', { planId: 'tax-outage-drill', mode: 'live-drill', timeScale: 120 });
    const id = started.incident.id;
    const { sandbox, fault } = await eventually('the fault', async () => {
      const [d] = await h.db.query(`SELECT sandbox, faults FROM drills WHERE id = $1`, [id]);
      return d?.faults?.length ? { sandbox: d.sandbox as string, fault: d.faults[0] as { kind: string; at: string; until: string; detail: string } } : undefined;
    });

    // On in the drill's tenant, for 20 minutes of plan time: 10 s at ×120.
    expect(fault.kind).toBe('platform-outage');
    expect(Date.parse(fault.until) - Date.parse(fault.at)).toBe(10_000);
    expect(fault.detail).toContain(`the tax platform is down for 20m (10s at ×120), in tenant ${sandbox}`);
    const [seller] = periods;
    const drillList = await call(`/api/invoices?nsrsbh=${seller.seller}&period=${seller.period}&size=50`, { tenant: sandbox });
    const faults = (await call('/_sim/faults', { tenant: sandbox })).data;
    expect(drillList.status).toBe(503);
    expect(faults.faults).toEqual([{ kind: 'outage', until: fault.until }]);
    // Production's tenant never saw it.
    expect(await productionView(periods)).toBe(before);
    // A retry of the injection changes nothing: same moment, same end.
    const retried = await createDrillActivities(h.db, h.config).injectDrillFault({ drillId: id, sandbox, index: 0, fault: { kind: 'platform-outage', durationMs: 20 * 60_000 } });
    expect(retried).toEqual({ at: fault.at, detail: fault.detail });
    expect((await call('/_sim/faults', { tenant: sandbox })).data.faults).toEqual([{ kind: 'outage', until: fault.until }]);

    // It lifts by itself; the tenant then shows the copy of production's invoices.
    await eventually('the platform to return', async () => ((await call('/_sim/faults', { tenant: sandbox })).data.lifted.length ? true : undefined), 30_000);
    expect((await call('/_sim/faults', { tenant: sandbox })).data).toEqual({ tenant: sandbox, faults: [], lifted: [{ kind: 'outage', until: fault.until }] });
    const prodList = (await call(`/api/invoices?nsrsbh=${seller.seller}&period=${seller.period}&size=50`)).data;
    const copied = await call(`/api/invoices?nsrsbh=${seller.seller}&period=${seller.period}&size=50`, { tenant: sandbox });
    expect(copied.status).toBe(200);
    expect(copied.data.invoices).toEqual(prodList.invoices);

    // The team resends all but one of the backlog, and one invoice the platform already had.
    const [{ n: resent }] = await queryUrl<{ n: string }>(
      urlOf(sandbox),
      `WITH r AS (UPDATE invoices SET sync_status = 'synced', synced_at = clock_timestamp()
                   WHERE invoice_no IN (SELECT invoice_no FROM invoices WHERE sync_status <> 'synced' ORDER BY invoice_no OFFSET 1) RETURNING 1)
       SELECT count(*) AS n FROM r`,
    );
    expect(Number(resent)).toBe(unsyncedInProduction - 1);
    const [left] = await queryUrl<{ no: string }>(urlOf(sandbox), `SELECT invoice_no AS no FROM invoices WHERE sync_status <> 'synced'`);
    const [again] = await queryUrl<InvoiceRow>(
      urlOf(sandbox),
      `SELECT invoice_no, issued_at, seller_tax_id, buyer_tax_id, amount, tax, total, original_invoice_no FROM invoices WHERE invoice_no = $1`,
      [prodList.invoices[0].fphm],
    );
    expect((await call('/api/QDFPSC', { body: { fpqqlsh: `resend-${RUN}`, nsrsbh: again.seller_tax_id, invoices: [toUploadRow(again)] }, tenant: sandbox })).status).toBe(200);

    const done = await respondUntilClosed({ commander, teams: { 'tax-sync': tax }, incidentId: id, timeoutMs: 120_000 });
    const kinds = done.timeline.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['drill.tax-tenant', 'drill.fault', 'drill.platform-returned']));
    expect(done.timeline.find((e) => e.kind === 'drill.platform-returned')!.at).toBe(fault.until);

    type Drill = { state: string; sandboxState: string; facts: { taxPlatform: TaxPlatformFacts; restoredAt?: string; loss?: { total: number } }; score: DrillScore; findings: DrillFinding[] };
    const drill = await eventually('the score', async () => {
      const d = await commander.get<Drill>(`/drills/${id}`);
      return d.state === 'scored' && d.sandboxState === 'dropped' ? d : undefined;
    });
    expect(drill.facts.taxPlatform).toMatchObject({
      tenant: sandbox,
      returnedAt: fault.until,
      unsyncedAtReturn: unsyncedInProduction,
      stillUnsynced: 1,
      stillUnsyncedExamples: [left.no],
      unsyncedAtDeadline: 1,
      deadlineAfterEnd: true,
      duplicateUploads: 1,
      duplicateSerials: 0,
      uploads: 1,
    });
    expect(drill.facts.taxPlatform.deadline!.from).toBe('fact taxDeadlineHours 240 (÷ timeScale 120)');
    expect(drill.facts.taxPlatform.resyncedAt).toBeUndefined();
    // Not all resynced: service was never restored for this plan.
    expect(drill.facts.restoredAt).toBeUndefined();
    expect(drill.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['rto-exceeded', 'not-resynced', 'unsynced-at-deadline', 'duplicate-uploads']));
    expect(drill.findings.find((f) => f.id === 'not-resynced')!.evidence).toContain(left.no);
    // A resync changes sync state, not the invoices: nothing counts as lost.
    expect(drill.facts.loss).toMatchObject({ total: 0 });
    // Recovery: RTO never met (20) and the deadline (the RPO's 10); the duplicate finds no points left.
    expect(drill.score.lost.filter((l) => l.part === 'recovery')).toEqual([
      { part: 'recovery', points: 20, reason: '服务未恢复，RTO 目标 1h / Service never restored, RTO target 1h' },
      { part: 'recovery', points: 10, reason: '申报期限时仍有 1 张发票未同步到税务平台 / 1 invoice(s) not synced to the tax platform at the declaration deadline' },
    ]);

    const reader = await h.as('zhao-min', ['commander'], ['tax-sync']);
    const html = (await reader.get(`/drills/${id}/report`).expect(200)).text;
    expect(html).toContain('id="resync"');
    expect(html).toContain('未补传完成 not resynced (1)');
    expect(html).toContain('data-finding="duplicate-uploads"');
    const json = (await reader.get(`/drills/${id}/report?format=json`).expect(200)).body;
    expect(json.drill.taxPlatform).toMatchObject({ unsyncedAtDeadline: 1, duplicateUploads: 1 });

    // The tenant went with the sandbox; production's is as it was.
    const dropped = await eventually('the tenant dropped', async () => {
      const d = await commander.get<{ timeline: Array<{ kind: string; message: string }> }>(`/incidents/${id}`);
      return d.timeline.find((e) => e.kind === 'drill.tax-tenant-dropped');
    });
    expect(dropped.message).toBe(`Tax-platform tenant ${sandbox} dropped (its invoices, faults and counters)`);
    await eventually('the tenant to be gone', async () => ((await call('/_sim/stats', { tenant: sandbox })).data.total.uploads === 0 ? true : undefined));
    expect((await call(`/api/invoices?nsrsbh=${seller.seller}&period=${seller.period}&size=50`, { tenant: sandbox })).data.invoices).toEqual([]);
    expect(await productionView(periods)).toBe(before);
  });
});
