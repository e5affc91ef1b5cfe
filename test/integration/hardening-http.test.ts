import type { INestApplication } from '@nestjs/common';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { generate } from 'selfsigned';
import { createApp } from '../../apps/api/src/app';
import { ApiClient } from '../../apps/cli/src/api-client';
import { loadConfig } from '../../apps/shared/config';
import { As, Harness, startHarness, tableCounts } from './support/harness';

/** One GET over HTTPS trusting `ca`: the status and headers. */
function httpsGet(url: string, ca: string, token: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      })
      .on('error', reject);
  });
}

// Issue 15 hardening: the headers a browser relies on, body limits, and HTTPS when a certificate is given.
describe('API hardening', () => {
  let h: Harness;
  let commander: As;
  let tmp: string;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-hardening-'));
  });
  afterAll(async () => {
    await h?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('an authenticated JSON answer is not cached, not sniffed, not framed by others, sends no referrer and names no framework; HSTS for the browsers that reach it over HTTPS', async () => {
    const res = await commander.get('/incidents').expect(200);
    expect(res.headers).toMatchObject({
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    });
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-powered-by']).toBeUndefined();
    // Browsers ignore HSTS over plain HTTP; behind a TLS-terminating proxy they see it over HTTPS.
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    // A refusal carries them too.
    expect((await h.http.get('/incidents').expect(401)).headers['cache-control']).toBe('no-store');
  });

  it('a body over the limit is 413 naming its size and the limit, and changes nothing; the limit is configurable', async () => {
    const before = await tableCounts(h.db);
    const big = JSON.stringify({ planId: 'hello-drill', facts: { note: 'x'.repeat(1024 * 1024) } });
    const res = await commander.post('/incidents').set('Content-Type', 'application/json').send(big).expect(413);
    expect(res.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: `request body is ${Buffer.byteLength(big)} bytes; the limit is 1mb (YINGJI_API_BODY_LIMIT)` });
    const yaml = await commander.post('/plans').set('Content-Type', 'application/yaml').send(`id: x\n# ${'y'.repeat(1024 * 1024)}\n`).expect(413);
    expect(yaml.body.message).toMatch(/^request body is \d+ bytes; the limit is 1mb/);
    expect(await tableCounts(h.db)).toEqual(before);

    const config = loadConfig({ ...h.processEnv, YINGJI_API_BODY_LIMIT: '2kb' });
    expect(config.apiBodyLimit).toBe('2kb');
    const small = await createApp(config, { logger: false });
    try {
      await small.init();
      const r = await (await import('supertest')).default(small.getHttpServer()).post('/incidents').set('Authorization', `Bearer ${commander.token}`).send({ planId: 'x', facts: { note: 'z'.repeat(3000) } }).expect(413);
      expect(r.body.message).toMatch(/the limit is 2kb \(YINGJI_API_BODY_LIMIT\)$/);
    } finally {
      await small.close();
    }
    expect(() => loadConfig({ ...h.processEnv, YINGJI_API_BODY_LIMIT: 'lots' })).toThrow('YINGJI_API_BODY_LIMIT must be a size such as 512kb, 1mb or 2097152 (bytes), got "lots"');
  });

  describe('HTTPS when a certificate is given', () => {
    let app: INestApplication;
    let url: string;
    let caFile: string;

    beforeAll(async () => {
      const pems = await generate([{ name: 'commonName', value: 'yingji.test' }], {
        algorithm: 'sha256',
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] }],
      });
      caFile = path.join(tmp, 'api-ca.pem');
      fs.writeFileSync(caFile, pems.cert);
      fs.writeFileSync(path.join(tmp, 'api.key'), pems.private, { mode: 0o600 });
      const config = loadConfig({ ...h.processEnv, YINGJI_TLS_CERT: caFile, YINGJI_TLS_KEY: path.join(tmp, 'api.key') });
      app = await createApp(config, { logger: false });
      await app.listen(0, '127.0.0.1');
      url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    });
    afterAll(() => app?.close());

    it('serves HTTPS with HSTS; the CLI client trusts it through YINGJI_CA_FILE or NODE_EXTRA_CA_CERTS and refuses it otherwise', async () => {
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const res = await httpsGet(`${url}/incidents`, fs.readFileSync(caFile, 'utf8'), commander.token);
      expect(res.status).toBe(200);
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');

      const saved = process.env.YINGJI_CA_FILE;
      try {
        delete process.env.YINGJI_CA_FILE;
        const untrusted = await new ApiClient(url, commander.token).get('/incidents').then(() => undefined, (e: Error & { cause?: Error }) => e.cause?.message ?? e.message);
        expect(untrusted).toMatch(/self[- ]signed certificate/i);
        process.env.YINGJI_CA_FILE = caFile;
        expect(Array.isArray(await new ApiClient(url, commander.token).get('/incidents'))).toBe(true);
        expect(await new ApiClient(url).healthy()).toBe(true);
      } finally {
        if (saved === undefined) delete process.env.YINGJI_CA_FILE;
        else process.env.YINGJI_CA_FILE = saved;
      }

      // NODE_EXTRA_CA_CERTS is read when a process starts: a fresh node whose fetch trusts it.
      const probe = `fetch(${JSON.stringify(`${url}/health`)}).then((r) => console.log(r.status), (e) => console.log(String(e.cause ?? e)))`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', probe], { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile } });
      expect(stdout.trim()).toBe('200');
      // Plain HTTP to the HTTPS port is not answered as if it were.
      const plain = await fetch(url.replace('https:', 'http:') + '/health').then((r) => r.status, () => 'refused');
      expect(plain).not.toBe(200);
    });

    it('YINGJI_TLS_CERT without YINGJI_TLS_KEY, or a missing file, is refused naming the setting', () => {
      expect(() => loadConfig({ ...h.processEnv, YINGJI_TLS_CERT: caFile })).toThrow('YINGJI_TLS_CERT and YINGJI_TLS_KEY must be set together');
      expect(() => loadConfig({ ...h.processEnv, YINGJI_TLS_CERT: caFile, YINGJI_TLS_KEY: '/nowhere/api.key' })).toThrow('YINGJI_TLS_KEY: /nowhere/api.key does not exist');
    });
  });
});
