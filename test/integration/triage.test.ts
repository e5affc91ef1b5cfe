// Triage (分诊): an alert whose plan trigger says `launch: propose` waits for a commander, who
// confirms it (the incident launches through the ordinary launch path, with the proposal's plan
// version, facts and level) or dismisses it with a reason. Proposals are made the way the alert
// intake makes them: matchTriggers on the published plan, then TriageService.propose.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { matchTriggers } from '../../domain/alerts/triggers';
import { formatProblem } from '../../domain/plan/parse-plan';
import type { IncomingAlert } from '../../domain/alerts/triggers';
import type { Plan } from '../../domain/plan/plan.types';
import { TriageService } from '../../apps/api/src/triage/triage.service';
import { As, eventually, Harness, startHarness } from './support/harness';

describe('triage of alert-proposed incidents', () => {
  let h: Harness;
  let commander: As;
  let manager: As;
  let auditor: As;
  let responder: As;
  let plan: Plan;
  const propose = async (labels: Record<string, string>, group: string) => {
    const alert: IncomingAlert = { source: 'alertmanager', labels, annotations: {} };
    const m = matchTriggers([plan], alert);
    if (!m) throw new Error(`no trigger matched ${JSON.stringify(labels)}`);
    return h.app.get(TriageService).propose(m, { alertGroup: group, summary: `${labels.alertname} on ${labels.instance ?? 'invoice-api'}`, alerts: 1 });
  };

  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('test/plans/run/triage.yaml');
    commander = await h.as('li.si', ['commander'], ['it-ops']);
    manager = await h.as('wang.wu', ['manager']);
    auditor = await h.as('zhao.liu', ['auditor']);
    responder = await h.as('sim-it-ops', ['responder'], ['it-ops'], { simulated: true });
    plan = (await commander.get('/plans/triage-drill').expect(200)).body.plan;
  });
  afterAll(() => h?.close());

  it('keeps one waiting proposal per alert group, shown to commanders, managers and auditors', async () => {
    const first = await propose({ alertname: 'InvoiceApiDown', outage_minutes: '90' }, 'am:{}:{alertname="InvoiceApiDown"}');
    const again = await propose({ alertname: 'InvoiceApiDown', outage_minutes: '95' }, 'am:{}:{alertname="InvoiceApiDown"}');
    expect(again.id).toBe(first.id);

    for (const who of [commander, manager, auditor]) {
      const list = (await who.get('/triage').expect(200)).body;
      expect(list).toEqual([
        expect.objectContaining({
          id: first.id,
          planId: 'triage-drill',
          planVersion: 1,
          trigger: 0,
          state: 'proposed',
          facts: { outageMinutes: 95 },
          matchReason: 'triggers[0] of triage-drill: alertname = InvoiceApiDown',
          summary: 'InvoiceApiDown on invoice-api',
          incidentId: null,
        }),
      ]);
    }
    await responder.get('/triage').expect(403);
  });

  it('launches the incident when a commander confirms, once', async () => {
    const { id } = await propose({ alertname: 'InvoiceApiDown', outage_minutes: '120', instance: 'api-2' }, 'am:{}:{instance="api-2"}');
    await responder.post(`/triage/${id}/confirm`).expect(403);
    await manager.post(`/triage/${id}/confirm`).expect(403);

    const confirmed = (await commander.post(`/triage/${id}/confirm`).expect(200)).body;
    expect(confirmed).toMatchObject({ id, incidentId: expect.stringMatching(/^inc-/) });
    const incident = (await commander.get(`/incidents/${confirmed.incidentId}`).expect(200)).body.incident;
    // Classified from the alert's facts: 120 minutes of outage is level II.
    expect(incident).toMatchObject({ planId: 'triage-drill', planVersion: 1, launchedBy: 'li.si', facts: { outageMinutes: 120 } });
    await eventually('the incident classified', async () => ((await commander.get(`/incidents/${confirmed.incidentId}`).expect(200)).body.incident.level === 'II' ? true : undefined));

    const shown = (await auditor.get(`/triage/${id}`).expect(200)).body;
    expect(shown).toMatchObject({ state: 'confirmed', decidedBy: 'li.si', incidentId: confirmed.incidentId });

    // A second confirmation (or a dismissal now) launches nothing: 409, saying who decided.
    const twice = await commander.post(`/triage/${id}/confirm`).expect(409);
    expect(twice.body.message).toBe(`triage proposal ${id} was already confirmed by li.si (incident ${confirmed.incidentId})`);
    await commander.post(`/triage/${id}/dismiss`, { reason: 'too late' }).expect(409);
    const incidents = (await commander.get('/incidents?planId=triage-drill').expect(200)).body;
    expect(incidents.filter((i: { id: string }) => i.id === confirmed.incidentId)).toHaveLength(1);
    expect(incidents).toHaveLength(1);

    const trail = (await auditor.get(`/audit?subjectId=${id}`).expect(200)).body;
    expect(trail.map((e: { action: string; outcome: string }) => `${e.action} ${e.outcome}`)).toEqual([
      'triage.dismiss denied',
      'triage.confirm denied',
      'triage.confirm ok',
      'triage.confirm denied', // the manager's 403
      'triage.confirm denied', // the responder's 403
      'triage.propose ok',
    ]);
    expect(trail[2]).toMatchObject({ actor: 'li.si', detail: expect.objectContaining({ incidentId: confirmed.incidentId }) });
    const launch = (await auditor.get(`/audit?subjectId=${confirmed.incidentId}`).expect(200)).body;
    expect(launch).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'incident.launch', actor: 'li.si', outcome: 'ok' })]));
  });

  it('runs at the level the trigger gives, with the trigger as the reason', async () => {
    const { id } = await propose({ alertname: 'InvoiceApiSlow', severity: 'warning' }, 'am:{}:{alertname="InvoiceApiSlow"}');
    const { incidentId, level } = (await commander.post(`/triage/${id}/confirm`).expect(200)).body;
    expect(level).toBe('III');
    const detail = await eventually('the trigger level applied', async () => {
      const d = (await commander.get(`/incidents/${incidentId}`).expect(200)).body;
      return d.incident.level === 'III' ? d : undefined;
    });
    const levels = detail.timeline.filter((e: { kind: string }) => e.kind === 'incident.classified' || e.kind === 'incident.level-overridden');
    expect(levels.map((e: { kind: string; message: string }) => e.kind)).toEqual(['incident.classified', 'incident.level-overridden']);
    expect(levels[1].message).toContain("III 较大 Relatively serious set by the plan's trigger (triggers[1] of triage-drill: alertname = InvoiceApiSlow, severity in [warning, critical] (warning))");
    expect(detail.incident.levelReason).toContain("set by the plan's trigger");
  });

  it('launches one incident when two commanders confirm at the same moment', async () => {
    const other = await h.as('zhou.ba', ['commander'], ['it-ops']);
    const { id } = await propose({ alertname: 'InvoiceApiDown', instance: 'api-4' }, 'am:{}:{instance="api-4"}');
    const before = (await commander.get('/incidents?planId=triage-drill').expect(200)).body.length;
    const answers = await Promise.all([commander.post(`/triage/${id}/confirm`), other.post(`/triage/${id}/confirm`)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect((await commander.get('/incidents?planId=triage-drill').expect(200)).body).toHaveLength(before + 1);
  });

  it('dismisses with a reason only, and then cannot be confirmed', async () => {
    const { id } = await propose({ alertname: 'InvoiceApiDown', instance: 'api-3' }, 'am:{}:{instance="api-3"}');
    const none = await commander.post(`/triage/${id}/dismiss`, {}).expect(400);
    expect(JSON.stringify(none.body.message)).toContain('reason');
    await commander.post(`/triage/${id}/dismiss`, { reason: '   ' }).expect(400);
    await auditor.post(`/triage/${id}/dismiss`, { reason: 'not mine to decide' }).expect(403);

    const dismissed = (await commander.post(`/triage/${id}/dismiss`, { reason: 'planned restart of api-3' }).expect(200)).body;
    expect(dismissed).toMatchObject({ id, state: 'dismissed', decidedBy: 'li.si', decisionReason: 'planned restart of api-3', incidentId: null });
    const late = await commander.post(`/triage/${id}/confirm`).expect(409);
    expect(late.body.message).toBe(`triage proposal ${id} was dismissed by li.si: planned restart of api-3`);

    const trail = (await auditor.get(`/audit?subjectId=${id}`).expect(200)).body;
    expect(trail[1]).toMatchObject({ action: 'triage.dismiss', outcome: 'ok', actor: 'li.si', detail: expect.objectContaining({ reason: 'planned restart of api-3' }) });

    // A new alert of the same group after a dismissal is a new proposal, listed before decided ones.
    const next = await propose({ alertname: 'InvoiceApiDown', instance: 'api-3' }, 'am:{}:{instance="api-3"}');
    expect(next.id).not.toBe(id);
    const list = (await commander.get('/triage').expect(200)).body;
    const states = list.map((p: { state: string }) => p.state);
    expect(states).toEqual(['proposed', 'proposed', 'dismissed', 'confirmed', 'confirmed', 'confirmed']);
    expect(list[0]).toMatchObject({ id: next.id, state: 'proposed' });
  });

  it('refuses to publish a plan whose trigger regex is invalid, at its line and column, storing nothing', async () => {
    const admin = await h.as('qian.qi', ['admin']);
    const text = fs.readFileSync(path.join(__dirname, '../plans/run/triage.yaml'), 'utf8').replace('version: 1', 'version: 2').replace('{ alertname: InvoiceApiDown }', '{ alertname: InvoiceApiDown, instance: { regex: "api-(1|2" } }');
    const res = await admin.post('/plans').set('content-type', 'application/yaml').send(text).expect(422);
    expect(res.body.problems.map(formatProblem)).toEqual(['request-body.yaml:17:60 triggers[0].match.instance.regex: "api-(1|2" is not a valid regex: Unterminated group']);
    expect((await commander.get('/plans/triage-drill').expect(200)).body.version).toBe(1);
  });

  it('answers 404 for a proposal that does not exist', async () => {
    await commander.get('/triage/tri-20261202-nothere').expect(404);
    const res = await commander.post('/triage/tri-20261202-nothere/confirm').expect(404);
    expect(res.body.message).toBe('triage proposal "tri-20261202-nothere" not found');
    await commander.post('/triage/tri-20261202-nothere/dismiss', { reason: 'x' }).expect(404);
  });
});
