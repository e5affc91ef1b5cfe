// Reaching people through a real workflow, a real SMTP server and the local SMS gateway: a task's
// owners get a notice by email with a link to acknowledge it; when the mail server refuses our login
// the notice is recorded failed with the server's reply and the person gets an SMS instead; a
// notice to someone with no email and no mobile does not pass silently: the commander is asked.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { verifyAckToken } from '../../domain/acknowledgement/ack-link';
import { listSms, RunningSmsGateway, startSmsGateway } from '../../apps/sms-gateway/src';
import { As, eventually, Harness, openTask, reviewAndClose, startHarness } from './support/harness';
import { recordHistory } from './support/histories';
import { Inbox, startSmtp } from './support/smtp-inbox';

const SECRET = 'reach-people-ack-secret-0123456789abcdef';
const KEY = { accessKeyId: 'LTAIreach', accessKeySecret: 'reach-s3cret' };
const TEMPLATE = 'SMS_YINGJI_NOTICE';
const DIRECTORY = `apiVersion: yingji/v1
kind: TeamDirectory
people:
  zhang-wei: { name: 张伟 Zhang Wei, contacts: { email: zhang.wei@example.com, sms: "13800138001" } }
  li-na: { name: 李娜 Li Na, contacts: { email: li.na@example.com, sms: "13800138002" } }
  wang-qiang: { name: 王强 Wang Qiang, contacts: { wecom: wangqiang } }
teams:
  it-ops: { title: IT ops, lead: zhang-wei, members: [zhang-wei], roles: { commander: [zhang-wei] } }
  finance: { title: Finance, lead: li-na, members: [li-na] }
  legal: { title: Legal, lead: wang-qiang, members: [wang-qiang] }
`;

const saved = { ...process.env };
let h: Harness;
let dir: string;
let smtp: Inbox;
let sms: RunningSmsGateway;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-reach-'));
  fs.writeFileSync(path.join(dir, 'teams.yaml'), DIRECTORY);
  smtp = await startSmtp({ login: { user: 'yingji', pass: 'right-pass' } });
  sms = await startSmsGateway({ host: '127.0.0.1', port: 0, dir: path.join(dir, 'sms'), ...KEY, templateCode: TEMPLATE });
  Object.assign(process.env, {
    YINGJI_DIRECTORY: path.join(dir, 'teams.yaml'),
    YINGJI_ACK_SECRET: SECRET,
    YINGJI_SMTP_URL: smtp.url,
    YINGJI_SMTP_FROM: '应急 Yingji <yingji@ops.example.com>',
    YINGJI_SMS_URL: sms.url,
    YINGJI_SMS_ACCESS_KEY_ID: KEY.accessKeyId,
    YINGJI_SMS_ACCESS_KEY_SECRET: KEY.accessKeySecret,
    YINGJI_SMS_SIGN_NAME: '应急Yingji',
    YINGJI_SMS_TEMPLATE_CODE: TEMPLATE,
  });
  h = await startHarness();
  process.env.YINGJI_PUBLIC_URL = h.baseUrl; // the worker builds links at send time
  await h.publishPlan('test/plans/run/reach-people.yaml');
});

afterAll(async () => {
  await h?.close();
  await smtp?.close();
  await sms?.stop();
  process.env = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('task notice with a link by email; a refused login falls back to SMS; nobody left out silently', async () => {
  const commander: As = await h.as('zhang-wei', ['commander'], ['it-ops']);
  const finance: As = await h.as('li-na', ['responder'], ['finance']);
  const id = (await commander.post('/incidents', { planId: 'reach-people', facts: {} }).expect(201)).body.incident.id as string;

  // 1. The task's owner gets it by email, bilingual, with a signed link for her and this task.
  const task = await openTask(finance, id, (t) => t.stepId === 'check-ledger');
  const mail = await eventually('the task notice at the SMTP server', async () => smtp.received.find((m) => m.mail.subject?.includes('任务分派 Task assigned')));
  expect(mail.rcpt).toEqual(['li.na@example.com']);
  expect(mail.user).toBe('yingji');
  expect(mail.mail.text).toContain('核对台账 Check the ledger');
  const link = /确认收到（单次有效）Acknowledge \(single use\): (\S+)/.exec(mail.mail.text ?? '')?.[1];
  expect(link).toMatch(new RegExp(`^${h.baseUrl}/ack/`));
  expect(mail.mail.html).toContain(link!.replace(/&/g, '&amp;'));
  expect(verifyAckToken(link!.split('/ack/')[1], SECRET, new Date())).toMatchObject({ incidentId: id, taskId: task.id, person: 'li-na' });
  // The copy is recorded per person, with the link it carried.
  const copy = await eventually('her copy recorded', async () => {
    const rows = await h.db.query(`SELECT d.person, d.status, d.ack_link_id FROM deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.incident_id = $1 AND n.reason = 'task:check-ledger'`, [id]);
    return rows[0]?.status === 'pending' ? undefined : rows[0];
  });
  expect(copy).toMatchObject({ person: 'li-na', status: 'sent', ack_link_id: expect.any(String) });
  const page = await fetch(link!);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('Check the ledger');

  // 2. The mail server now refuses our login: the notice to finance is failed with its reply, and she gets an SMS.
  process.env.YINGJI_SMTP_URL = smtp.url.replace('right-pass', 'wrong-pass');
  const before = smtp.received.length;
  await finance.post(`/tasks/${task.id}/complete`, { outcome: 'checked' }).expect(200);
  const failed = await eventually('the email to finance recorded failed', async () => {
    const rows = await h.db.query(`SELECT status, detail FROM notifications WHERE incident_id = $1 AND reason = 'step:tell-finance' AND channel = 'email'`, [id]);
    return rows[0]?.status === 'failed' ? rows[0] : undefined;
  });
  expect(failed.detail).toMatch(/535/);
  expect(failed.detail).not.toContain('wrong-pass');
  const text = await eventually('the SMS to finance', async () => listSms(path.join(dir, 'sms')).find((m) => m.phoneNumbers[0] === '13800138002'));
  expect(text.templateParam.content).toContain('台账已核对');
  // (The gateway has the text a moment before the notice's row is settled.)
  const fallback = await eventually('the SMS fallback recorded', async () => {
    const rows = await h.db.query(`SELECT status FROM notifications WHERE incident_id = $1 AND reason = 'step:tell-finance' AND channel = 'sms'`, [id]);
    return rows[0]?.status === 'pending' ? undefined : rows[0];
  });
  expect(fallback).toEqual({ status: 'delivered' });
  expect(smtp.received.length).toBe(before);
  // The incident shows each copy: hers by email failed with the server's answer, then sent by SMS.
  const notices = (await commander.get(`/incidents/${id}`).expect(200)).body.notifications as Array<{ reason: string; channel: string; deliveries: unknown[] }>;
  const copiesOf = (channel: string) => notices.find((n) => n.reason === 'step:tell-finance' && n.channel === channel)?.deliveries;
  expect(copiesOf('email')).toEqual([expect.objectContaining({ person: 'li-na', address: 'li.na@example.com', status: 'failed', detail: expect.stringMatching(/535/) })]);
  expect(copiesOf('sms')).toEqual([expect.objectContaining({ person: 'li-na', address: '13800138002', status: 'sent', attempts: 1 })]);

  // 3. Legal's only person has neither email nor mobile: the step fails loudly and the commander is asked to tell them.
  const byHand = await openTask(commander, id, (t) => t.stepId === 'tell-legal');
  expect(byHand.state).toBe('failed');
  expect(byHand.failure).toMatch(/王强 Wang Qiang \(legal\).*no email or sms address/);
  const detail = (await commander.get(`/incidents/${id}`).expect(200)).body;
  expect(detail.steps.find((s: { stepId: string }) => s.stepId === 'tell-legal')).toMatchObject({ state: 'failed' });
  await commander.post(`/tasks/${byHand.id}/complete`, { outcome: 'told by hand', note: 'phoned 王强' }).expect(200);
  const closed = await reviewAndClose(commander, id);
  expect(closed.steps.find((s: { stepId: string }) => s.stepId === 'tell-legal')).toMatchObject({ state: 'done' });
  await recordHistory(h, id, 'reach-people');
});
