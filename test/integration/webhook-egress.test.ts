// Issue 11, finding 3: a plan's webhook URL may not make the worker call inside the network, and
// what a far side answers never reaches the incident beyond its status. A real incident runs a plan
// whose notify step names the local PostgreSQL port, an unlisted loopback receiver (by address and
// by the name `localhost`), an allowed receiver that redirects inside, and an allowed receiver that
// answers 500 with a secret-looking body.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PlansService } from '../../apps/api/src/plans/plans.service';
import { createNotifyActivities, NotificationRequest } from '../../activities/notify/notify.activities';
import { createWebhookChannel } from '../../activities/notify/webhook';
import { As, eventually, Harness, startHarness } from './support/harness';
import { testStackEnv } from './support/test-stack';

const SECRET_BODY = 'FATAL: password authentication failed, password=hunter2-SECRET-BODY-7731';

interface Receiver {
  server: Server;
  port: number;
  /** Paths of every request that reached it. */
  hits: string[];
}

function startReceiver(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<Receiver> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '/');
    req.resume();
    req.on('end', () => answer(req, res));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, hits })));
}

function planYaml(urls: Record<string, string>): string {
  return `apiVersion: yingji/v1
kind: EmergencyPlan
id: egress-drill
version: 1
title: 外呼测试 Webhook egress test
owner: it-ops
levels:
  - level: IV
    when: { always: true }
roles:
  commander: { team: it-ops, role: commander }
steps:
  - id: tell-everyone
    type: notify
    to: [commander]
    channels: [webhook, wecom, dingtalk, slack, feishu]
    message: "webhook egress test, level {level}"
notify:
  channels:
${Object.entries(urls)
  .map(([channel, url]) => `    ${channel}: { url: "${url}" }`)
  .join('\n')}
`;
}

describe('webhook destinations (issue 11, finding 3)', () => {
  let h: Harness;
  let commander: As;
  let incidentId: string;
  let inside: Receiver;
  let failing: Receiver;
  let redirecting: Receiver;
  let hanging: Receiver;
  const pgPort = Number(new URL(testStackEnv().pgAdminUrl).port);

  beforeAll(async () => {
    inside = await startReceiver((_req, res) => res.writeHead(200).end('{"errcode":0,"inside":"INSIDE-ANSWER"}'));
    failing = await startReceiver((_req, res) => {
      res.statusMessage = 'SECRET-STATUS-TEXT';
      res.writeHead(500, { 'content-type': 'text/plain' }).end(SECRET_BODY);
    });
    redirecting = await startReceiver((_req, res) => res.writeHead(307, { location: `http://127.0.0.1:${inside.port}/redirected` }).end());
    hanging = await startReceiver(() => undefined);
    // The deployment allows two loopback receivers by port, nothing else on loopback.
    process.env.YINGJI_WEBHOOK_ALLOW_HOSTS = `127.0.0.1:${failing.port}, 127.0.0.1:${redirecting.port}`;
    delete process.env.YINGJI_WEBHOOK_URL;
    delete process.env.YINGJI_WEBHOOK_STRICT;
    h = await startHarness();
    const plan = planYaml({
      webhook: `http://127.0.0.1:${pgPort}/`,
      wecom: `http://127.0.0.1:${inside.port}/by-address`,
      dingtalk: `http://localhost:${inside.port}/by-name`,
      slack: `http://127.0.0.1:${redirecting.port}/hook`,
      feishu: `http://127.0.0.1:${failing.port}/hook`,
    });
    await h.app.get(PlansService).publish(plan, 'egress-drill.yaml', 'test');
    commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    incidentId = (await commander.post('/incidents', { planId: 'egress-drill' }).expect(201)).body.incident.id;
  });
  afterAll(async () => {
    await h?.close();
    delete process.env.YINGJI_WEBHOOK_ALLOW_HOSTS;
    for (const r of [inside, failing, redirecting, hanging]) {
      r?.server.closeAllConnections();
      await new Promise((done) => r?.server.close(done));
    }
  });

  type NotificationView = { id: string; channel: string; status: string; detail: string | null };
  /** The incident's notifications as its commander reads them, once `channel`'s has settled. */
  const settled = (channel: string, timeoutMs = 30_000) =>
    eventually(
      `the ${channel} notification of ${incidentId} to settle`,
      async () => {
        const d = (await commander.get(`/incidents/${incidentId}`).expect(200)).body as { notifications: NotificationView[] };
        const n = d.notifications.find((x) => x.channel === channel);
        return n && n.status !== 'pending' ? n : undefined;
      },
      timeoutMs,
    );
  const timelineOf = async (channel: string) => {
    const d = (await commander.get(`/incidents/${incidentId}`).expect(200)).body as { timeline: Array<{ kind: string; message: string }> };
    return d.timeline.filter((e) => e.kind.startsWith('notification.') && e.message.startsWith(`${channel} `));
  };

  it('refuses a webhook to the local PostgreSQL port, saying why in the incident', async () => {
    const n = await settled('webhook');
    expect(n).toMatchObject({ status: 'refused', detail: 'refused: 127.0.0.1 is a loopback address not in YINGJI_WEBHOOK_ALLOW_HOSTS' });
    expect(await timelineOf('webhook')).toEqual([
      expect.objectContaining({ kind: 'notification.refused', message: 'webhook notification not sent: refused: 127.0.0.1 is a loopback address not in YINGJI_WEBHOOK_ALLOW_HOSTS' }),
    ]);
    // Refused once, never retried.
    const [row] = await h.db.query(`SELECT attempts FROM notifications WHERE id = $1`, [n.id]);
    expect(row.attempts).toBe(1);
  });

  it('refuses an unlisted loopback receiver, by address and by a name that resolves to it, and sends it nothing', async () => {
    expect(await settled('wecom')).toMatchObject({ status: 'refused', detail: 'refused: 127.0.0.1 is a loopback address not in YINGJI_WEBHOOK_ALLOW_HOSTS' });
    expect(await settled('dingtalk')).toMatchObject({
      status: 'refused',
      detail: expect.stringMatching(/^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address not in YINGJI_WEBHOOK_ALLOW_HOSTS$/),
    });
    expect(inside.hits).toEqual([]);
  });

  it('refuses a redirect from an allowed receiver to an address that is not allowed, and never follows it', async () => {
    const n = await settled('slack');
    expect(n).toMatchObject({
      status: 'refused',
      detail: `refused: slack to 127.0.0.1:${redirecting.port} answered HTTP 307, a redirect; redirects are not followed (put the final address in notify.channels.slack.url)`,
    });
    expect(redirecting.hits).toEqual(['/hook']);
    expect(inside.hits).toEqual([]);
  });

  it('keeps only the status of a failing receiver: its body is in no API answer and no database row', async () => {
    // Five attempts with back-off (the workflow's retry policy), then the workflow records the failure.
    const n = await settled('feishu', 120_000);
    expect(n).toMatchObject({ status: 'failed', detail: `feishu to 127.0.0.1:${failing.port} answered HTTP 500` });
    expect(failing.hits.length).toBeGreaterThanOrEqual(2);

    const leaks = (text: string) => ['SECRET-BODY', 'hunter2', 'SECRET-STATUS-TEXT', 'INSIDE-ANSWER'].filter((s) => text.includes(s));
    expect(leaks(JSON.stringify((await commander.get(`/incidents/${incidentId}`).expect(200)).body))).toEqual([]);
    expect(leaks(JSON.stringify((await commander.get(`/incidents`).expect(200)).body))).toEqual([]);
    const tables: Array<{ table_name: string }> = await h.db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
    for (const { table_name } of tables) {
      const rows: Array<{ r: string }> = await h.db.query(`SELECT t::text AS r FROM "${table_name}" t`);
      expect({ table: table_name, leaks: leaks(rows.map((x) => x.r).join('\n')) }).toEqual({ table: table_name, leaks: [] });
    }
  });

  describe('one delivery, called directly', () => {
    const request = (id: string, channelConfig: Record<string, unknown>): NotificationRequest => ({
      id,
      incidentId,
      reason: 'step',
      channel: 'webhook',
      channelConfig,
      audience: ['commander'],
      recipients: [{ person: 'zhang-wei' }],
      message: 'egress test',
      drill: false,
      at: new Date().toISOString(),
    });

    it('sends to localhost once the deployment lists it', async () => {
      const notify = createNotifyActivities(h.db, { egress: { allowHosts: ['localhost'], strict: false } });
      expect(await notify.sendNotification(request('egress-localhost-allowed', { url: `http://localhost:${inside.port}/allowed-by-name` }))).toMatchObject({ status: 'delivered' });
      expect(inside.hits).toEqual(['/allowed-by-name']);
    });

    it('connects to the address it checked, not to what the name says the second time', async () => {
      // The name is unknown to the system's resolver: only the checked address can have been used.
      const channel = createWebhookChannel({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
      const n = { id: 'egress-pinned', reason: 'step', audience: [], recipients: [], message: 'pinned', drill: false, at: new Date().toISOString() };
      await expect(channel.deliver(n, { url: `http://rebinding.invalid:${inside.port}/pinned` }, { allowHosts: [`127.0.0.1:${inside.port}`], strict: false })).resolves.toEqual({
        detail: `HTTP 200 from rebinding.invalid:${inside.port} (generic)`,
      });
      expect(inside.hits).toContain('/pinned');
    });

    it('gives up on a receiver that never answers within the attempt timeout, and records why', async () => {
      const notify = createNotifyActivities(h.db, { egress: { allowHosts: [`127.0.0.1:${hanging.port}`], strict: false } });
      const req = request('egress-hang', { url: `http://127.0.0.1:${hanging.port}/hook` });
      await expect(notify.sendNotification(req)).rejects.toThrow(`webhook to 127.0.0.1:${hanging.port} timed out after 5 s`);
      const [row] = await h.db.query(`SELECT status, attempts, detail FROM notifications WHERE id = 'egress-hang'`);
      expect(row).toEqual({ status: 'pending', attempts: 1, detail: `webhook to 127.0.0.1:${hanging.port} timed out after 5 s` });
      expect(hanging.hits).toEqual(['/hook']);
    });
  });
});
