import type { INestApplication } from '@nestjs/common';
import * as http from 'node:http';
import { createApp } from '../../apps/api/src/app';
import type { AuditRow } from './support/audit';
import { eventually, Harness, startHarness } from './support/harness';

/** One GET from a chosen loopback address (Linux answers on all of 127/8), as another client would. */
function getFrom(baseUrl: string, from: string, path: string, token: string): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${baseUrl}${path}`, { localAddress: from, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined }));
    });
    req.on('error', reject);
  });
}

const WINDOW_S = 15;
const badToken = (id: string) => `yj_${id}.${'B'.repeat(43)}`;

// Issue 15: 200 bad tokens from one client are rate-limited after the threshold, other clients keep
// being answered, and the audit trail holds counts rather than 200 rows.
describe('failed authentication floods', () => {
  let h: Harness;
  let app: INestApplication;
  let baseUrl: string;
  const anonymous = async (): Promise<AuditRow[]> =>
    h.db.query(`SELECT actor, action, subject_type, subject_id, outcome, detail FROM audit_entries WHERE actor = 'anonymous' ORDER BY id`);

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    // Its own API with a short window, so the window's count entry is written while the test waits.
    app = await createApp({ ...h.config, authFailures: { limit: 10, windowS: WINDOW_S } }, { logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('200 bad tokens from one client: 401 ten times, then 429 with Retry-After; another client is answered throughout; the trail holds 13 entries with the counts', async () => {
    const good = await h.as('zhang-wei', ['commander'], ['it-ops']);
    const flooder = '127.0.0.1';
    const other = '127.0.0.2';
    const flood: number[] = [];
    const others: number[] = [];
    let retryAfter: string | undefined;
    let done = false;
    const floodRun = (async () => {
      for (let i = 0; i < 200; i++) {
        const r = await getFrom(baseUrl, flooder, '/incidents', badToken('00000000000000aa'));
        flood.push(r.status);
        retryAfter ??= r.retryAfter;
      }
      done = true;
    })();
    // Another client with a valid token, while the flood goes on.
    while (!done) others.push((await getFrom(baseUrl, other, '/incidents', good.token)).status);
    await floodRun;
    others.push((await getFrom(baseUrl, other, '/incidents', good.token)).status);
    // The same address with a valid token is served too: the throttle is for failures.
    const sameAddressGood = await getFrom(baseUrl, flooder, '/incidents', good.token);

    console.log(`flood: ${flood.filter((s) => s === 401).length} × 401, ${flood.filter((s) => s === 429).length} × 429 (Retry-After ${retryAfter} s); other client during the flood: ${others.length} requests, ${others.filter((s) => s === 200).length} × 200`);
    expect(flood).toEqual([...Array(10).fill(401), ...Array(190).fill(429)]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(WINDOW_S);
    expect(others.length).toBeGreaterThan(1);
    expect(others.every((s) => s === 200)).toBe(true);
    expect(sameAddressGood.status).toBe(200);

    // The window ends: one count per throttled key (the address and the claimed token id).
    const rows = await eventually('the counts of the flood window', async () => {
      const r = await anonymous();
      return r.filter((e) => e.action === 'auth.failures').length >= 2 ? r : undefined;
    }, (WINDOW_S + 30) * 1000);
    expect(rows).toHaveLength(13);
    expect(rows.slice(0, 10).every((e) => e.action === 'incident.list' && e.detail.claimedTokenId === '00000000000000aa' && e.detail.ip === flooder)).toBe(true);
    expect(rows[10]).toMatchObject({ action: 'auth.throttle', subject_type: 'source', subject_id: flooder, detail: { reason: expect.stringMatching(/^more than 10 failed authentications from 127\.0\.0\.1 within 15 s: refused with 429 until /), throttled: { source: true, tokenId: true } } });
    const counts = rows.slice(11).sort((a, b) => a.subject_type.localeCompare(b.subject_type));
    expect(counts).toEqual([
      expect.objectContaining({ action: 'auth.failures', subject_type: 'source', subject_id: flooder, detail: expect.objectContaining({ failures: 200, limit: 10 }) }),
      expect.objectContaining({ action: 'auth.failures', subject_type: 'token', subject_id: '00000000000000aa', detail: expect.objectContaining({ failures: 200, addresses: [flooder] }) }),
    ]);
    expect(counts[0].detail.reason).toMatch(/^200 failed authentications from 127\.0\.0\.1 from \S+ to \S+; past the limit of 10 they were refused with 429/);
    // Counts are new entries: the chain still verifies.
    const auditor = await h.as('sun-li', ['auditor']);
    expect((await auditor.get('/audit/verify').expect(200)).body).toMatchObject({ ok: true });
  });

  it('one token id with wrong secrets from 12 addresses: throttled on the token id after 10, though each address failed once', async () => {
    const before = (await anonymous()).length;
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await getFrom(baseUrl, `127.0.1.${i + 1}`, '/incidents', badToken('00000000000000bb'))).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    const rows = await eventually('the token id window count', async () => {
      const r = (await anonymous()).slice(before);
      return r.some((e) => e.action === 'auth.failures') ? r : undefined;
    }, (WINDOW_S + 30) * 1000);
    expect(rows).toHaveLength(12);
    expect(rows[10]).toMatchObject({ action: 'auth.throttle', subject_type: 'token', subject_id: '00000000000000bb', detail: { reason: expect.stringMatching(/^more than 10 failed authentications with token id 00000000000000bb within 15 s/) } });
    expect(rows[11]).toMatchObject({ action: 'auth.failures', subject_type: 'token', subject_id: '00000000000000bb', detail: { failures: 12, addresses: Array.from({ length: 12 }, (_, i) => `127.0.1.${i + 1}`) } });
  });

  it('a window still open when the API stops is written as far as it got, marked cut short', async () => {
    const before = (await anonymous()).length;
    const hourly = await createApp({ ...h.config, authFailures: { limit: 10, windowS: 3600 } }, { logger: false });
    await hourly.listen(0, '127.0.0.1');
    const url = (await hourly.getUrl()).replace('[::1]', '127.0.0.1');
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await getFrom(url, '127.0.2.1', '/incidents', 'not-a-token')).status);
    expect(statuses).toEqual([...Array(10).fill(401), ...Array(5).fill(429)]);
    await hourly.close();
    const rows = (await anonymous()).slice(before);
    expect(rows.map((r) => r.action)).toEqual([...Array(10).fill('incident.list'), 'auth.throttle', 'auth.failures']);
    expect(rows[11]).toMatchObject({ subject_type: 'source', subject_id: '127.0.2.1', detail: { failures: 15, cutShort: true, reason: expect.stringContaining('(the API stopped before the window ended)') } });
  });
});
