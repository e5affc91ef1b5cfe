import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ACK_LINK_TTL_MS, AckClaims, ackCodeFor, ackLinkId, signAckToken } from '../../domain/acknowledgement/ack-link';
import { rememberAckCode } from '../../apps/api/src/acknowledgements/acknowledgements.module';
import { RunningSmsGateway, startSmsGateway } from '../../apps/sms-gateway/src';
import { listSms } from '../../apps/sms-gateway/src';
import { PROJECT_ROOT } from '../../apps/shared/config';
import { freePort } from '../../scripts/stack/ports';
import type { AuditRow } from './support/audit';
import { As, eventually, Harness, openTask, reviewAndClose, startHarness } from './support/harness';

// A task notice's SMS carries a six-digit code; the person answers it, the local SMS gateway reports
// the reply to the API's callback as Aliyun's SmsUp (signed with the key secret), and the task is
// acknowledged as that person. A report signed with another secret, or a code that was never sent to
// that number, changes nothing and is audited.
const ACK_SECRET = 'sms-reply-test-ack-secret-0123456789abcdef0123';
const KEY = { accessKeyId: 'LTAIreplytest', accessKeySecret: 'reply-test-key-s3cret' };
const ENV = ['YINGJI_DIRECTORY', 'YINGJI_ACK_SECRET', 'YINGJI_SMS_URL', 'YINGJI_SMS_ACCESS_KEY_ID', 'YINGJI_SMS_ACCESS_KEY_SECRET', 'YINGJI_SMS_SIGN_NAME', 'YINGJI_SMS_TEMPLATE_CODE'];
const PHONE = '13800138001';
const MOBILE = '13700137001';

describe('acknowledging by SMS reply through the gateway', () => {
  let h: Harness;
  let gateway: RunningSmsGateway;
  let impostor: RunningSmsGateway;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-sms-reply-'));

  beforeAll(async () => {
    // The API reads the SMS key pair and the ack secret when it starts; the gateway needs the API's address.
    const port = await freePort();
    // The example directory, with a mobile for liu-yang of the dba team (task notices go to people's own numbers).
    const directory = fs.readFileSync(path.join(PROJECT_ROOT, 'plans', 'teams.example.yaml'), 'utf8').replace('liu.yang@example.com,', `liu.yang@example.com, phone: "+86 ${MOBILE}",`);
    expect(directory).toContain(MOBILE);
    fs.writeFileSync(path.join(dir, 'teams.yaml'), directory);
    Object.assign(process.env, {
      YINGJI_DIRECTORY: path.join(dir, 'teams.yaml'),
      YINGJI_ACK_SECRET: ACK_SECRET,
      YINGJI_SMS_URL: `http://127.0.0.1:${port}`,
      YINGJI_SMS_ACCESS_KEY_ID: KEY.accessKeyId,
      YINGJI_SMS_ACCESS_KEY_SECRET: KEY.accessKeySecret,
      YINGJI_SMS_SIGN_NAME: '应急Yingji',
      YINGJI_SMS_TEMPLATE_CODE: 'SMS_YINGJI_NOTICE',
    });
    h = await startHarness();
    await h.publishPlan('test/plans/run/ack-link.yaml');
    await h.publishPlan('test/plans/run/ack-sms.yaml');
    const replyUrl = `${h.baseUrl}/sms/replies`;
    gateway = await startSmsGateway({ host: '127.0.0.1', port, dir: path.join(dir, 'ok'), ...KEY, templateCode: 'SMS_YINGJI_NOTICE', replyUrl });
    // Same key id, another secret: what a forged report looks like.
    impostor = await startSmsGateway({ host: '127.0.0.1', port: 0, dir: path.join(dir, 'bad'), accessKeyId: KEY.accessKeyId, accessKeySecret: 'not-the-s3cret', templateCode: 'SMS_YINGJI_NOTICE', replyUrl });
  });
  afterAll(async () => {
    for (const k of ENV) delete process.env[k];
    await gateway?.stop();
    await impostor?.stop();
    await h?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A person answers from `phone`: the gateway's answer (with the callback's status and answer inside). */
  const reply = async (g: RunningSmsGateway, phone: string, content: string) => {
    const r = await fetch(`${g.url}/_gateway/replies`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone, content }) });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: r.status, json: async () => (await r.json()) as Record<string, any> };
  };
  const taskState = async (as: As, incidentId: string, id: string) =>
    ((await as.get(`/tasks?incidentId=${incidentId}`).expect(200)).body as Array<{ id: string; state: string; acknowledgedBy?: string }>).find((t) => t.id === id)!;
  const denied = async (): Promise<AuditRow[]> => h.db.query(`SELECT * FROM audit_entries WHERE action = 'task.acknowledge' AND outcome = 'denied' ORDER BY id`);

  it('acknowledges the task whose code the number was sent, once; refuses forged reports and unknown codes', async () => {
    const commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    const dba = await h.as('liu-yang', ['responder'], ['dba']);
    const incidentId = (await commander.post('/incidents', { planId: 'ack-link-test' }).expect(201)).body.incident.id as string;
    const task = await openTask(dba, incidentId, (t) => t.stepId === 'acked-task');
    const other = await openTask(dba, incidentId, (t) => t.stepId === 'silent-task');
    const claims: AckClaims = { id: ackLinkId(`test-notice:${task.id}`, 'liu-yang'), incidentId, taskId: task.id, person: 'liu-yang', expiresAt: new Date(Date.now() + ACK_LINK_TTL_MS).toISOString() };
    const code = ackCodeFor(claims, ACK_SECRET);
    // What the notify activity does when it sends the task notice by SMS.
    await h.db.transaction((em) => rememberAckCode(em, { code, phone: PHONE, claims }));
    const wrongCode = code === '000000' ? '111111' : '000000';

    // A report signed with another secret: refused (the gateway passes on the 401), audited, nothing changes.
    const forged = await reply(impostor, PHONE, code);
    expect(forged.status).toBe(502);
    const forgedBody = await forged.json();
    expect(forgedBody.reportedStatus).toBe(401);
    expect(forgedBody.answer.msg).toContain("signature does not match");
    expect((await taskState(dba, incidentId, task.id)).state).toBe('open');

    // The right gateway, but a code never sent to this number, or the right code from another number.
    for (const [phone, content] of [[PHONE, wrongCode], ['13900139002', code], [PHONE, '收到']]) {
      const r = await reply(gateway, phone, content);
      expect(r.status).toBe(200);
      expect((await r.json()).answer.results[0].outcome).toBe(content === '收到' ? 'no-code' : 'unknown-code');
    }
    expect((await taskState(dba, incidentId, task.id)).state).toBe('open');
    expect((await denied()).map((e) => [e.subject_type, e.detail.reason, e.detail.via])).toEqual([
      ['sms-reply', 'bad-signature', 'sms-reply'],
      ['sms-reply', 'unknown-code', 'sms-reply'],
      ['sms-reply', 'unknown-code', 'sms-reply'],
      ['sms-reply', 'no-code', 'sms-reply'],
    ]);

    // The code from its number (as +86 and with words around it): acknowledged as the person it was sent to.
    const ok = await reply(gateway, `+86${PHONE}`, `确认 ${code} 马上处理`);
    expect(ok.status).toBe(200);
    expect((await ok.json()).answer).toMatchObject({ code: 0, results: [{ outcome: 'acknowledged', taskId: task.id }] });
    expect(await taskState(dba, incidentId, task.id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'liu-yang' });
    expect((await taskState(dba, incidentId, other.id)).state).toBe('open');
    const okEntries: AuditRow[] = await h.db.query(`SELECT * FROM audit_entries WHERE action = 'task.acknowledge' AND subject_id = $1 AND outcome = 'ok'`, [task.id]);
    expect(okEntries.map((e) => e.detail)).toEqual(expect.arrayContaining([expect.objectContaining({ via: 'sms-reply', linkId: claims.id })]));

    // Once: a second reply, and the same notice's link, find it used.
    const again = await reply(gateway, PHONE, code);
    expect((await again.json()).answer.results[0].outcome).toBe('already-used');
    const page = await h.http.get(`/ack/${signAckToken(claims, ACK_SECRET)}`).expect(200);
    expect(page.text).toContain('already used');
    expect(page.text).toContain('Acknowledged by liu-yang through SMS reply');

    for (const t of [task, other]) await dba.post(`/tasks/${t.id}/complete`, {}).expect(200);
    await reviewAndClose(commander, incidentId);
  });

  it("a real task notice by SMS carries the code, and the owner's reply acknowledges the task", async () => {
    const commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    const dba = await h.as('liu-yang', ['responder'], ['dba']);
    const incidentId = (await commander.post('/incidents', { planId: 'ack-sms-test' }).expect(201)).body.incident.id as string;
    const task = await openTask(dba, incidentId, (t) => t.stepId === 'sms-task');
    // The worker's notice, as the gateway kept it: "... 回复<code>确认".
    const text = await eventually('the task notice by SMS to liu-yang', async () => {
      const m = listSms(gateway.dir).find((x) => x.phoneNumbers.includes(MOBILE) && x.templateParam.content.includes('回复'));
      return m?.templateParam.content;
    });
    const code = /回复(\d{6})确认/.exec(text)?.[1];
    expect(code).toMatch(/^\d{6}$/);

    const r = await reply(gateway, MOBILE, code!);
    expect((await r.json()).answer.results).toEqual([{ sequence_id: expect.any(Number), outcome: 'acknowledged', taskId: task.id }]);
    expect(await taskState(dba, incidentId, task.id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'liu-yang' });
    const d = (await commander.get(`/incidents/${incidentId}`).expect(200)).body as { timeline: Array<{ kind: string; actor: string; taskId?: string }> };
    expect(d.timeline).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'task.acknowledged', actor: 'liu-yang', taskId: task.id })]));

    await dba.post(`/tasks/${task.id}/complete`, {}).expect(200);
    await reviewAndClose(commander, incidentId);
  });

  it('refuses a report that is not a list of replies, naming what is wrong', async () => {
    const r = await h.http.post('/sms/replies').send([{ phone_number: PHONE, content: 1 }]).expect(400);
    expect(r.body.msg).toContain('[0].content must be a string');
    const g = await reply(gateway, 'not-a-number', '123456');
    expect(g.status).toBe(400);
    expect((await g.json()).error).toContain('phone must be');
  });
});
