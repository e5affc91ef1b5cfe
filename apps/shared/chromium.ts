// Headless Chromium for the drill report: PDF printing and screenshots. Uses the system Chromium
// through puppeteer-core (which downloads no browser). The page gets no network at all: every request
// is intercepted and aborted, so a report that needs anything from outside shows it as missing (and
// the blocked URLs are returned for tests to assert on).
import * as fs from 'node:fs';
import * as path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const KNOWN_CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The report elements a reader must see on the first screen and in the detail. */
export const REPORT_SELECTORS = ['#score', '#grade', '#timeline', '#trend', '#score-breakdown'];

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The Chromium to use: `CHROMIUM_PATH` when set (and only it: a wrong setting is not silently
 * replaced), else `/usr/bin/chromium`, `/usr/bin/chromium-browser`, else `chromium` or
 * `chromium-browser` on PATH.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.CHROMIUM_PATH?.trim();
  if (configured) return isExecutable(configured) ? configured : undefined;
  for (const candidate of KNOWN_CHROMIUM_PATHS) if (isExecutable(candidate)) return candidate;
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

export function chromiumMissingMessage(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CHROMIUM_PATH?.trim();
  const where = configured ? `CHROMIUM_PATH=${configured} is not an executable file` : `no Chromium at ${KNOWN_CHROMIUM_PATHS.join(', ')} or on PATH`;
  return `Headless Chromium not found (${where}): PDF and screenshots of drill reports need it. Run scripts/ensure-chromium.sh (installs the Debian package "chromium" as root) or set CHROMIUM_PATH.`;
}

async function launch(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(chromiumMissingMessage());
  return puppeteer.launch({
    executablePath,
    headless: true,
    // We run as root in containers: no sandbox. No GPU; /dev/shm may be small.
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check', '--disable-extensions'],
    timeout: 30_000,
  });
}

/**
 * Opens the page with no network: every request other than the page itself (set as content, so not a
 * request at all) is aborted and recorded.
 */
async function withReportPage<T>(html: string, use: (page: Page, blocked: string[]) => Promise<T>): Promise<T> {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const blocked: string[] = [];
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.isInterceptResolutionHandled()) return;
      const url = request.url();
      if (url === 'about:blank') {
        void request.continue();
        return;
      }
      blocked.push(url);
      void request.abort('blockedbyclient');
    });
    await page.setViewport({ width: 1040, height: 1400, deviceScaleFactor: 1 });
    await page.setContent(html, { waitUntil: 'load', timeout: 30_000 });
    await page.evaluate('document.fonts.ready.then(() => true)');
    return await use(page, blocked);
  } finally {
    await browser.close();
  }
}

function ensureDir(file: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
}

/** Prints the report to an A4 PDF (the page's own print CSS decides the layout). */
export async function renderPdf(html: string, outFile: string): Promise<{ blocked: string[] }> {
  ensureDir(outFile);
  return withReportPage(html, async (page, blocked) => {
    await page.emulateMediaType('print');
    await page.pdf({ path: outFile, format: 'A4', printBackground: true, preferCSSPageSize: true });
    return { blocked };
  });
}

/**
 * Takes a full-page PNG of the report and says, for each selector, whether the element is there with
 * a non-zero size and not hidden (display, visibility, opacity, content-visibility, on it or an ancestor).
 */
export async function screenshotReport(
  html: string,
  pngFile: string,
  selectors: string[] = REPORT_SELECTORS,
): Promise<{ visible: Record<string, boolean>; blocked: string[] }> {
  ensureDir(pngFile);
  return withReportPage(html, async (page, blocked) => {
    const visible = (await page.evaluate(`(() => {
      const out = {};
      for (const selector of ${JSON.stringify(selectors)}) {
        const el = document.querySelector(selector);
        if (!el) { out[selector] = false; continue; }
        const box = el.getBoundingClientRect();
        const shown = typeof el.checkVisibility === 'function'
          ? el.checkVisibility({ opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true })
          : getComputedStyle(el).visibility !== 'hidden' && getComputedStyle(el).display !== 'none';
        out[selector] = box.width > 0 && box.height > 0 && shown;
      }
      return out;
    })()`)) as Record<string, boolean>;
    await page.screenshot({ path: pngFile as `${string}.png`, fullPage: true, type: 'png' });
    return { visible, blocked };
  });
}
