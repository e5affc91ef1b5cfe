import { As, eventually, Harness, startHarness } from './support/harness';

// Alert intake as Alertmanager and an Events v2 sender use it: every occurrence stored once, one
// incident per alert group, resolves on the timeline, a flap joins the same incident, bad input refused.

type Alert = { status: 'firing' | 'resolved'; labels: Record<string, string>; annotations?: Record<string, string>; startsAt: string; endsAt?: string; fingerprint: string };

/** An Alertmanager webhook body (version 4) for one group, as Alertmanager 0.25 sends it. */
function webhook(groupKey: string, alerts: Alert[], extra: Record<string, unknown> = {}) {
  const firing = alerts.some((a) => a.status === 'firing');
  return {
    version: '4', groupKey, truncatedAlerts: 0, status: firing ? 'firing' : 'resolved', receiver: 'yingji',
    groupLabels: { alertname: alerts[0]?.labels.alertname }, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager:9093',
    alerts: alerts.map((a) => ({ endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090/graph', annotations: {}, ...a })),
    ...extra,
  };
}

const alert = (alertname: string, instance: string, startsAt: string, status: 'firing' | 'resolved' = 'firing'): Alert => ({
  status, labels: { alertname, instance, severity: 'critical' }, annotations: { summary: `${alertname} on ${instance}` },
  startsAt, fingerprint: `fp-${alertname}-${instance}`, ...(status === 'resolved' ? { endsAt: new Date(Date.parse(startsAt) + 60_000).toISOString() } : {}),
});

describe('alert intake', () => {
  let h: Harness;
  let intake: As;
  let commander: As;
  const incidentsOf = async () => (await commander.get('/incidents?planId=alert-intake-drill').expect(200)).body as Array<{ id: string }>;
  const timeline = async (id: string) => (await commander.get(`/incidents/${id}`).expect(200)).body.timeline as Array<{ kind: string; message: string; data: Record<string, string> }>;

  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('test/plans/run/alert-intake.yaml');
    intake = await h.as('alertmanager-prod', ['intake']);
    commander = await h.as('zhang.san', ['commander'], ['it-ops']);
  }, 60_000);
  afterAll(() => h?.close());

  let groupA: string;
  it('the same payload posted 5 times (at once, as clustered Alertmanagers do) stores one occurrence and launches one incident', async () => {
    const body = webhook('{}:{alertname="InvoiceApiDown"}', [alert('InvoiceApiDown', 'api-1', '2026-12-01T08:00:00Z')]);
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => intake.post('/alerts/alertmanager', body)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const incidents = await incidentsOf();
    expect(incidents).toHaveLength(1);
    groupA = incidents[0].id;
    const incident = (await commander.get(`/incidents/${groupA}`).expect(200)).body.incident;
    expect(incident).toMatchObject({ planId: 'alert-intake-drill', launchedBy: 'alertmanager' });
    const stored = (await commander.get('/alerts').expect(200)).body.filter((a: { fingerprint: string }) => a.fingerprint === 'fp-InvoiceApiDown-api-1');
    expect(stored).toEqual([expect.objectContaining({ status: 'firing', seen: 5, state: 'matched', incidentId: groupA, receivedBy: 'alertmanager-prod' })]);
    const firing = await eventually('the alert on the timeline', async () => {
      const t = (await timeline(groupA)).filter((e) => e.kind === 'alert.firing');
      return t.length ? t : undefined;
    });
    expect(firing).toEqual([expect.objectContaining({ message: 'Alert firing: InvoiceApiDown on api-1' })]);
    // The launch is audited as the sender's, on the intake token.
    const [launch] = await h.db.query(`SELECT actor, detail FROM audit_entries WHERE action = 'incident.launch' AND subject_id = $1`, [groupA]);
    expect(launch).toMatchObject({ actor: 'alertmanager', detail: expect.objectContaining({ tokenId: expect.any(String), planId: 'alert-intake-drill' }) });
  });

  it('a second alert of the same group joins its incident; two other groups give two more incidents', async () => {
    await intake.post('/alerts/alertmanager', webhook('{}:{alertname="InvoiceApiDown"}', [
      alert('InvoiceApiDown', 'api-1', '2026-12-01T08:00:00Z'), alert('InvoiceApiDown', 'api-2', '2026-12-01T08:01:00Z'),
    ])).expect(200);
    await intake.post('/alerts/alertmanager', webhook('{}:{alertname="InvoiceApiDown",dc="sh"}', [alert('InvoiceApiDown', 'api-sh', '2026-12-01T08:02:00Z')])).expect(200);
    await intake.post('/alerts/alertmanager', webhook('{}:{alertname="InvoiceApiDown",dc="bj"}', [alert('InvoiceApiDown', 'api-bj', '2026-12-01T08:02:00Z')])).expect(200);
    expect(await incidentsOf()).toHaveLength(3);
    const firing = (await timeline(groupA)).filter((e) => e.kind === 'alert.firing').map((e) => e.data.fingerprint);
    expect(firing.sort()).toEqual(['fp-InvoiceApiDown-api-1', 'fp-InvoiceApiDown-api-2']);
  });

  it('resolves reach the timeline, all resolved offers the commander a close, and a new firing inside the flap window joins the same incident', async () => {
    const key = '{}:{alertname="InvoiceApiDown"}';
    await intake.post('/alerts/alertmanager', webhook(key, [
      alert('InvoiceApiDown', 'api-1', '2026-12-01T08:00:00Z', 'resolved'), alert('InvoiceApiDown', 'api-2', '2026-12-01T08:01:00Z'),
    ])).expect(200);
    let kinds = (await timeline(groupA)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'alert.resolved')).toHaveLength(1);
    expect(kinds).not.toContain('alerts.all-resolved');

    const allResolved = webhook(key, [alert('InvoiceApiDown', 'api-1', '2026-12-01T08:00:00Z', 'resolved'), alert('InvoiceApiDown', 'api-2', '2026-12-01T08:01:00Z', 'resolved')]);
    await intake.post('/alerts/alertmanager', allResolved).expect(200);
    await intake.post('/alerts/alertmanager', allResolved).expect(200); // a repeat adds nothing
    const t = await timeline(groupA);
    expect(t.filter((e) => e.kind === 'alert.resolved')).toHaveLength(2);
    expect(t.filter((e) => e.kind === 'alerts.all-resolved')).toEqual([expect.objectContaining({ message: 'All alerts resolved: close the incident?' })]);

    // It flaps: the same alert fires again (a new occurrence) within the window.
    await intake.post('/alerts/alertmanager', webhook(key, [alert('InvoiceApiDown', 'api-1', '2026-12-01T08:09:00Z')])).expect(200);
    expect(await incidentsOf()).toHaveLength(3);
    kinds = (await timeline(groupA)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'alert.firing')).toHaveLength(3);
    const occurrences = (await commander.get('/alerts').expect(200)).body.filter((a: { fingerprint: string }) => a.fingerprint === 'fp-InvoiceApiDown-api-1');
    expect(occurrences.map((a: { status: string }) => a.status).sort()).toEqual(['firing', 'resolved']);
  });

  it('Events v2: a trigger without dedup_key gets one (202); the same key joins; resolve closes it; after resolve the key opens a new alert', async () => {
    const trigger = { routing_key: 'R0UT1NGKEY', event_action: 'trigger', payload: { summary: 'Invoice sync stalled', source: 'sync-worker', severity: 'critical', custom_details: { backlog: 1200 } } };
    const first = await intake.post('/alerts/events', trigger).expect(202);
    expect(first.body).toMatchObject({ status: 'success', dedup_key: expect.any(String) });
    const key: string = first.body.dedup_key;
    expect(await incidentsOf()).toHaveLength(4);
    const again = await intake.post('/alerts/events', { ...trigger, dedup_key: key }).expect(202);
    expect(again.body.message).toBe('Event processed: joined the open alert');
    await intake.post('/alerts/events', { routing_key: 'R0UT1NGKEY', event_action: 'acknowledge', dedup_key: key }).expect(202);
    await intake.post('/alerts/events', { routing_key: 'R0UT1NGKEY', event_action: 'resolve', dedup_key: key }).expect(202);
    const incidentId = first.body.group.incidentId;
    const t = await timeline(incidentId);
    expect(t.map((e) => e.kind)).toEqual(expect.arrayContaining(['alert.firing', 'alert.resolved', 'alerts.all-resolved']));
    await intake.post('/alerts/events', { ...trigger, dedup_key: key }).expect(202);
    const stored = (await commander.get('/alerts').expect(200)).body.filter((a: { fingerprint: string }) => a.fingerprint === key);
    expect(stored.map((a: { status: string }) => a.status).sort()).toEqual(['firing', 'resolved']);
    expect(stored.find((a: { status: string }) => a.status === 'resolved')).toMatchObject({ seen: 4, acknowledgedAt: expect.any(String) });
    expect(await incidentsOf()).toHaveLength(4); // inside the flap window: the same incident
  });

  it('a propose trigger waits in triage; an alert no plan takes is stored as unmatched, never dropped', async () => {
    await intake.post('/alerts/alertmanager', webhook('{}:{alertname="InvoiceDiskFilling"}', [alert('InvoiceDiskFilling', 'db-1', '2026-12-01T09:00:00Z')])).expect(200);
    await intake.post('/alerts/alertmanager', webhook('{}:{alertname="InvoiceDiskFilling"}', [alert('InvoiceDiskFilling', 'db-1', '2026-12-01T09:00:00Z')])).expect(200);
    const proposals = (await commander.get('/triage').expect(200)).body.filter((p: { planId: string }) => p.planId === 'alert-intake-drill');
    expect(proposals).toEqual([expect.objectContaining({ state: 'proposed', summary: 'InvoiceDiskFilling on db-1' })]);
    expect(await incidentsOf()).toHaveLength(4);
    // Confirmed, it becomes an incident, and the group's alerts join that incident.
    const { incidentId } = (await commander.post(`/triage/${proposals[0].id}/confirm`).expect(200)).body;
    await intake.post('/alerts/alertmanager', webhook('{}:{alertname="InvoiceDiskFilling"}', [
      alert('InvoiceDiskFilling', 'db-1', '2026-12-01T09:00:00Z'), alert('InvoiceDiskFilling', 'db-2', '2026-12-01T09:03:00Z'),
    ])).expect(200);
    const joined = (await timeline(incidentId)).filter((e) => e.kind === 'alert.firing').map((e) => e.data.fingerprint);
    expect(joined.sort()).toEqual(['fp-InvoiceDiskFilling-db-1', 'fp-InvoiceDiskFilling-db-2']);
    expect(await incidentsOf()).toHaveLength(5);

    const r = await intake.post('/alerts/alertmanager', webhook('{}:{alertname="CoffeeLow"}', [alert('CoffeeLow', 'kitchen', '2026-12-01T09:00:00Z')])).expect(200);
    expect(r.body).toMatchObject({ received: 1, new: 1, unmatched: 1 });
    const unmatched = (await commander.get('/alerts?state=unmatched').expect(200)).body;
    expect(unmatched).toEqual([expect.objectContaining({ fingerprint: 'fp-CoffeeLow-kitchen', state: 'unmatched', reason: 'no published plan has a trigger matching these alerts', incidentId: null })]);
  });

  it("a trigger's level overrides the level rules, naming the trigger", async () => {
    const r = await intake.post('/alerts/alertmanager', webhook('{}:{alertname="InvoiceApiSlow"}', [alert('InvoiceApiSlow', 'api-1', '2026-12-01T09:30:00Z')])).expect(200);
    const incident = await eventually('the trigger level', async () => {
      const i = (await commander.get(`/incidents/${r.body.group.incidentId}`).expect(200)).body.incident;
      return i.level === 'II' ? i : undefined;
    });
    expect(incident.levelReason).toContain('triggers[3] of alert-intake-drill: alertname = InvoiceApiSlow');
  });

  describe('bad input is refused, naming what, and changes nothing', () => {
    // The incidents already launched go on writing their tasks and timelines: count what intake writes.
    const counts = async () =>
      (await h.db.query(`SELECT (SELECT count(*)::int FROM incidents) AS incidents, (SELECT count(*)::int FROM alert_occurrences) AS alerts,
                                (SELECT sum(seen)::int FROM alert_occurrences) AS seen, (SELECT count(*)::int FROM alert_groups) AS groups,
                                (SELECT count(*)::int FROM triage_proposals) AS proposals`))[0];
    let before: Record<string, number>;
    beforeAll(async () => {
      before = await counts();
    });

    it('a version-3 payload: 400 naming the version', async () => {
      const r = await intake.post('/alerts/alertmanager', { ...webhook('g', [alert('InvoiceApiDown', 'x', '2026-12-01T10:00:00Z')]), version: '3' }).expect(400);
      expect(r.body.message).toEqual(['version "3" is not supported: Yingji accepts Alertmanager webhook version "4"']);
    });

    it('no alerts: 400', async () => {
      const { alerts: _alerts, ...body } = webhook('g', [alert('InvoiceApiDown', 'x', '2026-12-01T10:00:00Z')]);
      const r = await intake.post('/alerts/alertmanager', body).expect(400);
      expect(r.body.message).toEqual([expect.stringContaining('alerts must be an array')]);
    });

    it('a text/plain body: 415', async () => {
      const r = await intake.post('/alerts/alertmanager').set('Content-Type', 'text/plain').send(JSON.stringify(webhook('g', []))).expect(415);
      expect(r.body.message).toContain('Content-Type text/plain');
    });

    it('a dedup_key over 255 characters: 400', async () => {
      const r = await intake.post('/alerts/events', { routing_key: 'R', event_action: 'trigger', dedup_key: 'k'.repeat(256), payload: { summary: 's', source: 'x', severity: 'info' } }).expect(400);
      expect(r.body.message).toEqual(['dedup_key must be at most 255 characters']);
    });

    it('an intake token anywhere else: 403, audited', async () => {
      const r = await intake.get('/incidents').expect(403);
      expect(r.body.message).toContain('may only POST /alerts/alertmanager and /alerts/events');
      await intake.get('/alerts').expect(403);
      const [denied] = await h.db.query(`SELECT actor, action, outcome FROM audit_entries WHERE actor = 'alertmanager-prod' AND outcome = 'denied' ORDER BY id LIMIT 1`);
      expect(denied).toEqual({ actor: 'alertmanager-prod', action: 'incident.list', outcome: 'denied' });
    });

    it('a commander token on the intake: 403', async () => {
      const r = await commander.post('/alerts/alertmanager', webhook('g', [alert('InvoiceApiDown', 'x', '2026-12-01T10:00:00Z')])).expect(403);
      expect(r.body.message).toContain('needs role intake');
    });

    it('and nothing was stored or launched', async () => {
      expect(await counts()).toEqual(before);
    });
  });

  it('fields Alertmanager adds in newer releases are accepted', async () => {
    const body = webhook('{}:{alertname="CoffeeLow"}', [{ ...alert('CoffeeLow', 'kitchen-2', '2026-12-01T11:00:00Z'), silencedBy: [] } as Alert], { notification_reason: 'resolved', routeLabels: { team: 'ops' } });
    await intake.post('/alerts/alertmanager', body).expect(200);
  });
});
