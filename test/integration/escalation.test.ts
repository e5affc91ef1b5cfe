import { As, eventually, Harness, openTask, reviewAndClose, startHarness } from './support/harness';
import { startWebhookReceiver, WebhookReceiver } from './support/webhook-receiver';

// Deadlines are durable timers; a missed one walks the escalation chain until the task is done.
describe('deadlines and escalation, end to end with real timers', () => {
  let h: Harness;
  let hook: WebhookReceiver;
  const received = () => hook.received.map((r) => r.body);

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    process.env.YINGJI_PLAN_TEST_WEBHOOK_URL = hook.url;
    // The receiver is on loopback: webhooks reach it only when the deployment allows it.
    process.env.YINGJI_WEBHOOK_ALLOW_HOSTS = hook.host;
    h = await startHarness();
    await h.publishPlan('test/plans/run/escalation-drill.yaml');
  });
  afterAll(async () => {
    delete process.env.YINGJI_WEBHOOK_ALLOW_HOSTS;
    await h?.close();
    await hook?.close();
  });

  it('escalates an overdue task along the chain, notifies each level, and stops when it is done', async () => {
    const commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    const dba: As = await h.as('liu-yang', ['responder'], ['dba']);
    const finance: As = await h.as('wu-gang', ['responder'], ['finance']);
    const id = (await commander.post('/incidents', { planId: 'escalation-drill' }).expect(201)).body.incident.id;

    const quick = await openTask(finance, id);
    await finance.post(`/tasks/${quick.id}/complete`, {}).expect(200);
    const slow = await openTask(dba, id);

    // 2 s deadline, then owner-lead at once and the commander 3 s later.
    const escalations = await eventually(
      'two escalations',
      async () => {
        const d = (await commander.get(`/incidents/${id}`).expect(200)).body;
        const e = d.timeline.filter((x: { kind: string }) => x.kind === 'task.escalated');
        return e.length >= 2 ? e : undefined;
      },
      20_000,
    );
    await dba.post(`/tasks/${slow.id}/complete`, { outcome: 'late but done' }).expect(200);

    expect(escalations.map((e: { taskId: string }) => e.taskId)).toEqual([slow.id, slow.id]);
    expect(escalations[0].data.notified).toEqual(['chen-jing']); // the dba team's lead
    expect(escalations[1].data.notified).toEqual(['zhang-wei', 'li-na']); // the commanders
    const deadline = Date.parse(slow.deadlineAt as unknown as string);
    expect(Date.parse(escalations[0].at)).toBeGreaterThanOrEqual(deadline);
    expect(Date.parse(escalations[1].at) - Date.parse(escalations[0].at)).toBeGreaterThanOrEqual(3000);

    const closed = await reviewAndClose(commander, id);
    // Completing the task stopped the chain: no third (management) escalation, none for the quick task.
    expect(closed.timeline.filter((x: { kind: string }) => x.kind === 'task.escalated')).toHaveLength(2);
    const rows = Object.fromEntries(closed.tasks.map((t: { stepId: string; escalations: number }) => [t.stepId, t.escalations]));
    expect(rows).toMatchObject({ 'slow-task': 2, 'quick-task': 0 });

    // Each escalation reached the webhook once, with who was told.
    const hooks = received().filter((r) => String(r.reason).startsWith('escalation:'));
    expect(hooks.map((r) => r.reason)).toEqual(['escalation:slow-task:0', 'escalation:slow-task:1']);
    expect(hooks[1].recipients).toEqual(expect.arrayContaining([expect.objectContaining({ person: 'zhang-wei' })]));
    const delivered = closed.notifications.filter((n: { reason: string; status: string }) => n.reason.startsWith('escalation:') && n.status === 'delivered');
    expect(delivered).toHaveLength(2);
  });
});
