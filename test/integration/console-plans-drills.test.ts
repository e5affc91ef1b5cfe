import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'puppeteer-core';
import { issueToken } from '../../apps/api/src/auth/token-store';
import { PROJECT_ROOT } from '../../apps/shared/config';
import { parsePlan } from '../../domain/plan/parse-plan';
import type { Problem } from '../../domain/plan/plan.types';
import { dbCrashDrillFacts, dbCrashDrillScore, dbCrashFindings } from '../support/drill-fixture';
import { ConsoleBrowser, keepScreenshot, openConsoleBrowser, PHONE, seriousA11yViolations, textOf } from './support/console-browser';
import { As, Harness, startHarness, tableCounts } from './support/harness';

const hello = fs.readFileSync(path.join(PROJECT_ROOT, 'plans', 'hello-drill.yaml'), 'utf8');
const v2 = hello.replace(/^version: 1$/m, 'version: 2').replace('title: 你好演练 Hello drill', 'title: 你好演练（第二版） Hello drill, second edition');
/** Three mistakes on three lines: an unknown role, a misspelt step type, a duration in words. */
const broken = v2.replace('owner: oncall', 'owner: oncal').replace('type: manual', 'type: manul').replace('within: 5m', 'within: 5 minutes');

const ACCEPTED = '预先约定切换/恢复的决策条件 Agree the fail-over vs restore criteria in advance';

/** Waits until the page's main text contains `text` (what a person would read). */
const waitForText = (page: Page, text: string) => page.waitForFunction(`document.querySelector('main')?.innerText.includes(${JSON.stringify(text)})`, { timeout: 20_000 });

/** Replaces the editor's text as a paste would (one insertion, React sees the input). */
async function paste(page: Page, text: string) {
  await page.click('#plan-yaml');
  await page.$eval('#plan-yaml', (el) => (el as unknown as { select(): void }).select());
  await page.keyboard.press('Backspace');
  await page.keyboard.sendCharacter(text);
}

// Issue 16, console.md screens 5 and 6: an admin pastes a broken plan, sees each problem at its line,
// fixes it and publishes; a manager opens a drill and sees its score, the report and the trend.
describe('console: plans and drills', () => {
  let h: Harness;
  let browser: ConsoleBrowser;
  let admin: As;
  const token = async (person: string, roles: string[], teams: string[] = []) => (await issueToken(h.db, { person, roles, teams, createdBy: 'test' })).token;

  /** A scored drill of einvoice-db-crash as the drill activities leave it: its incident, then the drill row. */
  async function arrangeDrill(id: string, startedAt: string, total: number, grade: string) {
    const facts = { ...dbCrashDrillFacts(), drillId: id, startedAt };
    const score = { ...dbCrashDrillScore(), total, grade };
    await h.db.query(
      `INSERT INTO incidents (id, plan_id, plan_version, title, mode, state, stage, launched_by, opened_at, closed_at, updated_at)
       VALUES ($1, 'einvoice-db-crash', 4, 'drill', 'tabletop', 'closed', 'closed', 'test', $2, $2, $2)`,
      [id, startedAt],
    );
    await h.db.query(
      `INSERT INTO drills (id, plan_id, plan_version, mode, state, started_at, scored_at, finished_at, score, facts, findings, created_by)
       VALUES ($1, 'einvoice-db-crash', 4, 'tabletop', 'finished', $2, $2, $2, $3, $4, $5, 'test')`,
      [id, startedAt, JSON.stringify(score), JSON.stringify(facts), JSON.stringify(dbCrashFindings())],
    );
  }

  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('hello-drill.yaml');
    await h.publishPlan('einvoice-db-crash.yaml');
    admin = await h.as('plan-owner', ['admin']);
    await arrangeDrill('drill-einvoice-db-crash-20250314-0900', '2025-03-14T09:00:00.000Z', 71.5, '合格 Pass');
    await arrangeDrill('drill-einvoice-db-crash-20250420-0900', '2025-04-20T09:00:00.000Z', 58, '不合格 Fail');
    await arrangeDrill('drill-einvoice-db-crash-20250612-0130', '2025-06-12T01:30:00.000Z', 84.9, '良好 Good');
    // The newest drill's review accepted one improvement item at the decision step.
    await h.db.query(
      `INSERT INTO review_findings (id, incident_id, text, owner, due_date, created_by, created_at, finding_id, step_id)
       VALUES ('rf-console-1', 'drill-einvoice-db-crash-20250612-0130', $1, 'zhang.min', '2025-07-01', 'test', now(), 'late:choose-path', 'choose-path')`,
      [ACCEPTED],
    );
    browser = await openConsoleBrowser(h.baseUrl);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  describe('POST /plans/validate', () => {
    const validate = (as: As, text: string) => as.post('/plans/validate').set('content-type', 'application/yaml').send(text);

    it('answers every problem at its line (200, the same problems publishing gives), storing nothing', async () => {
      const before = await tableCounts(h.db);
      const res = await validate(admin, broken).expect(200);
      const expected = parsePlan(broken, { file: 'request-body.yaml', env: {} });
      expect(expected.ok).toBe(false);
      if (expected.ok) return;
      expect(res.body).toEqual({ ok: false, problems: expected.problems });
      expect(new Set(res.body.problems.map((p: Problem) => p.line)).size).toBe(3);
      expect((await admin.post('/plans').set('content-type', 'application/yaml').send(broken).expect(422)).body.problems).toEqual(res.body.problems);
      expect(await tableCounts(h.db)).toEqual(before);
    });

    it('says which id and version a valid text would publish beside the latest, for commanders too; responders and an empty body are refused', async () => {
      const commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
      expect((await validate(commander, v2).expect(200)).body).toMatchObject({ ok: true, problems: [], planId: 'hello-drill', version: 2, latestVersion: 1 });
      expect((await validate(admin, hello).expect(200)).body).toMatchObject({ ok: true, version: 1, latestVersion: 1 });
      const responder = await h.as('li-wei', ['responder'], ['dba']);
      await validate(responder, v2).expect(403);
      expect((await validate(admin, '  ').expect(400)).body.message).toContain('plan YAML text');
      expect((await admin.get('/plans/hello-drill').expect(200)).body.version).toBe(1);
    });
  });

  it('an admin pastes a broken plan and sees each problem at its line, fixes it and publishes: the new version is listed', async () => {
    const page = await browser.signIn(await token('plan-owner', ['admin']), { at: '/plans' });
    await page.waitForSelector('tr[data-plan="hello-drill"]');
    await paste(page, broken);
    await page.waitForSelector('ol.problems li');
    const expected = parsePlan(broken, { file: 'request-body.yaml', env: {} });
    if (expected.ok) throw new Error('the broken plan parsed');
    // Each problem listed with line:column and marked in the line numbers at its line.
    const listed = await page.$$eval('ol.problems li', (lis) => lis.map((li) => ({ line: Number(li.getAttribute('data-line')), column: Number(li.getAttribute('data-column')), text: (li as unknown as { innerText: string }).innerText })));
    expect(listed.map(({ line, column }) => ({ line, column }))).toEqual(expected.problems.map((p) => ({ line: p.line, column: p.column })));
    expected.problems.forEach((p, k) => {
      expect(listed[k].text).toContain(`${p.line}:${p.column}`);
      expect(listed[k].text).toContain(p.message);
    });
    const marked = await page.$$eval('[data-problem-line]', (els) => els.map((e) => Number(e.getAttribute('data-problem-line'))));
    expect(marked).toEqual([...new Set(expected.problems.map((p) => p.line))].sort((a, b) => a - b));
    expect(await textOf(page, '.gutter [data-problem-line="21"]')).toContain('21');
    await keepScreenshot(page, 'plans-broken-plan-problems-at-lines');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Publishing it anyway: the API's refusal, in its words, names every problem's line.
    await page.click('.plan-editor button:not(.link)');
    await page.waitForSelector('.plan-editor p[role=alert]');
    const refusal = await textOf(page, '.plan-editor p[role=alert]');
    for (const p of expected.problems) expect(refusal).toContain(`request-body.yaml:${p.line}:${p.column}`);

    // Fixed, checked, published: v2 is listed.
    await paste(page, v2);
    await waitForText(page, '校验通过');
    expect(await page.$$('[data-problem-line]')).toHaveLength(0);
    await page.click('.plan-editor button:not(.link)');
    await waitForText(page, '已发布');
    await page.waitForFunction(`document.querySelector('tr[data-plan="hello-drill"]')?.innerText.includes('v1 v2')`, { timeout: 10_000 });
    expect(await textOf(page, 'tr[data-plan="hello-drill"]')).toContain('Hello drill, second edition');
    expect((await admin.get('/plans/hello-drill/versions/2').expect(200)).text).toBe(v2);
    await keepScreenshot(page, 'plans-published-v2');

    // The plan's page: the text of each version and what changed from v1 to v2.
    await page.click('tr[data-plan="hello-drill"] a');
    await page.waitForSelector('pre.diff');
    const diff = await textOf(page, 'pre.diff');
    expect(diff).toMatch(/−\s*version: 1/);
    expect(diff).toMatch(/\+\s*version: 2/);
    expect(diff).toContain('Hello drill, second edition');
    expect(await page.$$eval('pre.diff .added', (els) => els.length)).toBe(2);
    expect(await page.$$eval('pre.diff .removed', (els) => els.length)).toBe(2);
    await keepScreenshot(page, 'plans-hello-drill-diff');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('a manager opens a drill and sees the score, the report and the trend', async () => {
    const current = 'drill-einvoice-db-crash-20250612-0130';
    const page = await browser.signIn(await token('wang-mgr', ['manager']), { at: '/drills' });
    // Drills per plan with their scores, and the plan's trend with one point per scored drill.
    await page.waitForSelector(`tr[data-drill="${current}"]`);
    expect(await textOf(page, `tr[data-drill="${current}"]`)).toContain('84.9 良好 Good');
    await page.waitForSelector('figure.trend svg');
    expect(await page.$$eval('figure.trend circle', (cs) => cs.map((c) => Number(c.getAttribute('data-score'))))).toEqual([71.5, 58, 84.9]);
    // The drill schedules as the API lists them (none here, and the screen says so).
    const schedules = (await (await h.as('wang-mgr', ['manager'])).get('/drill-schedules').expect(200)).body as Array<{ scheduleId: string }>;
    const listed = await textOf(page, 'section[aria-labelledby="drill-schedules"]');
    if (schedules.length === 0) expect(listed).toContain('没有演练计划');
    for (const s of schedules) expect(listed).toContain(s.scheduleId);
    await keepScreenshot(page, 'drills-list-trend');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.click(`tr[data-drill="${current}"] a`);
    await page.waitForSelector('p.total[data-score="84.9"]');
    expect(await textOf(page, 'p.total')).toContain('良好 Good');
    expect(await textOf(page)).toContain(ACCEPTED);
    // The trend on the drill's page marks this drill among the plan's drills.
    await page.waitForSelector(`figure.trend circle.current[data-drill="${current}"]`);
    expect(await page.$$eval('figure.trend circle', (cs) => cs.length)).toBe(3);
    // The report inline: the API's own HTML in a same-origin frame, rendered (not blocked by the frame rules).
    await page.waitForSelector('iframe.report');
    const frame = await (await page.$('iframe.report'))!.contentFrame();
    await frame.waitForSelector('.scorecard', { timeout: 20_000 });
    const report = await frame.$eval('body', (b) => (b as unknown as { innerText: string }).innerText);
    expect(report).toContain('84.9');
    expect(report).toContain('良好');
    await keepScreenshot(page, 'drill-score-report-trend');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The same on a phone: each value of the score's table says what it is.
    const phone = await browser.signIn(await token('wang-mgr', ['manager']), { viewport: PHONE, at: `/drills/${current}` });
    await phone.waitForSelector('p.total[data-score="84.9"]');
    expect(await phone.evaluate(`getComputedStyle(document.querySelector('table.parts td[data-label]'), '::before').content`)).toBe('"部分 Part: "');
    await keepScreenshot(phone, 'drill-phone');
    expect(await seriousA11yViolations(phone)).toEqual([]);
  });

  it('a commander checks but cannot publish, and drafts the next version with the accepted improvement item at its step; a responder on a phone only reads', async () => {
    const page = await browser.signIn(await token('zhang-wei', ['commander'], ['it-ops']), { at: '/plans/einvoice-db-crash' });
    await page.waitForSelector('#draft-next');
    expect(await page.$('#edit-publish')).toBeNull(); // publishing is the admin's: the API would refuse it
    await page.click('#draft-next ~ button');
    await page.waitForSelector('[data-draft-items]');
    expect(await page.$eval('[data-draft-items]', (e) => e.getAttribute('data-draft-items'))).toBe('1');
    expect(await textOf(page, '[data-draft-items]')).toContain('v4 → v5');
    const draft = await textOf(page, '#draft-next ~ pre.diff');
    expect(draft).toMatch(/\+\s*version: 5/);
    expect(draft).toContain(`# 改进 TODO (drill-einvoice-db-crash-20250612-0130; owner zhang.min; due 2025-07-01): ${ACCEPTED}`);
    expect(await page.$('#draft-next ~ button:not(.secondary)')).toBeNull(); // opening it in the editor is for who can publish
    await keepScreenshot(page, 'plans-draft-next');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // On the plans list a commander checks a text; there is no Publish button.
    await page.goto(`${h.baseUrl}/console/#/plans`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#plan-yaml');
    await paste(page, broken);
    await page.waitForSelector('ol.problems li');
    expect(await page.$('.plan-editor button:not(.link)')).toBeNull();

    const phone = await browser.signIn(await token('li-wei', ['responder'], ['dba']), { viewport: PHONE, at: '/plans' });
    await phone.waitForSelector('tr[data-plan="einvoice-db-crash"]');
    expect(await phone.$('#plan-yaml')).toBeNull();
    await keepScreenshot(phone, 'plans-responder-phone');
    expect(await seriousA11yViolations(phone)).toEqual([]);
  });

  it('the whole run made no request to any host but the API\'s', () => {
    expect(browser.requests.length).toBeGreaterThan(0);
    expect(browser.foreignRequests()).toEqual([]);
  });
});
