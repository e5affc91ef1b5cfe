// The tax-platform simulator as a real HTTP service on the run's PostgreSQL: its calls, error
// codes, faults, counters, tenants and restarts, observed the way a client (our sync) sees them.
import { randomBytes } from 'node:crypto';
import { formatInvoiceNo, mulberry32, randomCreditCode } from '../../domain/einvoice';
import { startTaxPlatform } from '../../apps/tax-platform/src';
import type { RunningTaxPlatform } from '../../apps/tax-platform/src';
import { dropDatabase } from '../../scripts/stack/postgres';
import { adminUrl, queryUrl, urlOf } from './support/databases';

const DB = `tp_sim_${randomBytes(4).toString('hex')}`;
const TOKEN = 'sim-admin-secret';
const rng = mulberry32(12);
const SELLER = randomCreditCode(rng, '110108');
const BUYER = randomCreditCode(rng, '310115');
let sim: RunningTaxPlatform;
let seq = 1000;

interface Answer {
  status: number;
  // The answers' data are checked field by field with toMatchObject; typing each shape would only repeat them.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: { code: string; message: string; data?: any; sllsh?: string };
  ms: number;
}

async function call(path: string, opts: { method?: string; body?: unknown; tenant?: string; token?: string | null } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.tenant) headers['x-sim-tenant'] = opts.tenant;
  if (path.startsWith('/_sim') && opts.token !== null) headers.authorization = `Bearer ${opts.token ?? TOKEN}`;
  const t0 = Date.now();
  const res = await fetch(`${sim.url}${path}`, { method: opts.method ?? (opts.body ? 'POST' : 'GET'), headers, body: opts.body ? JSON.stringify(opts.body) : undefined });
  return { status: res.status, body: (await res.json()) as Answer["body"], ms: Date.now() - t0 };
}

const nextNo = () => formatInvoiceNo({ year: 26, region: '11', channel: 1, sequence: ++seq });
const serial = () => `S-${randomBytes(6).toString('hex')}`;
const tenant = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;

function row(fphm = nextNo(), over: Record<string, unknown> = {}) {
  return { fphm, kprq: '2026-11-03T10:15:00+08:00', xsfnsrsbh: SELLER, gmfnsrsbh: BUYER, hjje: 100_000, hjse: 13_000, jshj: 113_000, ...over };
}

const upload = (rows: unknown[], t?: string, fpqqlsh = serial()) => call('/api/QDFPSC', { body: { fpqqlsh, nsrsbh: SELLER, invoices: rows }, tenant: t });
const result = (sllsh: string, t?: string) => call('/api/CXQDFPSCJG', { body: { sllsh }, tenant: t });
const list = (t?: string, extra = '') => call(`/api/invoices?nsrsbh=${SELLER}&period=2026-11${extra}`, { tenant: t });
const stats = async (t?: string) => (await call('/_sim/stats', { tenant: t })).body.data;
const fault = (body: unknown, t?: string) => call('/_sim/faults', { body, tenant: t });

beforeAll(async () => {
  sim = await startTaxPlatform({ databaseUrl: urlOf(DB), port: 0, adminToken: TOKEN });
});

afterAll(async () => {
  await sim?.stop();
  await dropDatabase(adminUrl(), DB);
});

describe('tax-platform simulator', () => {
  it('upload (QDFPSC) answers an acceptance serial; its result (CXQDFPSCJG), the list, one invoice and the monthly summary (SCFPHZQRXX) show it', async () => {
    const t = tenant('flow');
    const blue = row();
    const red = row(nextNo(), { hjje: -40_000, hjse: -5_200, jshj: -45_200, lzfphm: blue.fphm, kprq: '2026-11-20T09:00:00+08:00' });
    const up = await upload([blue, red], t);
    expect(up.status).toBe(200);
    expect(up.body.code).toBe('00');
    expect(up.body.data).toEqual({ sllsh: expect.stringMatching(/^SL/), fpqqlsh: expect.any(String), rows: 2 });

    const res = await result(up.body.data.sllsh, t);
    expect(res.body.data).toMatchObject({ state: 'done', pending: 0, results: [{ fphm: blue.fphm, status: '00' }, { fphm: red.fphm, status: '00' }] });

    const page = (await list(t)).body.data;
    expect(page).toMatchObject({ total: 2, page: 1, size: 50 });
    expect(page.invoices.map((i: { fphm: string }) => i.fphm)).toEqual([blue.fphm, red.fphm]);
    const asBuyer = (await call(`/api/invoices?nsrsbh=${BUYER}&period=2026-11&role=buyer`, { tenant: t })).body.data;
    expect(asBuyer.total).toBe(2);
    expect((await call(`/api/invoices?nsrsbh=${SELLER}&period=2026-10`, { tenant: t })).body.data.total).toBe(0);

    const one = await call(`/api/invoices/${blue.fphm}?kprq=2026-11-03`, { tenant: t });
    expect(one.body.data).toMatchObject({ fphm: blue.fphm, hjje: 100_000, jshj: 113_000, kind: 'blue', xsfnsrsbh: SELLER });
    const wrongDate = await call(`/api/invoices/${blue.fphm}?kprq=2026-11-04`, { tenant: t });
    expect(wrongDate.status).toBe(404);
    expect(wrongDate.body.message).toContain('kprq 2026-11-04');

    const sum = await call(`/api/SCFPHZQRXX?nsrsbh=${SELLER}&period=2026-11`, { tenant: t });
    expect(sum.body.data).toEqual({
      nsrsbh: SELLER,
      period: '2026-11',
      blue: { count: 1, hjje: 100_000, hjse: 13_000, jshj: 113_000 },
      red: { count: 1, hjje: -40_000, hjse: -5_200, jshj: -45_200 },
      declaration: { status: 'not-confirmed' },
    });
    const confirmed = await call('/api/SCFPHZQRXX/confirm', { body: { nsrsbh: SELLER, period: '2026-11' }, tenant: t });
    expect(confirmed.body.data.declaration).toEqual({ status: 'confirmed', confirmedAt: expect.any(String) });
  });

  it('pages hold at most 50 rows', async () => {
    const t = tenant('pages');
    expect((await upload(Array.from({ length: 51 }, () => row()), t)).status).toBe(200);
    const first = (await list(t)).body.data;
    expect(first).toMatchObject({ total: 51, pages: 2 });
    expect(first.invoices).toHaveLength(50);
    expect((await list(t, '&page=2')).body.data.invoices).toHaveLength(1);
    const tooBig = await list(t, '&size=51');
    expect(tooBig.status).toBe(400);
    expect(tooBig.body).toMatchObject({ code: '1108', message: expect.stringContaining('size must not be greater than 50') });
  });

  it('the same request serial twice is refused with 6655 naming the first acceptance, stores nothing and counts a duplicate refused', async () => {
    const t = tenant('serial');
    const fpqqlsh = serial();
    const first = await upload([row()], t, fpqqlsh);
    const again = await upload([row()], t, fpqqlsh);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: '6655', sllsh: first.body.data.sllsh, message: expect.stringContaining(fpqqlsh) });
    expect((await list(t)).body.data.total).toBe(1);
    expect((await stats(t)).total).toMatchObject({ uploads: 1, invoices: 1, duplicatesRefused: 1, duplicateSerials: 1 });
  });

  it('an invoice already uploaded under another serial is answered 6783 in the result, stored once and counted', async () => {
    const t = tenant('exists');
    const inv = row();
    await upload([inv], t);
    const other = row();
    const second = await upload([inv, other], t);
    const res = (await result(second.body.data.sllsh, t)).body.data;
    expect(res.results).toEqual([
      { fphm: inv.fphm, status: '6783', message: expect.stringContaining('query it instead') },
      { fphm: other.fphm, status: '00', message: 'ok' },
    ]);
    expect((await list(t)).body.data.total).toBe(2);
    expect((await stats(t)).byTaxpayer[SELLER]).toMatchObject({ uploads: 2, invoices: 2, alreadyExists: 1, duplicatesRefused: 1 });
  });

  it('outage answers 503 until cleared', async () => {
    const t = tenant('outage');
    expect((await fault({ kind: 'outage' }, t)).status).toBe(200);
    const down = await upload([row()], t);
    expect(down.status).toBe(503);
    expect(down.body.code).toBe('2116');
    expect((await list(t)).status).toBe(503);
    expect((await call('/_sim/faults', { method: 'DELETE', tenant: t })).body.data.cleared).toEqual(['outage']);
    expect((await upload([row()], t)).status).toBe(200);
    expect((await stats(t)).total.uploads).toBe(1);
  });

  it('slow adds the set latency to every call', async () => {
    const t = tenant('slow');
    await fault({ kind: 'slow', ms: 400 }, t);
    expect((await call('/_sim/faults', { tenant: t })).body.data.faults).toEqual([{ kind: 'slow', ms: 400 }]);
    const slow = await list(t);
    expect(slow.status).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(400);
  });

  it('delay accepts an invoice but hides it (list, one, summary, result) until the window passes', async () => {
    const t = tenant('delay');
    await fault({ kind: 'delay', ms: 2000 }, t);
    const inv = row();
    const up = await upload([inv], t);
    expect(up.status).toBe(200);
    expect((await result(up.body.data.sllsh, t)).body.data).toMatchObject({ state: 'processing', pending: 1, results: [] });
    expect((await list(t)).body.data.total).toBe(0);
    expect((await call(`/api/invoices/${inv.fphm}?kprq=2026-11-03`, { tenant: t })).status).toBe(404);
    expect((await call(`/api/SCFPHZQRXX?nsrsbh=${SELLER}&period=2026-11`, { tenant: t })).body.data.blue.count).toBe(0);
    // Already accepted: uploading it again is a duplicate, not a second copy.
    const again = await upload([inv], t);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await list(t)).body.data.total).toBe(1);
    expect((await result(up.body.data.sllsh, t)).body.data).toMatchObject({ state: 'done', results: [{ fphm: inv.fphm, status: '00' }] });
    expect((await result(again.body.data.sllsh, t)).body.data.results).toEqual([expect.objectContaining({ status: '6783' })]);
  });

  it('drop accepts a batch, then loses it: the result says so, the invoice is nowhere, the drop is counted and a new upload succeeds', async () => {
    const t = tenant('drop');
    await fault({ kind: 'drop', share: 1 }, t);
    const inv = row();
    const up = await upload([inv], t);
    expect(up.status).toBe(200);
    expect((await result(up.body.data.sllsh, t)).body.data.results).toEqual([{ fphm: inv.fphm, status: '2116', message: expect.stringContaining('lost') }]);
    expect((await list(t)).body.data.total).toBe(0);
    expect((await stats(t)).total).toMatchObject({ uploads: 1, invoices: 0, drops: 1 });
    await call('/_sim/faults?kind=drop', { method: 'DELETE', tenant: t });
    const retry = await upload([inv], t);
    expect((await result(retry.body.data.sllsh, t)).body.data.results[0].status).toBe('00');
  });

  it('error answers the given code on its share of calls (share 1: every call) and stores nothing', async () => {
    const t = tenant('error');
    await fault({ kind: 'error', code: '2116', share: 1 }, t);
    const up = await upload([row()], t);
    expect(up.status).toBe(500);
    expect(up.body.code).toBe('2116');
    await fault({ kind: 'error', code: '1108', share: 1 }, t);
    expect((await list(t)).body).toMatchObject({ code: '1108' });
    await call('/_sim/faults', { method: 'DELETE', tenant: t });
    expect((await list(t)).body.data.total).toBe(0);
  });

  it('session-expired answers 1101 to every call until the taxpayer logs in again', async () => {
    const t = tenant('session');
    await fault({ kind: 'session-expired' }, t);
    for (const a of [await upload([row()], t), await list(t)]) {
      expect(a.status).toBe(401);
      expect(a.body.code).toBe('1101');
    }
    const login = await call('/api/login', { body: { nsrsbh: SELLER }, tenant: t });
    expect(login.body.data).toEqual({ nsrsbh: SELLER, relogged: true });
    expect((await upload([row()], t)).status).toBe(200);
  });

  it('state, faults and counters survive a restart on the same database', async () => {
    const t = tenant('restart');
    const inv = row();
    const up = await upload([inv], t);
    await upload([row()], t, 'same');
    await upload([row()], t, 'same');
    await fault({ kind: 'slow', ms: 10 }, t);
    await sim.stop();
    sim = await startTaxPlatform({ databaseUrl: urlOf(DB), port: 0, adminToken: TOKEN });
    expect((await list(t)).body.data.total).toBe(2);
    expect((await result(up.body.data.sllsh, t)).body.data.results[0]).toMatchObject({ fphm: inv.fphm, status: '00' });
    expect((await stats(t)).total).toMatchObject({ uploads: 2, duplicateSerials: 1 });
    expect((await call('/_sim/faults', { tenant: t })).body.data.faults).toEqual([{ kind: 'slow', ms: 10 }]);
    expect((await upload([row()], t, 'same')).body.code).toBe('6655');
  });

  it("tenants do not see each other's invoices, faults or counters; the default tenant is production's", async () => {
    const drill = tenant('drill');
    const inv = row();
    await upload([inv], drill);
    await fault({ kind: 'outage' }, drill);
    expect((await list(drill)).status).toBe(503);
    expect((await call('/health', { tenant: drill })).body).toEqual({ code: '00', message: 'ok', data: { status: 'ok' } });
    const prod = await list();
    expect(prod.status).toBe(200);
    expect(prod.body.data.invoices.map((i: { fphm: string }) => i.fphm)).not.toContain(inv.fphm);
    expect((await call(`/api/invoices/${inv.fphm}?kprq=2026-11-03`)).status).toBe(404);
    expect((await stats()).tenant).toBe('production');
    expect((await stats()).byTaxpayer[SELLER]).toBeUndefined();
    expect((await stats(drill)).total.uploads).toBe(1);
    // The same serial is free in another tenant.
    await call('/_sim/faults', { method: 'DELETE', tenant: drill });
    const s = serial();
    expect((await upload([row()], drill, s)).status).toBe(200);
    expect((await upload([row()], tenant('other'), s)).status).toBe(200);
  });

  it('bad input is refused with 1108 naming the field, and nothing is stored', async () => {
    const t = tenant('bad');
    const short = await upload([row(), row('2611100000000000012')], t);
    expect(short.status).toBe(400);
    expect(short.body.code).toBe('1108');
    expect(short.body.message).toContain('invoices[1].fphm must be 20 digits, got 19 characters');

    const wrong = SELLER.slice(0, 17) + (SELLER[17] === '0' ? '1' : '0');
    const badBuyer = await upload([row(nextNo(), { gmfnsrsbh: wrong })], t);
    expect(badBuyer.status).toBe(400);
    expect(badBuyer.body.message).toContain(`invoices[0].gmfnsrsbh has a wrong check character (the 18th): "${wrong}"`);
    const badUploader = await call('/api/QDFPSC', { body: { fpqqlsh: serial(), nsrsbh: wrong, invoices: [row()] }, tenant: t });
    expect(badUploader.body.message).toContain('nsrsbh has a wrong check character');

    const tooMany = await upload(Array.from({ length: 5001 }, () => row()), t);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain('invoices holds at most 5000 rows a batch');

    const badTotal = await upload([row(nextNo(), { jshj: 1 })], t);
    expect(badTotal.body.message).toContain('invoices[0].jshj 1 is not hjje + hjse (113000)');
    const notJson = await fetch(`${sim.url}/api/QDFPSC`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-sim-tenant': t }, body: '{"fpqqlsh":' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ code: '1108', message: expect.stringContaining('not valid JSON') });
    expect((await call('/api/invoices?nsrsbh=91&period=2026-13', { tenant: t })).body.message).toMatch(/nsrsbh is not 18 characters long.*period must be a tax period yyyy-MM/);

    // Refused batches consume no serial and count nothing.
    const s = serial();
    expect((await upload([row('123')], t, s)).status).toBe(400);
    expect((await upload([row()], t, s)).status).toBe(200);
    expect((await list(t)).body.data.total).toBe(1);
    expect((await stats(t)).total).toMatchObject({ uploads: 1, invoices: 1, duplicatesRefused: 0 });
    expect(await queryUrl(urlOf(DB), 'SELECT count(*)::int AS n FROM tp_invoices WHERE tenant = $1', [t])).toEqual([{ n: 1 }]);
  });

  it('an unknown fault kind is refused with 400 naming it and listing the kinds; nothing switches on', async () => {
    const t = tenant('kinds');
    const bad = await fault({ kind: 'meltdown' }, t);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('unknown fault kind "meltdown"; the kinds are outage, slow, delay, drop, error, session-expired');
    expect((await fault({ kind: 'error', share: 1 }, t)).body.message).toContain("fault 'error' needs code");
    expect((await call('/_sim/faults', { tenant: t })).body.data.faults).toEqual([]);
    expect((await list(t)).status).toBe(200);
  });

  it('the admin calls need the secret; the platform calls do not', async () => {
    const t = tenant('admin');
    const none = await call('/_sim/faults', { body: { kind: 'outage' }, tenant: t, token: null });
    expect(none.status).toBe(401);
    expect((await call('/_sim/stats', { tenant: t, token: 'wrong' })).status).toBe(401);
    expect((await list(t)).status).toBe(200);
    const bad = await call('/api/invoices', { tenant: 'Bad Tenant!' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('x-sim-tenant');
  });
});
