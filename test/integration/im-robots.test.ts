// IM robots against the local robot server (apps/im-robots, run as its own process) and a real
// PostgreSQL: DingTalk and Feishu messages signed with the right secret are delivered and kept, a
// wrong secret is refused by the server (and kept as a refusal), fails at once without a retry and
// is recorded `failed` with the robot's code; a WeCom key the server does not know likewise. Many
// notices to one robot all arrive, in the order they asked, never more than the limit in a window.
import { ApplicationFailure } from '@temporalio/activity';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deploymentRobotEnv, listRobotMessages, listRobotRefusals, robotServerEnv, robotsForRun, robotUrl } from '../../apps/im-robots/src';
import { imList } from '../../apps/cli/src/im-commands';
import { createRecordActivities } from '../../activities/records/records.activities';
import { createNotifyActivities, NotificationRequest, NotifyActivities } from '../../activities/notify/notify.activities';
import { createPgRobotPace } from '../../activities/notify/robots/pace';
import { pacedRobotChannels } from '../../activities/notify/webhook';
import { freePort } from '../../scripts/stack/ports';
import { eventually, Harness, startHarness } from './support/harness';
import { runMain } from './support/ts-process';

const AT = '2026-11-23T08:00:00.000Z';
const INCIDENT = 'inc-robots';
const ALLOW_LOOPBACK = { allowHosts: ['127.0.0.1'], strict: false };
const ROBOTS = {
  dingtalk: { kind: 'dingtalk' as const, token: 'dt-token-7f3a', secret: 'SECdingtalk-right-secret' },
  feishu: { kind: 'feishu' as const, token: 'fs-token-91c2', secret: 'feishu-right-secret' },
  wecom: { kind: 'wecom' as const, token: 'wc-key-5d0e' },
};
// The worker's variables a plan names in `secretEnv`.
const VARIABLES = {
  YINGJI_PLAN_TEST_DINGTALK_SECRET: ROBOTS.dingtalk.secret,
  YINGJI_PLAN_TEST_FEISHU_SECRET: ROBOTS.feishu.secret,
  YINGJI_PLAN_TEST_WRONG_SECRET: 'SECnot-the-robots-secret',
};

describe('IM robots: signed, refused, paced', () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-im-')), 'im');
  let server: ReturnType<typeof runMain>;
  let base: string;
  let h: Harness;
  let notify: NotifyActivities;

  function request(id: string, channel: string, channelConfig: Record<string, unknown>): NotificationRequest {
    return {
      id,
      incidentId: INCIDENT,
      stepId: 'tell-finance',
      reason: 'step',
      channel,
      channelConfig,
      audience: ['finance'],
      recipients: [{ person: 'li.na', name: '李娜' }],
      message: `发票库故障 ${id}`,
      drill: false,
      at: AT,
    };
  }
  const row = async (id: string) => (await h.db.query(`SELECT status, attempts, detail FROM notifications WHERE id = $1`, [id]))[0];
  const kept = (id: string) => listRobotMessages(dir).filter((m) => m.idempotencyKey === id);

  /** Sends, expects a non-retryable refusal, then records it failed as the workflow does when it gives up. */
  async function refusedAndFailed(req: NotificationRequest): Promise<string> {
    const err = await notify.sendNotification(req).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    await notify.recordNotificationFailed(req, (err as Error).message);
    return (err as Error).message;
  }

  beforeAll(async () => {
    const port = await freePort();
    server = runMain('apps/im-robots/src/main.ts', {
      YINGJI_IM_ROBOTS_PORT: String(port),
      YINGJI_IM_ROBOTS_DIR: dir,
      YINGJI_IM_ROBOT_DINGTALK_TOKEN: ROBOTS.dingtalk.token,
      YINGJI_IM_ROBOT_DINGTALK_SECRET: ROBOTS.dingtalk.secret,
      YINGJI_IM_ROBOT_FEISHU_TOKEN: ROBOTS.feishu.token,
      YINGJI_IM_ROBOT_FEISHU_SECRET: ROBOTS.feishu.secret,
      YINGJI_IM_ROBOT_WECOM_KEY: ROBOTS.wecom.token,
    });
    base = `http://127.0.0.1:${port}`;
    // The worker's settings: the secrets, the robots' URLs for the workflow test's plan, and loopback allowed for this server.
    Object.assign(process.env, VARIABLES, {
      YINGJI_PLAN_TEST_DINGTALK_URL: robotUrl(base, ROBOTS.dingtalk),
      YINGJI_PLAN_TEST_FEISHU_URL: robotUrl(base, ROBOTS.feishu),
      YINGJI_WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${port}`,
    });
    h = await startHarness();
    await eventually('the robot server listening', async () => (server.output().includes('im-robots: listening') || server.child.exitCode !== null ? true : undefined), 60_000);
    expect(server.output()).toContain(`im-robots: listening on http://127.0.0.1:${port} (dingtalk, feishu, wecom), keeping messages in ${dir}`);
    await h.publishPlan('hello-drill.yaml');
    await h.publishPlan('test/plans/run/robot-notices.yaml');
    await createRecordActivities(h.db).recordIncidentOpened({
      incidentId: INCIDENT, planId: 'hello-drill', planVersion: 1, title: 'robots test', mode: 'live', facts: {}, launchedBy: 'test', at: AT,
    });
    notify = createNotifyActivities(h.db, { egress: ALLOW_LOOPBACK });
  });
  afterAll(async () => {
    for (const k of [...Object.keys(VARIABLES), 'YINGJI_PLAN_TEST_DINGTALK_URL', 'YINGJI_PLAN_TEST_FEISHU_URL', 'YINGJI_WEBHOOK_ALLOW_HOSTS']) delete process.env[k];
    server?.child.kill('SIGTERM');
    if (server) expect(await server.exited).toBe(0);
    await h?.close();
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('DingTalk: the right secret is delivered; a wrong one is refused by the robot and recorded failed at once', async () => {
    const url = robotUrl(base, ROBOTS.dingtalk);
    const ok = await notify.sendNotification(request('dt-right', 'dingtalk', { url, secretEnv: 'YINGJI_PLAN_TEST_DINGTALK_SECRET' }));
    expect(ok).toMatchObject({ status: 'delivered', attempts: 1, detail: expect.stringMatching(/^HTTP 200 from 127\.0\.0\.1:\d+ \(dingtalk\)$/) });
    expect(kept('dt-right')).toEqual([expect.objectContaining({ kind: 'dingtalk', robot: 'dingtalk', text: '发票库故障 dt-right' })]);

    const wrong = request('dt-wrong', 'dingtalk', { url, secretEnv: 'YINGJI_PLAN_TEST_WRONG_SECRET' });
    const message = await refusedAndFailed(wrong);
    expect(message).toMatch(/^dingtalk to 127\.0\.0\.1:\d+ refused the message: code 310000 \(.*check the secret\)$/);
    expect(await row('dt-wrong')).toMatchObject({ status: 'failed', attempts: 1, detail: message });
    expect(kept('dt-wrong')).toEqual([]);
    expect(listRobotRefusals(dir)).toContainEqual(expect.objectContaining({ kind: 'dingtalk', robot: 'dingtalk', code: 310000, why: 'sign not match' }));
  });

  it('Feishu: the right secret is delivered; a wrong one is refused (19021) and recorded failed at once', async () => {
    const url = robotUrl(base, ROBOTS.feishu);
    expect(await notify.sendNotification(request('fs-right', 'feishu', { url, secretEnv: 'YINGJI_PLAN_TEST_FEISHU_SECRET' }))).toMatchObject({ status: 'delivered' });
    expect(kept('fs-right')).toEqual([expect.objectContaining({ kind: 'feishu', robot: 'feishu', text: '发票库故障 fs-right' })]);

    // A Feishu robot with signing on refuses an unsigned message too.
    for (const [id, config] of [
      ['fs-wrong', { url, secretEnv: 'YINGJI_PLAN_TEST_WRONG_SECRET' }],
      ['fs-unsigned', { url }],
    ] as const) {
      const message = await refusedAndFailed(request(id, 'feishu', config));
      expect(message).toMatch(/refused the message: code 19021 \(/);
      expect(await row(id)).toMatchObject({ status: 'failed', detail: message });
      expect(kept(id)).toEqual([]);
    }
    expect(listRobotRefusals(dir).filter((r) => r.kind === 'feishu' && r.code === 19021)).toHaveLength(2);
  });

  it('WeCom: its key delivers; a key the robot does not know is refused (93000) and recorded failed', async () => {
    expect(await notify.sendNotification(request('wc-right', 'wecom', { url: robotUrl(base, ROBOTS.wecom) }))).toMatchObject({ status: 'delivered' });
    expect(kept('wc-right')).toEqual([expect.objectContaining({ kind: 'wecom', robot: 'wecom' })]);
    const message = await refusedAndFailed(request('wc-unknown', 'wecom', { url: robotUrl(base, { kind: 'wecom', token: 'no-such-key' }) }));
    expect(message).toMatch(/refused the message: code 93000 \(the webhook key is not known/);
    expect(await row('wc-unknown')).toMatchObject({ status: 'failed' });
    expect(listRobotRefusals(dir)).toContainEqual(expect.objectContaining({ kind: 'wecom', code: 93000 }));
    expect(listRobotRefusals(dir).find((r) => r.kind === 'wecom')).not.toHaveProperty('robot');
  });

  it('a secret variable not set on the worker makes the robot unavailable, naming the variable', async () => {
    const r = await notify.sendNotification(request('dt-unset', 'dingtalk', { url: robotUrl(base, ROBOTS.dingtalk), secretEnv: 'YINGJI_PLAN_TEST_NOT_SET' }));
    expect(r).toMatchObject({ status: 'unavailable', detail: "the robot's secret is not set: YINGJI_PLAN_TEST_NOT_SET is empty on the worker (notify.channels.dingtalk.secretEnv)" });
  });

  it("a plan naming a robot without a url sends to the deployment's own robot (yingji up's local one), loopback allowed", async () => {
    const strict = createNotifyActivities(h.db, { egress: { allowHosts: [], strict: false } });
    const req = request('dt-deployment', 'dingtalk', {});
    expect(await strict.sendNotification(req)).toMatchObject({ status: 'unavailable', detail: "no url configured (notify.channels.dingtalk.url or the deployment's YINGJI_DINGTALK_URL)" });
    Object.assign(process.env, { YINGJI_DINGTALK_URL: robotUrl(base, ROBOTS.dingtalk), YINGJI_DINGTALK_SECRET: ROBOTS.dingtalk.secret });
    try {
      expect(await strict.sendNotification(request('dt-deployment-2', 'dingtalk', {}))).toMatchObject({ status: 'delivered' });
      expect(kept('dt-deployment-2')).toHaveLength(1);
      // A url in the plan still wins, and still has to be allowed.
      expect(await strict.sendNotification(request('dt-plan-url', 'dingtalk', { url: robotUrl(base, ROBOTS.dingtalk) }))).toMatchObject({ status: 'refused' });
    } finally {
      delete process.env.YINGJI_DINGTALK_URL;
      delete process.env.YINGJI_DINGTALK_SECRET;
    }
  });

  it('the robots `yingji up` makes for a run: the server and the worker get the same tokens and secrets, and `yingji im list` shows what arrived', async () => {
    const runDir = path.join(path.dirname(dir), 'run-im');
    const port = await freePort();
    const robots = robotsForRun();
    const run = runMain('apps/im-robots/src/main.ts', { YINGJI_IM_ROBOTS_PORT: String(port), YINGJI_IM_ROBOTS_DIR: runDir, ...robotServerEnv(robots) });
    const worker = deploymentRobotEnv(`http://127.0.0.1:${port}`, robots);
    try {
      await eventually('the run robot server listening', async () => (run.output().includes('im-robots: listening') || run.child.exitCode !== null ? true : undefined), 60_000);
      Object.assign(process.env, worker);
      const strict = createNotifyActivities(h.db, { egress: { allowHosts: [], strict: false } });
      for (const channel of ['dingtalk', 'feishu', 'wecom']) expect(await strict.sendNotification(request(`run-${channel}`, channel, {}))).toMatchObject({ status: 'delivered' });
      const lines: string[] = [];
      expect(imList(runDir, (l) => lines.push(l))).toBe(3);
      expect(lines).toEqual(['dingtalk', 'feishu', 'wecom'].map((k) => expect.stringMatching(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z {2}${k}:${k} {2}发票库故障 run-${k}$`))));
      const refused: string[] = [];
      expect(imList(runDir, (l) => refused.push(l), { refused: true })).toBe(0);
      expect(run.output() + lines.join('\n')).not.toContain(robots[0].secret!);
    } finally {
      for (const k of Object.keys(worker)) delete process.env[k];
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
  });

  it('through a real incident: the notify step reaches the DingTalk robot, and the Feishu robot with the wrong secret is failed after one attempt', async () => {
    const commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    const id = (await commander.post('/incidents', { planId: 'robot-notices' }).expect(201)).body.incident.id;
    const rows = await eventually('both robot notices settled', async () => {
      const r: Array<{ channel: string; status: string; attempts: number; detail: string }> = await h.db.query(
        `SELECT channel, status, attempts, detail FROM notifications WHERE incident_id = $1 AND step_id = 'tell-finance' ORDER BY channel`,
        [id],
      );
      return r.length === 2 && r.every((n) => n.status !== 'pending') ? r : undefined;
    });
    expect(rows).toEqual([
      expect.objectContaining({ channel: 'dingtalk', status: 'delivered', attempts: 1 }),
      expect.objectContaining({ channel: 'feishu', status: 'failed', attempts: 1, detail: expect.stringContaining('refused the message: code 19021') }),
    ]);
    expect(listRobotMessages(dir).filter((m) => m.text === '发票库故障 Invoice database down').map((m) => m.kind)).toEqual(['dingtalk']);
    // The published plan keeps the variable's name, never the secret.
    const plan = JSON.stringify(await h.db.query(`SELECT parsed, source_text FROM plan_versions WHERE plan_id = 'robot-notices'`));
    expect(plan).toContain('YINGJI_PLAN_TEST_WRONG_SECRET');
    expect(plan).not.toContain(VARIABLES.YINGJI_PLAN_TEST_WRONG_SECRET);
  });

  it('keeps tokens and secrets out of every record and of what the server kept', async () => {
    const stored =
      JSON.stringify(await h.db.query(`SELECT * FROM notifications`)) +
      JSON.stringify(await h.db.query(`SELECT * FROM timeline_entries`)) +
      JSON.stringify(await h.db.query(`SELECT * FROM audit_entries`)) +
      fs.readFileSync(path.join(dir, 'messages.jsonl'), 'utf8') +
      fs.readFileSync(path.join(dir, 'refusals.jsonl'), 'utf8') +
      server.output();
    for (const s of [...Object.values(ROBOTS).map((r) => r.token), ...Object.values(VARIABLES)]) expect(stored).not.toContain(s);
  });

  it('25 notices to one robot from two workers all arrive, in the order asked, never more than 20 in a window', async () => {
    const windowMs = 2_000;
    // Two paces on their own pools: two workers sharing the robot's limit through PostgreSQL.
    const paces = [createPgRobotPace(h.db, { windowMs, pollMs: 50 }), createPgRobotPace(h.db, { windowMs, pollMs: 50 })];
    const channels = paces.map((pace) => pacedRobotChannels(pace)('dingtalk')!);
    const config = { url: robotUrl(base, ROBOTS.dingtalk), secretEnv: 'YINGJI_PLAN_TEST_DINGTALK_SECRET' };
    const ids = Array.from({ length: 25 }, (_, i) => `pace-${String(i).padStart(2, '0')}`);
    const queued = async () => Number((await h.db.query(`SELECT last_value, is_called FROM robot_sends_id_seq`)).map((r: { last_value: string; is_called: boolean }) => (r.is_called ? r.last_value : 0))[0]);
    const before = await queued();
    try {
      const sends: Array<Promise<unknown>> = [];
      for (const [i, id] of ids.entries()) {
        const n = { id, incidentId: INCIDENT, reason: 'step', audience: ['finance'], recipients: [], message: id, drill: false, at: AT };
        sends.push(channels[i % 2].deliver(n, config, ALLOW_LOOPBACK));
        // Each asks once the one before is in the queue, so "the order asked" is known.
        while ((await queued()) <= before + i) await new Promise((r) => setTimeout(r, 5));
      }
      await Promise.all(sends);
    } finally {
      await Promise.all(paces.map((p) => p.close()));
    }

    const arrived = listRobotMessages(dir).filter((m) => m.idempotencyKey?.startsWith('pace-'));
    expect(arrived.map((m) => m.idempotencyKey).sort()).toEqual(ids);
    // The 5 that had to wait for room are the 5 that asked last.
    expect(arrived.slice(20).map((m) => m.idempotencyKey).sort()).toEqual(ids.slice(20));
    const at = arrived.map((m) => Date.parse(m.receivedAt)).sort((a, b) => a - b);
    for (let k = 0; k + 20 < at.length; k++) expect(at[k + 20] - at[k]).toBeGreaterThanOrEqual(windowMs);
  });
});
