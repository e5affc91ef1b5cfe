// What drills need from the tax-platform simulator: faults that lift by themselves (`until`/`for`,
// kept in its database), a drill tenant copied from production's for the drill's taxpayers, and
// dropped with the drill; production's tenant is never overwritten or dropped through these calls.
import { randomBytes } from 'node:crypto';
import { formatInvoiceNo, mulberry32, randomCreditCode } from '../../domain/einvoice';
import { startTaxPlatform } from '../../apps/tax-platform/src';
import type { RunningTaxPlatform } from '../../apps/tax-platform/src';
import { dropDatabase } from '../../scripts/stack/postgres';
import { eventually } from './support/harness';
import { adminUrl, urlOf } from './support/databases';

const DB = `tp_drill_${randomBytes(4).toString('hex')}`;
const TOKEN = 'drill-sim-admin-secret';
const rng = mulberry32(31);
const OURS = randomCreditCode(rng, '110108');
const OTHER = randomCreditCode(rng, '310115');
let sim: RunningTaxPlatform;
let seq = 5000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = { status: number; body: { code: string; message: string; data?: any } };

async function call(path: string, opts: { method?: string; body?: unknown; tenant?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
  if (opts.tenant) headers['x-sim-tenant'] = opts.tenant;
  const res = await fetch(`${sim.url}${path}`, { method: opts.method ?? (opts.body ? 'POST' : 'GET'), headers, body: opts.body ? JSON.stringify(opts.body) : undefined });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const tenant = (name: string) => `drill_${name}_${randomBytes(3).toString('hex')}`;
const row = (seller: string) => ({ fphm: formatInvoiceNo({ year: 26, region: '11', channel: 1, sequence: ++seq }), kprq: '2026-11-03T10:15:00+08:00', xsfnsrsbh: seller, hjje: 1000, hjse: 130, jshj: 1130 });
const upload = (seller: string, rows: unknown[], t?: string) => call('/api/QDFPSC', { body: { fpqqlsh: `S-${randomBytes(6).toString('hex')}`, nsrsbh: seller, invoices: rows }, tenant: t });
const listed = async (seller: string, t?: string) => ((await call(`/api/invoices?nsrsbh=${seller}&period=2026-11`, { tenant: t })).body.data?.invoices ?? []).map((i: { fphm: string }) => i.fphm).sort();

beforeAll(async () => {
  sim = await startTaxPlatform({ databaseUrl: urlOf(DB), port: 0, adminToken: TOKEN });
});

afterAll(async () => {
  await sim?.stop();
  await dropDatabase(adminUrl(), DB);
});

describe('simulator support for drills', () => {
  it('a fault with until is on until that instant, then lifted by itself and listed with the moment the platform came back', async () => {
    const t = tenant('until');
    const until = new Date(Date.now() + 1500).toISOString();
    const set = await call('/_sim/faults', { body: { kind: 'outage', until }, tenant: t });
    expect(set.body.data.fault).toEqual({ kind: 'outage', until });
    expect((await call('/_sim/faults', { tenant: t })).body.data).toMatchObject({ faults: [{ kind: 'outage', until }], lifted: [] });
    expect((await upload(OURS, [row(OURS)], t)).status).toBe(503);
    await eventually('the outage to lift', async () => ((await upload(OURS, [row(OURS)], t)).status === 200 ? true : undefined), 20_000);
    expect((await call('/_sim/faults', { tenant: t })).body.data).toEqual({ tenant: t, faults: [], lifted: [{ kind: 'outage', until }] });
    // Production's tenant never saw the drill's outage.
    expect((await upload(OURS, [row(OURS)])).status).toBe(200);
  });

  it('for counts from now; a fault set again replaces its window; a fault without one stays until cleared', async () => {
    const t = tenant('for');
    const before = Date.now();
    const set = await call('/_sim/faults', { body: { kind: 'slow', ms: 5, for: '3h' }, tenant: t });
    const until = Date.parse(set.body.data.fault.until);
    expect(until).toBeGreaterThanOrEqual(before + 3 * 3600_000);
    expect(until).toBeLessThan(Date.now() + 3 * 3600_000 + 1);
    await call('/_sim/faults', { body: { kind: 'slow', ms: 5 }, tenant: t });
    expect((await call('/_sim/faults', { tenant: t })).body.data.faults).toEqual([{ kind: 'slow', ms: 5 }]);
    // An until already past: the fault is recorded as lifted, never on.
    await call('/_sim/faults', { body: { kind: 'outage', until: '2026-01-01T00:00:00Z' }, tenant: t });
    expect((await call('/_sim/faults', { tenant: t })).body.data.lifted).toEqual([{ kind: 'outage', until: '2026-01-01T00:00:00.000Z' }]);
    expect((await upload(OURS, [row(OURS)], t)).status).toBe(200);
  });

  it('bad windows and unknown kinds are refused with 400 naming what is wrong, and nothing switches on', async () => {
    const t = tenant('bad');
    const cases: Array<[unknown, string]> = [
      [{ kind: 'outage', until: 'tomorrow' }, 'fault until must be an instant with its offset'],
      [{ kind: 'outage', until: '2026-12-01T08:00:00' }, 'fault until must be an instant with its offset'],
      [{ kind: 'outage', for: '10 minutes' }, 'fault for must be a duration such as "90s", "30m" or "3h"'],
      [{ kind: 'outage', for: '60d' }, 'at most 30 days'],
      [{ kind: 'outage', for: '1h', until: '2026-12-01T08:00:00Z' }, 'a fault takes until or for, not both'],
      [{ kind: 'platform-outage', for: '1h' }, 'unknown fault kind "platform-outage"; the kinds are outage, slow, delay, drop, error, session-expired'],
    ];
    for (const [body, message] of cases) {
      const a = await call('/_sim/faults', { body, tenant: t });
      expect(a.status).toBe(400);
      expect(a.body.message).toContain(message);
    }
    expect((await call('/_sim/faults', { tenant: t })).body.data).toEqual({ tenant: t, faults: [], lifted: [] });
  });

  it("a drill tenant starts as a copy of production's invoices of its taxpayers (counters from zero), and is dropped whole; production is untouched", async () => {
    const ours = [row(OURS), row(OURS)];
    const theirs = [row(OTHER)];
    expect((await upload(OURS, ours)).status).toBe(200);
    expect((await upload(OTHER, theirs)).status).toBe(200);
    const prodOurs = await listed(OURS);
    const prodStats = (await call('/_sim/stats')).body.data;

    const t = tenant('copy');
    await upload(OURS, [row(OURS)], t); // left over from an earlier attempt: a copy starts over
    const copy = await call('/_sim/tenant/copy', { body: { taxpayers: [OURS] }, tenant: t });
    expect(copy.body.data).toMatchObject({ tenant: t, from: 'production', taxpayers: 1 });
    expect(await listed(OURS, t)).toEqual(prodOurs);
    expect(await listed(OTHER, t)).toEqual([]);
    expect((await call('/_sim/stats', { tenant: t })).body.data.total).toMatchObject({ uploads: 0, alreadyExists: 0, duplicateSerials: 0 });
    // A retry gives the same tenant.
    expect((await call('/_sim/tenant/copy', { body: { taxpayers: [OURS] }, tenant: t })).body.data.invoices).toBe(copy.body.data.invoices);
    // Re-sending an invoice production already had is refused as a duplicate in the drill's tenant.
    expect((await upload(OURS, [ours[0]], t)).status).toBe(200);
    expect((await call('/_sim/stats', { tenant: t })).body.data.total.alreadyExists).toBe(1);

    await call('/_sim/faults', { body: { kind: 'outage' }, tenant: t });
    expect((await call('/_sim/tenant', { method: 'DELETE', tenant: t })).body.data).toEqual({ tenant: t, dropped: true });
    expect(await listed(OURS, t)).toEqual([]);
    expect((await call('/_sim/faults', { tenant: t })).body.data.faults).toEqual([]);
    expect((await call('/_sim/stats', { tenant: t })).body.data.total.uploads).toBe(0);
    expect(await listed(OURS)).toEqual(prodOurs);
    expect((await call('/_sim/stats')).body.data).toEqual(prodStats);
  });

  it("refuses to overwrite or drop production's tenant, and a copy request with a wrong credit code", async () => {
    const overwrite = await call('/_sim/tenant/copy', { body: { taxpayers: [OURS] } });
    expect(overwrite.status).toBe(400);
    expect(overwrite.body.message).toContain('refusing to overwrite tenant "production"');
    const drop = await call('/_sim/tenant', { method: 'DELETE' });
    expect(drop.status).toBe(400);
    expect(drop.body.message).toContain(`refusing to drop production's tenant "production"`);
    const wrong = OURS.slice(0, 17) + (OURS[17] === '0' ? '1' : '0');
    const bad = await call('/_sim/tenant/copy', { body: { taxpayers: [OURS, wrong] }, tenant: tenant('bad') });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('taxpayers[1] has a wrong check character');
  });
});
