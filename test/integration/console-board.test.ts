import { issueToken } from '../../apps/api/src/auth/token-store';
import { ConsoleBrowser, keepScreenshot, openConsoleBrowser, seriousA11yViolations, textOf } from './support/console-browser';
import { Harness, startHarness } from './support/harness';

// The console in Chromium: sign in with a token, see the live board, sign out; nothing fetched
// from anywhere but the API, no serious accessibility problem.
describe('web console: sign in and the live board', () => {
  let h: Harness;
  let browser: ConsoleBrowser;

  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('hello-drill.yaml');
    browser = await openConsoleBrowser(h.baseUrl);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('a wrong token is refused with the API’s reason; the right one opens the board; signing out ends the session', async () => {
    expect(await browser.refusedSignIn('yj_0123456789abcdef.not-a-real-secret-not-a-real-secret-xxxxxxx')).toBe('the bearer token is not valid');
    const { token } = await issueToken(h.db, { person: 'zhang.san', roles: ['commander'], teams: ['it-ops'], createdBy: 'test' });
    const board = await browser.signIn(token);
    expect(await textOf(board, 'h1')).toContain('态势');
    expect(await textOf(board, 'header.top')).toContain('zhang.san');
    await board.waitForSelector('#launch-plan option[value="hello-drill"]');
    expect(await seriousA11yViolations(board)).toEqual([]);
    await keepScreenshot(board, 'board-commander');
    await board.click('header.top button.link');
    await board.waitForSelector('#token');
    const open = await h.db.query(`SELECT count(*)::int AS n FROM console_sessions WHERE ended_at IS NULL`);
    expect(open).toEqual([{ n: 0 }]);
    expect(await seriousA11yViolations(board)).toEqual([]);
    expect(browser.foreignRequests()).toEqual([]);
  });

  it('a response team member lands on My tasks, with no board in the menu', async () => {
    const { token } = await issueToken(h.db, { person: 'li.si', roles: ['responder'], teams: ['it-ops'], createdBy: 'test' });
    const page = await browser.signIn(token);
    await page.waitForFunction("location.hash === '#/tasks'");
    expect(await textOf(page, 'h1')).toContain('我的任务');
    expect(await textOf(page, 'header.top nav')).not.toContain('态势');
  });
});
