import { takeBackup } from '../../activities/backup/take-backup';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { issueToken } from '../../apps/api/src/auth/token-store';
import { ApiClient } from '../../apps/cli/src/api-client';
import { respondUntilClosed } from '../../apps/cli/src/simulated-responders';
import { backupDeps } from '../../apps/shared/backups';
import { canConnect, dropDatabase } from '../../scripts/stack/postgres';
import { eventually, Harness, startHarness } from './support/harness';
import { adminUrl, urlOf } from './support/databases';

// Live drills whose faults get in the way: stop-database (the sandbox refuses connections for the
// fault's duration, the automated restore fails while it is down and is completed by hand, and the
// sandbox comes back), and a fault that cannot be injected (the drill fails loudly and cleans up).
describe('live drills and their faults, end to end', () => {
  let h: Harness;
  const source = `yingji_sd_src_${process.pid}`;

  beforeAll(async () => {
    process.env.INVOICE_DATABASE_URL = urlOf(source);
    h = await startHarness();
    await prepareInvoiceDatabase(urlOf(source));
    await generateInvoices(urlOf(source), { count: 2000, seed: 3 });
    await takeBackup(backupDeps(h.config, h.db), { kind: 'full', by: 'test' });
    await h.publishPlan('test/plans/run/stop-database-drill.yaml');
    await h.publishPlan('test/plans/run/broken-fault-drill.yaml');
  });
  afterAll(async () => {
    await h?.close();
    await dropDatabase(adminUrl(), source);
    delete process.env.INVOICE_DATABASE_URL;
  });

  it('stops the sandbox for the fault duration, then starts it again; nothing is lost', async () => {
    const api = new ApiClient(h.baseUrl);
    const commander = api.as((await issueToken(h.db, { person: 'li-na', teams: ['it-ops'], roles: ['commander'], createdBy: 'test' })).token);
    const dba = api.as((await issueToken(h.db, { person: 'sim-dba', teams: ['dba'], roles: ['responder'], createdBy: 'test' })).token);
    // 100 s of outage at ×10: 10 s.
    const started = await commander.post<{ incident: { id: string } }>('/drills', { planId: 'stop-database-drill', mode: 'live-drill', timeScale: 10 });
    const id = started.incident.id;
    const sandbox = await eventually('the fault', async () => {
      const [d] = await h.db.query(`SELECT sandbox, fault_at FROM drills WHERE id = $1`, [id]);
      return d?.fault_at ? (d.sandbox as string) : undefined;
    });
    expect(await canConnect(urlOf(sandbox))).toBe(false);

    const done = await respondUntilClosed({ commander, teams: { dba }, incidentId: id, timeoutMs: 120_000 });
    const kinds = done.timeline.map((e) => e.kind);
    // The restore could not reach the stopped sandbox: it failed loudly and was completed by hand.
    expect(done.timeline.find((e) => e.kind === 'step.failed')?.message).toMatch(/not currently accepting connections|refuses|connect/i);
    expect(kinds.indexOf('drill.sandbox-restarted')).toBeGreaterThan(kinds.indexOf('drill.fault'));
    const restartedAt = Date.parse(done.timeline.find((e) => e.kind === 'drill.sandbox-restarted')!.at);
    const faultAt = Date.parse(done.timeline.find((e) => e.kind === 'drill.fault')!.at);
    expect(restartedAt - faultAt).toBeGreaterThanOrEqual(10_000);

    type Drill = {
      state: string;
      sandboxState: string;
      loss: { total: number };
      facts: { restoredAt?: string };
      score: { parts: Array<{ part: string; points: number }> };
      findings: Array<{ id: string; kind: string; evidence: string }>;
    };
    const drill = await eventually('the score', async () => {
      const d = await commander.get<Drill>(`/drills/${id}`);
      return d.state === 'scored' && d.sandboxState === 'dropped' ? d : undefined;
    });
    expect(drill.loss.total).toBe(0);
    // Completed by hand is not restored: the failed restore is a finding with its error, and the
    // drill earns no RTO points for a recovery nothing measured.
    const failure = done.timeline.find((e) => e.kind === 'step.failed')!.message;
    const finding = drill.findings.find((f) => f.kind === 'automated-step-failed');
    expect(finding).toMatchObject({ id: 'automated-failed:restore-invoices' });
    expect(finding!.evidence).toMatch(/^error .*(not currently accepting connections|refuses|connect).*; state done; completed by hand by li-na$/i);
    expect(failure).toContain(finding!.evidence.split('; ')[0].replace(/^error /, '').slice(0, 40));
    expect(drill.facts.restoredAt).toBeUndefined();
    expect(drill.findings.map((f) => f.id)).toContain('rto-exceeded');
    expect(drill.score.parts.find((p) => p.part === 'recovery')!.points).toBeLessThanOrEqual(10);
  });

  it('a fault that cannot be injected fails the drill with the reason, drops the sandbox and marks the drill failed', async () => {
    const commander = await h.as('li-na', ['commander'], ['it-ops']);
    const started = await commander.post('/drills', { planId: 'broken-fault-drill', mode: 'live-drill' }).expect(201);
    const id: string = started.body.incident.id;
    const drill = await eventually('the drill to fail', async () => {
      const d = (await commander.get(`/drills/${id}`).expect(200)).body;
      return d.state === 'failed' ? d : undefined;
    });
    expect(drill.sandboxState).toBe('dropped');
    expect(await canConnect(urlOf(drill.sandbox))).toBe(false);
    const incident = (await commander.get(`/incidents/${id}`).expect(200)).body;
    expect(incident.incident.state).toBe('failed');
    expect(incident.timeline.find((e: { kind: string }) => e.kind === 'incident.failed').message).toContain('drill.faults[1] (delete-rows) could not be injected: relation "invoice_changes" does not exist');
  });
});
