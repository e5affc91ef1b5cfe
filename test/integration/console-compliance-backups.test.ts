import type { Page } from 'puppeteer-core';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { generateInvoices } from '../../activities/invoices/generate';
import { issueToken } from '../../apps/api/src/auth/token-store';
import { dropDatabase } from '../../scripts/stack/postgres';
import { ConsoleBrowser, keepScreenshot, openConsoleBrowser, PHONE, seriousA11yViolations, textOf } from './support/console-browser';
import { As, Harness, startHarness } from './support/harness';
import { adminUrl, urlOf } from './support/databases';

const INVOICES = 300;

/** Waits until the page's main text contains `text` (what a person would read). */
const waitForText = (page: Page, text: string) => page.waitForFunction(`document.querySelector('main')?.innerText.includes(${JSON.stringify(text)})`, { timeout: 20_000 });

// Issue 16, console.md screens 7 and 8: an auditor checks compliance and verifies the audit trail
// from the console (and sees which entry was altered); commanders take and verify backups there.
describe('console: compliance and audit, backups', () => {
  let h: Harness;
  let browser: ConsoleBrowser;
  let auditor: As;
  let auditorPage: Page;
  const source = `yingji_console_bk_${process.pid}`;
  const scratch = `yingji_console_restore_${process.pid}`;

  const token = async (person: string, roles: string[], teams: string[] = []) => (await issueToken(h.db, { person, roles, teams, createdBy: 'test' })).token;
  const auditCount = async () => Number((await h.db.query(`SELECT count(*)::int AS n FROM audit_entries`))[0].n);

  beforeAll(async () => {
    process.env.INVOICE_DATABASE_URL = urlOf(source);
    h = await startHarness();
    await prepareInvoiceDatabase(urlOf(source));
    await generateInvoices(urlOf(source), { count: INVOICES, seed: 7 });
    await h.publishPlan('einvoice-db-crash.yaml');
    auditor = await h.as('shen-audit', ['auditor']);
    browser = await openConsoleBrowser(h.baseUrl);
    auditorPage = await browser.signIn(await token('shen-audit', ['auditor']), { at: '/compliance' });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    for (const db of [source, scratch]) await dropDatabase(adminUrl(), db);
    delete process.env.INVOICE_DATABASE_URL;
  });

  it('shows the compliance checks with their status, evidence, clause and owner', async () => {
    const report = (await auditor.get('/compliance').expect(200)).body as { checks: Array<{ id: string; subject?: string; title: string; status: string; evidence: string[]; clause: string; owner: string }> };
    const failing = report.checks.find((c) => c.status === 'fail' && c.evidence.length)!;
    expect(failing).toBeDefined();
    const key = failing.subject ? `${failing.id}:${failing.subject}` : failing.id;
    await auditorPage.waitForSelector(`tr[data-check="${key}"][data-status="fail"]`);
    const row = await textOf(auditorPage, `tr[data-check="${key}"]`);
    for (const part of [failing.title, failing.evidence[0], failing.clause, failing.owner, '不通过']) expect(row).toContain(part);
    // Every check the API reports is on the screen, once.
    expect(await auditorPage.$$eval('tr[data-check]', (rows) => rows.length)).toBe(report.checks.length);
    const text = await textOf(auditorPage);
    expect(text).toContain('yingji.js audit export'); // how the signed export is made
    await keepScreenshot(auditorPage, 'compliance-checks');
    expect(await seriousA11yViolations(auditorPage)).toEqual([]);
  });

  it('an auditor verifies the audit trail: intact with its counts, then the entry altered in SQL is named', async () => {
    const before = await auditCount();
    await auditorPage.click('#verify ~ button');
    await auditorPage.waitForSelector('[data-verified=ok]', { timeout: 20_000 });
    const ok = await textOf(auditorPage, '[data-verified=ok]');
    const shown = Number(/(\d+) 条记录/.exec(ok)?.[1]);
    // Counted in the API's snapshot: no fewer than before the click, no more than after it.
    expect(shown).toBeGreaterThanOrEqual(before);
    expect(shown).toBeLessThanOrEqual(await auditCount());
    expect(ok).toMatch(/审计链完整.*The audit trail is intact/);
    expect(ok).toMatch(/\d+ 条链/);
    await keepScreenshot(auditorPage, 'audit-verified');

    // As a tamperer with superuser rights would: past the trigger that refuses changes.
    const [victim] = await h.db.query(`SELECT id, actor, stream, seq FROM audit_entries ORDER BY stream, seq LIMIT 1`);
    await h.db.query(`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_retention`);
    await h.db.query(`UPDATE audit_entries SET actor = 'mallory' WHERE id = $1`, [victim.id]);
    await h.db.query(`ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_retention`);
    try {
      await auditorPage.click('#verify ~ button');
      await auditorPage.waitForSelector('[data-verified=broken]', { timeout: 20_000 });
      expect(await textOf(auditorPage, '[data-broken-id]')).toBe(String(victim.id));
      const broken = await textOf(auditorPage, '[data-verified=broken]');
      expect(broken).toContain('记录被篡改');
      expect(broken).toContain(victim.stream);
      expect(broken).toContain('content does not match its hash');
      await keepScreenshot(auditorPage, 'audit-broken');
      expect(await seriousA11yViolations(auditorPage)).toEqual([]);
    } finally {
      await h.db.query(`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_retention`);
      await h.db.query(`UPDATE audit_entries SET actor = $2 WHERE id = $1`, [victim.id, victim.actor]);
      await h.db.query(`ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_retention`);
    }
  });

  it('the audit trail filters by outcome as the API does', async () => {
    // A refusal the trail keeps: a responder may not take a backup.
    await (await h.as('li-na', ['responder'], ['dba'])).post('/backups', { kind: 'full' }).expect(403);
    const denied = (await auditor.get('/audit?outcome=denied&limit=50').expect(200)).body as Array<{ id: string; actor: string }>;
    expect(denied.map((e) => e.actor)).toContain('li-na');
    expect(await auditorPage.$$eval('tr[data-entry]', (rows) => rows.length)).toBeGreaterThan(denied.length); // unfiltered first
    await auditorPage.select('form.filters select', 'denied');
    await auditorPage.click('form.filters button[type=submit]');
    await auditorPage.waitForFunction(`document.querySelectorAll('tr[data-entry]').length === ${denied.length}`, { timeout: 20_000 });
    const ids = await auditorPage.$$eval('tr[data-entry]', (rows) => rows.map((r) => r.getAttribute('data-entry')));
    expect(ids).toEqual(denied.map((e) => String(e.id)));
  });

  it('a manager on a phone reads the checks and routine tasks, without the audit trail the API keeps from managers', async () => {
    const manager = await h.as('wang-mgr', ['manager']);
    await manager.get('/audit/verify').expect(403);
    const page = await browser.signIn(await token('wang-mgr', ['manager']), { viewport: PHONE, at: '/compliance' });
    await page.waitForSelector('tr[data-check]');
    await waitForText(page, '例行任务');
    expect(await page.$('#verify')).toBeNull();
    expect(await page.$('#trail')).toBeNull();
    // The table's head is hidden on a phone: each value is labelled instead.
    expect(await page.evaluate(`getComputedStyle(document.querySelector('tr[data-check] td[data-label]'), '::before').content`)).toBe('"证据 Evidence: "');
    await keepScreenshot(page, 'compliance-manager-phone');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('a commander takes a backup from the console (a refusal shown as the API gives it), sees it in its chain and verifies it; an auditor only reads', async () => {
    const page = await browser.signIn(await token('zhang-wei', ['commander'], ['it-ops']), { viewport: PHONE, at: '/backups' });
    await waitForText(page, '还没有备份');
    // Nothing to build on yet: the API refuses an incremental, and the screen says why.
    await page.select('#backup-kind', 'incremental');
    await page.click('#backup-kind ~ button');
    await page.waitForSelector('form.take [role=alert]');
    expect(await textOf(page, 'form.take [role=alert]')).toMatch(/needs an earlier full backup/);

    await page.select('#backup-kind', 'full');
    await page.click('#backup-kind ~ button');
    await page.waitForSelector('tr[data-backup]', { timeout: 60_000 });
    const [full] = await h.db.query(`SELECT id FROM backup_catalog WHERE kind = 'full'`);
    const row = await textOf(page, `tr[data-backup="${full.id}"]`);
    expect(row).toContain(String(INVOICES));
    expect(row).toContain('全量');
    expect(await textOf(page, `li[data-chain="${full.id}"]`)).toContain(full.id);
    await keepScreenshot(page, 'backups-taken');

    await page.click(`tr[data-backup="${full.id}"] .verify button`);
    await page.waitForSelector(`tr[data-backup="${full.id}"] .verify p.ok`, { timeout: 60_000 });
    expect(await textOf(page, `tr[data-backup="${full.id}"] .verify p.ok`)).toContain(`${INVOICES} 行`);
    await keepScreenshot(page, 'backups-verified');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // A restore followed from the screen: a bar per priority class, each full once its class is back.
    const commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    const { restoreId } = (await commander.post('/restores', { target: scratch }).expect(201)).body as { restoreId: string };
    // Listed among the latest restores (polled every 5 s): one click follows it.
    const listed = await page.waitForSelector(`xpath/.//ul[contains(@class,'recent-restores')]//button[text()='${restoreId}']`, { timeout: 30_000 });
    await listed!.click();
    await page.waitForSelector('[data-restore][data-state=completed]', { timeout: 60_000 });
    expect(await textOf(page, '[data-restore] p')).toContain('已完成 completed');
    const done = (await commander.get(`/restores/${restoreId}`).expect(200)).body as { classes: Array<{ cls: string; rows: number }> };
    const bars = await page.$$eval('[data-restore] li[data-class]', (items) =>
      items.map((li) => ({ cls: li.getAttribute('data-class'), value: (li.querySelector('progress') as unknown as { value: number }).value, text: (li as unknown as { innerText: string }).innerText })),
    );
    expect(bars.map((b) => b.cls)).toEqual(done.classes.map((c) => c.cls));
    expect(bars.every((b) => b.value === 1)).toBe(true);
    done.classes.forEach((c, i) => expect(bars[i].text).toContain(`${c.rows} 行`));
    expect(done.classes.reduce((n, c) => n + c.rows, 0)).toBe(INVOICES);
    await keepScreenshot(page, 'backups-restore');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The auditor reads the catalog; the buttons the API would refuse are not there.
    await auditorPage.goto(`${h.baseUrl}/console/#/backups`, { waitUntil: 'networkidle0' });
    await auditorPage.waitForSelector(`tr[data-backup="${full.id}"]`);
    expect(await auditorPage.$('#backup-kind')).toBeNull();
    expect(await auditorPage.$('.verify button')).toBeNull();
    await keepScreenshot(auditorPage, 'backups-auditor');
    expect(await seriousA11yViolations(auditorPage)).toEqual([]);
    expect(browser.foreignRequests()).toEqual([]);
  });
});
