// The web console in Debian's Chromium (puppeteer-core), for end-to-end tests: every request the
// page makes is recorded (the run must reach no host but the API's), screenshots are kept under
// .data/test-artifacts/console/, and axe-core checks accessibility.
import * as fs from 'node:fs';
import * as path from 'node:path';
import puppeteer, { Browser, Page } from 'puppeteer-core';
import { chromiumMissingMessage, findChromium } from '../../../apps/shared/chromium';
import { PROJECT_ROOT } from '../../../apps/shared/config';

export const ARTIFACTS = path.join(PROJECT_ROOT, '.data', 'test-artifacts', 'console');
/** A phone's screen (console.md: My tasks is where message links land). */
export const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

export interface ConsoleBrowser {
  browser: Browser;
  /** Every URL any page of this browser requested. */
  requests: string[];
  /** A new page signed in with `token` through the sign-in form, on the console's board (or `at`). */
  signIn(token: string, o?: { viewport?: typeof PHONE | { width: number; height: number }; at?: string }): Promise<Page>;
  /** A new page with the sign-in form filled with `token` and sent: the form's refusal, or undefined if it signed in. */
  refusedSignIn(token: string): Promise<string | undefined>;
  /** Requests to any origin but the API's. */
  foreignRequests(): string[];
  close(): Promise<void>;
}

export async function openConsoleBrowser(apiBaseUrl: string): Promise<ConsoleBrowser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(chromiumMissingMessage());
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check', '--disable-extensions'],
    timeout: 30_000,
  });
  const requests: string[] = [];
  const origin = new URL(apiBaseUrl).origin;
  const signInForm = async (token: string, viewport?: { width: number; height: number }) => {
    // Each page its own browser context: its own cookies, so two people can be signed in at once.
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    page.on('request', (r) => void requests.push(r.url()));
    if (viewport) await page.setViewport(viewport);
    await page.goto(`${origin}/console/`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#token');
    await page.type('#token', token);
    await page.click('button[type=submit]');
    return page;
  };
  const signIn: ConsoleBrowser['signIn'] = async (token, o = {}) => {
    const page = await signInForm(token, o.viewport);
    await page.waitForSelector('header.top');
    if (o.at) await page.goto(`${origin}/console/#${o.at}`, { waitUntil: 'networkidle0' });
    return page;
  };
  const refusedSignIn: ConsoleBrowser['refusedSignIn'] = async (token) => {
    const page = await signInForm(token);
    const shown = await page.waitForSelector('header.top, .sign-in [role=alert]');
    const refusal = (await shown!.evaluate((el) => el.className)) === 'top' ? undefined : await textOf(page, '.sign-in [role=alert]');
    await page.close();
    return refusal;
  };
  return {
    browser,
    requests,
    signIn,
    refusedSignIn,
    foreignRequests: () => requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && u !== 'about:blank'),
    close: () => browser.close(),
  };
}

/** Keeps a screenshot of the page as a test artifact; returns its path. */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file as `${string}.png`, fullPage: true });
  return file;
}

/** axe-core's serious and critical violations on the page as it is now, one line each. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the console's CSP rightly refuses an injected script tag.
  await page.evaluate(fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  // Runs in the page (a string, as this file is compiled without the DOM's types).
  type Found = { id: string; impact: string; help: string; targets: string[] };
  const violations = (await page.evaluate(`(async () => {
    const r = await window.axe.run(document);
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  })()`)) as Found[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(', ')})`);
}

/** The page's visible text, for assertions a person would make by reading. */
export const textOf = (page: Page, selector = 'main'): Promise<string> => page.$eval(selector, (el) => (el as unknown as { innerText: string }).innerText);
