import * as fs from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runDrill } from '../../apps/cli/src/drill-commands';
import { eventually, Harness, openTask, startHarness } from './support/harness';

// Drills on a schedule (Temporal Schedules), announced or not, and who may run and read drills.
describe('drill schedules and access', () => {
  let h: Harness;
  let webhook: Server;
  let received = 0;
  beforeAll(async () => {
    // The deployment's webhook takes every notice, so the drill's start notice is really delivered.
    webhook = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
    process.env.YINGJI_WEBHOOK_URL = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
    h = await startHarness();
    await h.publishPlan('hello-drill.yaml');
  });
  afterAll(async () => {
    await h?.close();
    webhook?.close();
    delete process.env.YINGJI_WEBHOOK_URL;
  });

  it('a schedule starts an unannounced tabletop drill of the latest plan version, told only to commanders and management', async () => {
    const commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    const created = await commander.post('/drill-schedules', { planId: 'hello-drill', mode: 'tabletop', cron: '0 3 1 1 *', unannounced: true, timeScale: 60 }).expect(201);
    const scheduleId: string = created.body.scheduleId;
    expect(scheduleId).toBe('drill-schedule-hello-drill-tabletop-unannounced');
    const listed = (await commander.get('/drill-schedules').expect(200)).body;
    expect(listed.map((s: { scheduleId: string }) => s.scheduleId)).toContain(scheduleId);
    await commander.post('/drill-schedules', { planId: 'hello-drill', mode: 'tabletop', cron: '0 3 1 1 *', unannounced: true }).expect(400);

    // Start it now rather than on 1 January.
    await h.temporal.schedule.getHandle(scheduleId).trigger();
    const drill = await eventually('the scheduled drill', async () => {
      const rows = (await commander.get('/drills?planId=hello-drill').expect(200)).body;
      return rows[0];
    });
    expect(drill).toMatchObject({ mode: 'tabletop', unannounced: true });
    expect(drill.id).toMatch(/^drill-hello-drill-tabletop-unannounced-/);

    const incident = (await commander.get(`/incidents/${drill.id}`).expect(200)).body;
    expect(incident.incident).toMatchObject({ mode: 'tabletop', launchedBy: 'zhang-wei (schedule)' });
    const start = await eventually('the drill notice', async () => (await commander.get(`/incidents/${drill.id}`).expect(200)).body.notifications.find((n: { reason: string }) => n.reason === 'drill:start'));
    expect(start.audience).toEqual(['commander', 'management']);

    // The drill runs like any plan: the on-call team gets its task.
    const oncall = await h.as('wang-fang', ['responder'], ['it-ops']);
    const task = await openTask(oncall, drill.id);
    expect(task.stepId).toBe('acknowledge-page');

    await h.temporal.schedule.getHandle(scheduleId).delete();
    await h.temporal.workflow.getHandle(drill.id).terminate('test over');
  });

  it('only commanders start drills; responders cannot read drill reports', async () => {
    const responder = await h.as('wang-fang', ['responder'], ['it-ops']);
    await responder.post('/drills', { planId: 'hello-drill', mode: 'tabletop' }).expect(403);
    await responder.get('/drills').expect(403);
    const manager = await h.as('chen-jing', ['manager']);
    await manager.post('/drills', { planId: 'hello-drill', mode: 'tabletop' }).expect(403);
    await manager.get('/drills').expect(200);
  });

  it('refuses a live drill of a plan without faults, and an unknown mode, naming what is wrong', async () => {
    const commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    const live = await commander.post('/drills', { planId: 'hello-drill', mode: 'live-drill' }).expect(422);
    expect(live.body.message).toContain('has no drill.faults');
    const bad = await commander.post('/drills', { planId: 'hello-drill', mode: 'rehearsal' }).expect(400);
    expect(JSON.stringify(bad.body.message)).toContain('mode');
    await commander.get('/drills/drill-nope/report').expect(404);
  });

  it('`yingji drill run --mode tabletop --simulate-responders` answers every task, prints the score and saves the report', async () => {
    const lines: string[] = [];
    const r = await runDrill(h.config, h.baseUrl, 'hello-drill', { mode: 'tabletop', timeScale: 60, simulate: {} }, (l) => lines.push(l));
    expect(r.drill.state).toBe('scored');
    expect(lines.join('\n')).toMatch(new RegExp(`${r.id}  得分 Score [0-9.]+ `));
    expect(lines.join('\n')).toContain('(estimated)');
    expect(fs.readFileSync(r.reportFile, 'utf8')).toContain('id="score"');
    const commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    const served = await commander.get(`/drills/${r.id}/report`).expect(200);
    expect(served.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    // The drill's start notice was delivered, but telling people a drill is on is not reaching them
    // about the incident: hello-drill sends nothing else, so it has no first notification.
    const notices = await h.db.query(`SELECT reason, status FROM notifications WHERE incident_id = $1`, [r.id]);
    expect(notices).toContainEqual({ reason: 'drill:start', status: 'delivered' });
    expect(received).toBeGreaterThan(0);
    const [row] = await h.db.query(`SELECT facts FROM drills WHERE id = $1`, [r.id]);
    expect(row.facts.firstNotificationAt).toBeUndefined();
  });
});
