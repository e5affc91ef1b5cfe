import type { Page } from 'puppeteer-core';
import { issueToken } from '../../apps/api/src/auth/token-store';
import { ConsoleBrowser, keepScreenshot, openConsoleBrowser, PHONE, seriousA11yViolations, textOf } from './support/console-browser';
import { eventually, Harness, startHarness } from './support/harness';

// Issue 16, console.md screen 2 in Debian's Chromium: a commander launches einvoice-db-crash from
// the board and follows it on the incident page; a responder of another team sees only the refusal.
// Needs the built console (npm run build).
describe('console: launching from the board and the incident page', () => {
  let h: Harness;
  let browser: ConsoleBrowser;
  let incidentId: string;
  const DESKTOP = { width: 1280, height: 900 };
  const token = async (person: string, roles: string[], teams: string[]) => (await issueToken(h.db, { person, roles, teams, createdBy: 'test' })).token;
  /** Whether the page is still the one loaded at sign-in (a reload would drop the mark). */
  const notReloaded = (page: Page) => page.evaluate('window.__sameDocument === true');

  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('einvoice-db-crash.yaml');
    browser = await openConsoleBrowser(h.baseUrl);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('a commander launches einvoice-db-crash from the board with its facts and sees its first tasks appear on the incident page, then follows a completion without a reload', async () => {
    const page = await browser.signIn(await token('cmd-web', ['commander'], ['it-ops']), { viewport: DESKTOP });
    await page.waitForSelector('#launch-plan option[value="einvoice-db-crash"]');
    await page.select('#launch-plan', 'einvoice-db-crash');
    // The form asks for the facts the plan's level rules read.
    await page.waitForSelector('#fact-invoicesAffected');
    await page.type('#fact-invoicesAffected', '25000');
    await page.type('#fact-outageMinutes', '30');
    await page.select('#fact-dataLeaked', 'false');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await keepScreenshot(page, 'incident-1-board-launch-form');

    await page.evaluate('window.__sameDocument = true');
    await page.click('form.launch button[type=submit]');
    await page.waitForFunction('location.hash.startsWith("#/incidents/inc-")');
    incidentId = decodeURIComponent(((await page.evaluate('location.hash')) as string).replace('#/incidents/', ''));
    const [row] = await h.db.query(`SELECT plan_id, launched_by, level, facts FROM incidents WHERE id = $1`, [incidentId]);
    expect(row).toMatchObject({ plan_id: 'einvoice-db-crash', launched_by: 'cmd-web', level: 'II', facts: { invoicesAffected: 25000, outageMinutes: 30, dataLeaked: false } });

    // The first task (dba isolates the database) appears; the page shows the level and why.
    await page.waitForSelector(`li.task[data-task="${incidentId}.isolate"]`, { timeout: 20_000 });
    const text = await textOf(page);
    expect(text).toContain('隔离故障库，停止写入 Stop writes to the failed database');
    expect(text).toContain('invoicesAffected is 25000 (≥ 10000)');
    expect(await page.$eval('.level', (el) => el.textContent)).toBe('II');
    // The graph: isolate starts at once, choose-path waits for isolate and check-backup and has not started.
    expect(await page.$eval('[data-step="isolate"]', (el) => el.getAttribute('data-state'))).not.toBe('pending');
    expect(await page.$eval('[data-step="choose-path"]', (el) => el.getAttribute('data-state'))).toBe('pending');
    expect(await page.$eval('[data-step="choose-path"] .step-after', (el) => el.textContent)).toContain('校验最新备份链 Verify the latest backup chain');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await keepScreenshot(page, 'incident-2-launched-first-task');

    // The dba completes isolate elsewhere; the open page shows it done and finance's notice going out.
    const dba = await h.as('dba-web', ['responder'], ['dba']);
    await dba.post(`/tasks/${incidentId}.isolate/complete`, { checklist: ['停止开票服务写入 Stop the issuing service\'s writes'] }).expect(200);
    await page.waitForSelector(`li.task[data-task="${incidentId}.isolate"][data-state="done"]`, { timeout: 10_000 });
    const notice = await eventually('the tell-finance notice', async () => {
      const rows = await h.db.query(`SELECT id, channel, status FROM notifications WHERE incident_id = $1 AND step_id = 'tell-finance' ORDER BY id LIMIT 1`, [incidentId]);
      return rows[0] as { id: string; channel: string; status: string } | undefined;
    });
    await page.waitForSelector(`[data-notification="${notice.id}"]`, { timeout: 10_000 });
    expect(await page.$eval(`[data-notification="${notice.id}"]`, (el) => el.textContent)).toContain(notice.channel);
    expect(await notReloaded(page)).toBe(true);

    // Closing with steps still open: the API's refusal, as the API words it, and the incident stays open.
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/incidents/${incidentId}/close`));
    await page.click('form[aria-labelledby="close-title"] button[type=submit]');
    const refused = await answer;
    expect(refused.status()).toBeGreaterThanOrEqual(400);
    const shown = await (await page.waitForSelector('form[aria-labelledby="close-title"] [role=alert]'))!.evaluate((el) => el.textContent);
    expect(shown).toBe(((await refused.json()) as { message: string }).message);
    expect((await h.db.query(`SELECT state FROM incidents WHERE id = $1`, [incidentId]))[0].state).toBe('open');

    // Readable on a phone.
    await page.setViewport(PHONE);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await keepScreenshot(page, 'incident-3-phone-after-isolate');
    // The board on the phone lists the incident, each value labelled (the table's head is hidden there).
    await page.click('nav a[href="#/"]');
    await page.waitForSelector(`tr[data-incident="${incidentId}"]`);
    // In the page (a string: this file is compiled without the DOM's types).
    const level = await page.evaluate(
      `(() => { const td = document.querySelector('tr[data-incident="${incidentId}"] td[data-label="级别 Level"]'); return [getComputedStyle(td, '::before').content, td.textContent]; })()`,
    );
    expect(level).toEqual(['"级别 Level: "', 'II']);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await keepScreenshot(page, 'incident-3b-phone-board');
  });

  it('the commander completes the failed automated step by hand (a reason is required, as the API says), takes the decision, overrides the level and adds a note, from the incident page', async () => {
    const page = await browser.signIn(await token('cmd-web', ['commander'], ['it-ops']), { viewport: DESKTOP, at: `/incidents/${incidentId}` });
    // check-backup finds no backup in this world's empty catalog: its task fails, with the reason.
    const failed = `li.task[data-task="${incidentId}.check-backup"]`;
    await page.waitForSelector(`${failed}[data-state="failed"]`, { timeout: 20_000 });
    const [task] = await h.db.query(`SELECT failure FROM tasks WHERE id = $1`, [`${incidentId}.check-backup`]);
    expect(await page.$eval(failed, (el) => el.textContent)).toContain(task.failure);
    await keepScreenshot(page, 'incident-5-failed-step');

    const complete = async () => {
      const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/tasks/${incidentId}.check-backup/complete`));
      await page.click(`${failed} form button[type=submit]`);
      return answer;
    };
    // Without a note the API refuses, and the page shows its words.
    const refused = await complete();
    expect(refused.status()).toBe(400);
    const shown = await (await page.waitForSelector(`${failed} [role=alert]`))!.evaluate((el) => el.textContent);
    expect(shown).toBe(((await refused.json()) as { message: string }).message);
    expect(shown).toContain('needs a note with the reason');
    await page.type(`${failed} textarea`, 'backup chain checked by hand: last full backup 02:00 verified');
    expect((await complete()).status()).toBe(200);
    await page.waitForSelector(`${failed}[data-state="done"]`, { timeout: 10_000 });

    // The decision comes to the commander; choosing on the page takes it.
    const decision = `li.task[data-task="${incidentId}.choose-path"]`;
    await page.waitForSelector(`${decision} button`, { timeout: 20_000 });
    await keepScreenshot(page, 'incident-6-decision');
    const [restore] = await page.$$(`${decision} button`).then(async (buttons) => {
      const named = await Promise.all(buttons.map(async (b) => [b, await b.evaluate((el) => el.textContent ?? '')] as const));
      return named.filter(([, t]) => t.includes('restore')).map(([b]) => b);
    });
    await restore.click();
    await page.waitForSelector(`${decision}[data-state="done"]`, { timeout: 10_000 });
    expect((await h.db.query(`SELECT decision, completed_by FROM tasks WHERE id = $1`, [`${incidentId}.choose-path`]))[0]).toEqual({ decision: 'restore', completed_by: 'cmd-web' });
    // The graph follows: the branch not chosen is skipped.
    await page.waitForSelector('[data-step="failover-standby"][data-state="skipped"]', { timeout: 10_000 });

    // Overriding the level needs a reason: the API's refusal first (its validation messages, joined), then the new level and why.
    const override = 'form[aria-labelledby="override-title"]';
    const overrideAnswer = () => page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/incidents/${incidentId}/override`));
    let answer = overrideAnswer();
    await page.select('#override-level', 'I');
    await page.click(`${override} button[type=submit]`);
    const noReason = await answer;
    expect(noReason.status()).toBe(400);
    expect(await (await page.waitForSelector(`${override} [role=alert]`))!.evaluate((el) => el.textContent)).toBe([((await noReason.json()) as { message: string | string[] }).message].flat().join('; '));
    answer = overrideAnswer();
    await page.type('#override-reason', 'declaration deadline is tomorrow');
    await page.click(`${override} button[type=submit]`);
    expect((await answer).status()).toBe(200);
    await page.waitForFunction(`document.querySelector('.level')?.textContent === 'I'`, { timeout: 10_000 });
    expect(await textOf(page, 'dl.summary')).toContain('declaration deadline is tomorrow');
    expect((await h.db.query(`SELECT level FROM incidents WHERE id = $1`, [incidentId]))[0].level).toBe('I');

    // A note lands on the timeline.
    await page.type('#note-text', 'standby lag is 40 s');
    await page.click('form[aria-labelledby="note-title"] button[type=submit]');
    await page.waitForFunction(`[...document.querySelectorAll('ol.timeline li[data-kind="incident.note"]')].some((li) => li.textContent.includes('standby lag is 40 s'))`, { timeout: 10_000 });
    // Narrowed to notes, the timeline shows the note alone.
    await page.select('#timeline-filter', 'notes');
    expect(await page.$$eval('ol.timeline li', (lis) => lis.map((li) => li.getAttribute('data-kind')))).toEqual(['incident.note']);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await keepScreenshot(page, 'incident-7-overridden-noted');
  });

  it("a responder opening another team's incident sees the API's refusal and nothing of the incident", async () => {
    const finance = await token('fin-web', ['responder'], ['finance']);
    const page = await browser.signIn(finance, { viewport: PHONE, at: `/incidents/${incidentId}` });
    const alert = await page.waitForSelector('main [role=alert]');
    const shown = await alert!.evaluate((el) => el.textContent);
    const api = await h.http.get(`/incidents/${incidentId}`).set('Authorization', `Bearer ${finance}`).expect(403);
    expect(shown).toBe(api.body.message);
    const text = await textOf(page);
    expect(text.split(/\n+/)).toEqual(['无法查看此事件 This incident cannot be shown', shown]);
    for (const hidden of ['发票数据库崩溃', 'invoicesAffected', '隔离故障库', 'dba']) expect(text).not.toContain(hidden);
    expect(await page.$$('li.task, li.step, ol.timeline')).toHaveLength(0);
    // The refusal is audited as such; the responder changed nothing (the plan's own steps run on meanwhile).
    const audited = await h.db.query(`SELECT outcome FROM audit_entries WHERE actor = 'fin-web' AND action = 'incident.read' AND subject_id = $1`, [incidentId]);
    expect(audited.map((a: { outcome: string }) => a.outcome)).toContain('denied');
    expect(await h.db.query(`SELECT kind FROM timeline_entries WHERE actor = 'fin-web'`)).toEqual([]);
    const done = await h.db.query(`SELECT action FROM audit_entries WHERE actor = 'fin-web' AND outcome <> 'denied' ORDER BY id`);
    expect(done.map((a: { action: string }) => a.action).filter((a: string) => !a.startsWith('session.'))).toEqual([]);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await keepScreenshot(page, 'incident-4-responder-refused');
  });

  it("no request of the run left the API's host", () => {
    expect(browser.requests.length).toBeGreaterThan(0);
    expect(browser.foreignRequests()).toEqual([]);
  });
});
