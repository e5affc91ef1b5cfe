import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { ACK_LINK_TTL_MS, AckClaims, ackLinkId, signAckToken } from '../../domain/acknowledgement/ack-link';
import { ackLinkFor } from '../../apps/shared/ack-settings';
import { chromiumMissingMessage, findChromium } from '../../apps/shared/chromium';
import type { AuditRow } from './support/audit';
import { As, eventually, Harness, openTask, reviewAndClose, startHarness } from './support/harness';

// Acknowledge from the message, in a real browser: the signed link opens a page, its button
// acknowledges through the incident's workflow, and the silence escalation stays quiet for that task
// while the task nobody acknowledged escalates.
const SECRET = 'ack-link-test-secret-0123456789abcdef0123456789';

type Timeline = Array<{ kind: string; taskId?: string | null; data?: Record<string, unknown> }>;

describe('acknowledgement links in headless Chromium', () => {
  let h: Harness;
  let browser: Browser;

  beforeAll(async () => {
    const executablePath = findChromium();
    // Fail, do not skip: a missing browser must be noticed (scripts/ensure-chromium.sh installs it).
    if (!executablePath) throw new Error(chromiumMissingMessage());
    // The API reads the secret when it starts; the link's address is the test's API (port 0).
    process.env.YINGJI_ACK_SECRET = SECRET;
    h = await startHarness();
    await h.publishPlan('test/plans/run/ack-link.yaml');
    browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
  });
  afterAll(async () => {
    delete process.env.YINGJI_ACK_SECRET;
    await browser?.close();
    await h?.close();
  });

  const linkFor = (c: AckClaims) => ackLinkFor(c, { secret: SECRET, publicUrl: h.baseUrl });
  const claimsFor = (incidentId: string, taskId: string, person: string, expiresAt = new Date(Date.now() + ACK_LINK_TTL_MS)): AckClaims => ({
    id: ackLinkId(`test-notice:${taskId}`, person),
    incidentId,
    taskId,
    person,
    expiresAt: expiresAt.toISOString(),
  });

  /** Opens a URL in a fresh tab, recording every request the page makes. */
  async function open(url: string): Promise<{ page: Page; status: number; csp?: string; requests: string[] }> {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(`${r.method()} ${r.url()}`));
    const res = await page.goto(url, { waitUntil: 'load' });
    return { page, status: res!.status(), csp: res!.headers()['content-security-policy'], requests };
  }
  const text = (page: Page) => page.evaluate('document.body.innerText') as Promise<string>;

  async function task(as: As, incidentId: string, taskId: string) {
    return ((await as.get(`/tasks?incidentId=${incidentId}`).expect(200)).body as Array<{ id: string; state: string; acknowledgedBy?: string; escalations: number }>).find((t) => t.id === taskId)!;
  }

  it('acknowledges once from the page, stops that escalation, and refuses and audits forged and expired links', async () => {
    const commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    const dba = await h.as('liu-yang', ['responder'], ['dba']);
    const incidentId = (await commander.post('/incidents', { planId: 'ack-link-test' }).expect(201)).body.incident.id as string;
    const acked = await openTask(dba, incidentId, (t) => t.stepId === 'acked-task');
    const silent = await openTask(dba, incidentId, (t) => t.stepId === 'silent-task');
    const ackedClaims = claimsFor(incidentId, acked.id, 'liu-yang');
    const link = linkFor(ackedClaims);

    // Opening the link (as a chat's link preview would) shows the task and changes nothing.
    const shown = await open(link);
    expect(shown.status).toBe(200);
    const before = await text(shown.page);
    expect(before).toContain('从链接确认的任务 A task acknowledged from its link');
    expect(before).toContain('dba');
    expect(before).toContain(incidentId);
    expect(before).toContain('liu-yang');
    expect((await task(dba, incidentId, acked.id)).state).toBe('open');
    // A strict policy, and the page asks for nothing but itself; its style still applies (allowed by hash).
    expect(shown.csp).toMatch(/default-src 'none'/);
    expect(shown.csp).toMatch(/form-action 'self'/);
    expect(shown.requests).toEqual([`GET ${link}`]);
    expect(await shown.page.evaluate(`getComputedStyle(document.querySelector('#acknowledge')).backgroundColor`)).toBe('rgb(47, 111, 179)');
    // The other task's link is only looked at: it stays unacknowledged.
    const silentLink = linkFor(claimsFor(incidentId, silent.id, 'liu-yang'));
    await (await open(silentLink)).page.close();

    // Pressing the button acknowledges, as the link's person.
    await Promise.all([shown.page.waitForNavigation({ waitUntil: 'load' }), shown.page.click('#acknowledge')]);
    expect(await text(shown.page)).toContain('已确认 Acknowledged');
    await shown.page.close();
    expect(await task(dba, incidentId, acked.id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'liu-yang' });
    const okEntries: AuditRow[] = await h.db.query(`SELECT * FROM audit_entries WHERE action = 'task.acknowledge' AND subject_id = $1 AND outcome = 'ok'`, [acked.id]);
    expect(okEntries.map((e) => e.detail)).toEqual(expect.arrayContaining([expect.objectContaining({ via: 'ack-link', linkId: ackedClaims.id })]));
    expect(JSON.stringify(okEntries)).not.toContain(link.split('/ack/')[1]);

    // The same link again: already used, by whom; a second POST changes nothing either.
    const again = await open(link);
    const againText = await text(again.page);
    expect(againText).toContain('已使用');
    expect(againText).toContain('already used');
    expect(againText).toContain('liu-yang');
    await again.page.close();
    const repost = await h.http.post(`/ack/${link.split('/ack/')[1]}`).expect(409);
    expect(repost.text).toContain('already used');

    // Silence: the unacknowledged task escalates, the acknowledged one does not.
    const escalated = await eventually('the silent task to escalate', async () => {
      const d = (await commander.get(`/incidents/${incidentId}`).expect(200)).body as { timeline: Timeline };
      const e = d.timeline.filter((x) => x.kind === 'task.escalated');
      return e.some((x) => x.taskId === silent.id) ? e : undefined;
    }, 40_000);
    expect(escalated.filter((x) => x.taskId === acked.id)).toEqual([]);
    expect((await task(dba, incidentId, acked.id)).escalations).toBe(0);

    // Acknowledged in the console meanwhile: its link says so and uses nothing.
    await dba.post(`/tasks/${silent.id}/acknowledge`, {}).expect(200);
    const late = await open(silentLink);
    expect(await text(late.page)).toContain('已确认 already acknowledged');
    expect(await late.page.$('#acknowledge')).toBeNull();
    await late.page.close();

    // A forged link (one character of the signature changed) and an expired one: refused, and audited.
    const token = link.split('/ack/')[1];
    const i = token.indexOf('.') + 10;
    const forged = `${h.baseUrl}/ack/${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
    const expiredClaims = claimsFor(incidentId, silent.id, 'chen-jing', new Date(Date.now() - 60_000));
    const expired = `${h.baseUrl}/ack/${signAckToken(expiredClaims, SECRET)}`;
    const f = await open(forged);
    expect(f.status).toBe(403);
    const fText = await text(f.page);
    expect(fText).toContain('已拒绝 Refused');
    expect(fText).not.toContain(acked.id); // nothing about the task it claims
    const x = await open(expired);
    expect(x.status).toBe(410);
    expect(await text(x.page)).toContain('expired');
    await Promise.all([f.page.close(), x.page.close()]);
    // Pressing a forged link's button (a hand-made POST) is refused the same way and acknowledges nothing.
    await h.http.post(forged.slice(h.baseUrl.length)).expect(403);

    const refused: AuditRow[] = await h.db.query(`SELECT * FROM audit_entries WHERE action = 'task.acknowledge' AND outcome = 'denied' ORDER BY id`);
    expect(refused.map((r) => [r.actor, r.detail.reason, r.detail.method])).toEqual([
      ['anonymous', 'forged', 'GET'],
      ['anonymous', 'expired', 'GET'],
      ['anonymous', 'forged', 'POST'],
    ]);
    for (const r of refused) expect(r.detail.ip).toEqual(expect.stringMatching(/127\.0\.0\.1|::1/));
    expect(refused[1]).toMatchObject({ subject_type: 'task', subject_id: silent.id, detail: { linkId: expiredClaims.id, person: 'chen-jing' } });
    expect(JSON.stringify(refused)).not.toContain(token.split('.')[1]);
    expect(await task(dba, incidentId, silent.id)).toMatchObject({ acknowledgedBy: 'liu-yang' });

    // The incident finishes normally.
    for (const t of [acked, silent]) await dba.post(`/tasks/${t.id}/complete`, {}).expect(200);
    const closed = await reviewAndClose(commander, incidentId);
    expect((closed.timeline as Timeline).filter((e) => e.kind === 'task.escalated' && e.taskId === acked.id)).toEqual([]);
  });
});
