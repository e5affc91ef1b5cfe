import { generateInvoices, INVOICE_COLUMNS } from '../../activities/invoices/generate';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { createSandbox, dropSandbox, injectFault, measureLoss, startSandbox } from '../../activities/drills/sandbox';
import { priorityClassCaseSql } from '../../domain/einvoice/priority';
import { canConnect, dropDatabase } from '../../scripts/stack/postgres';
import { adminUrl, queryUrl, urlOf } from './support/databases';

const one = async <T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T> => (await queryUrl<T>(url, sql, params))[0];
const count = async (url: string, where = 'true') => Number((await one<{ n: string }>(url, `SELECT count(*) AS n FROM invoices WHERE ${where}`)).n);
const digest = async (url: string) => (await one<{ d: string }>(url, `SELECT md5(string_agg(md5(ROW(${INVOICE_COLUMNS.join(', ')})::text), '' ORDER BY invoice_no)) AS d FROM invoices`)).d;

// Each fault a live drill can inject, done for real on a sandbox copy, and never on production.
describe('drill sandbox and faults', () => {
  const prod = `yingji_df_prod_${process.pid}`;
  const sandbox = `drill_df_${process.pid}`;
  /** Sandboxes on the invoice database's own server (the default). */
  const servers = () => ({ invoiceUrl: urlOf(prod) });
  let prodDigest: string;

  beforeAll(async () => {
    await prepareInvoiceDatabase(urlOf(prod));
    await generateInvoices(urlOf(prod), { count: 5000, seed: 11 });
    prodDigest = await digest(urlOf(prod));
  });
  afterAll(async () => {
    await dropSandbox(servers(), sandbox).catch(() => undefined);
    await dropDatabase(adminUrl(), prod);
  });
  beforeEach(async () => {
    await createSandbox(servers(), sandbox);
  });
  afterEach(async () => {
    // Production is never touched by anything a drill does to its sandbox.
    expect(await digest(urlOf(prod))).toBe(prodDigest);
  });

  it('copies production into the sandbox and keeps a pre-fault copy', async () => {
    expect(await digest(urlOf(sandbox))).toBe(prodDigest);
    expect(await digest(urlOf(`${sandbox}_pre`))).toBe(prodDigest);
  });

  it('drop-table removes the table; a retry of the same fault does nothing more', async () => {
    const applied = await injectFault(servers(), sandbox, 0, { kind: 'drop-table', target: 'invoices' }, 'seed');
    expect(applied.detail).toBe('dropped table invoices');
    expect((await one<{ t: string | null }>(urlOf(sandbox), `SELECT to_regclass('public.invoices') AS t`)).t).toBeNull();
    expect(await injectFault(servers(), sandbox, 0, { kind: 'drop-table', target: 'invoices' }, 'seed')).toEqual(applied);
    const loss = await measureLoss(servers(), sandbox, new Date().toISOString(), new Date().toISOString());
    expect(loss.total).toBe(5000);
    expect(loss.unreadable).toMatch(/invoices/);
  });

  it('truncate-table empties the table', async () => {
    const applied = await injectFault(servers(), sandbox, 0, { kind: 'truncate-table', target: 'invoices' }, 'seed');
    expect(applied.rows).toBe(5000);
    expect(await count(urlOf(sandbox))).toBe(0);
  });

  it('delete-rows deletes exactly the asked share of one priority class, and the loss counts them by class', async () => {
    const cls = 'current-period-undeclared';
    const now = new Date().toISOString();
    const inClass = await count(urlOf(sandbox), `${priorityClassCaseSql(now)} = '${cls}'`);
    expect(inClass).toBeGreaterThan(100);
    const applied = await injectFault(servers(), sandbox, 0, { kind: 'delete-rows', target: 'invoices', share: 0.1, filter: cls }, 'seed');
    expect(applied.rows).toBe(Math.round(inClass * 0.1));
    expect(await count(urlOf(sandbox))).toBe(5000 - applied.rows!);
    const loss = await measureLoss(servers(), sandbox, now, now);
    expect(loss).toMatchObject({ total: applied.rows, p0: applied.rows });
    expect(loss.byClass[cls]).toBe(applied.rows);
  });

  it('corrupt-rows alters amounts (still passing the table checks); the loss sees every altered invoice', async () => {
    const applied = await injectFault(servers(), sandbox, 0, { kind: 'corrupt-rows', target: 'invoices', count: 40, field: 'amount' }, 'seed');
    expect(applied.rows).toBe(40);
    expect(await count(urlOf(sandbox))).toBe(5000);
    const loss = await measureLoss(servers(), sandbox, new Date().toISOString(), new Date().toISOString());
    expect(loss.total).toBe(40);
  });

  it('stop-database makes the sandbox refuse connections until it is started again', async () => {
    await injectFault(servers(), sandbox, 0, { kind: 'stop-database' }, 'seed');
    expect(await canConnect(urlOf(sandbox))).toBe(false);
    expect(await canConnect(urlOf(prod))).toBe(true);
    await startSandbox(servers(), sandbox);
    expect(await canConnect(urlOf(sandbox))).toBe(true);
  });

  it('refuses faults it cannot contain, and names that are not sandboxes', async () => {
    await expect(injectFault(servers(), sandbox, 0, { kind: 'rogue-access' }, 'seed')).rejects.toThrow('fault rogue-access is not available yet');
    await expect(injectFault(servers(), sandbox, 0, { kind: 'delete-rows', target: 'plan_versions' }, 'seed')).rejects.toThrow('target "plan_versions" is not a table of the invoice database');
    await expect(injectFault(servers(), prod, 0, { kind: 'drop-table', target: 'invoices' }, 'seed')).rejects.toThrow('is not a drill sandbox name');
    await expect(createSandbox({ invoiceUrl: urlOf(`drill_x_${process.pid}`) }, `drill_x_${process.pid}`)).rejects.toThrow('refusing to use the production invoice database');
  });
});
