// The embedded stack's SMS gateway as its own process (apps/sms-gateway/src/main.ts), configured
// from the environment as `yingji up` runs it: a notice sent by the SMS channel with the right key
// is kept as a JSON line that `yingji sms list` reads back, a wrong key is refused, SIGTERM stops it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSmsChannel } from '../../activities/notify/sms';
import { smsList } from '../../apps/cli/src/sms-commands';
import { freePort } from '../../scripts/stack/ports';
import { runMain } from './support/ts-process';

const run = (env: NodeJS.ProcessEnv) => runMain('apps/sms-gateway/src/main.ts', env);
const KEY = { accessKeyId: 'LTAIprocess', accessKeySecret: 'process-s3cret' };

describe('SMS gateway process and `yingji sms list`', () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-sms-')), 'sms');
  afterAll(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('keeps a notice sent with its key, refuses one signed with another, and `sms list` shows what it kept', async () => {
    const lines: string[] = [];
    expect(smsList(dir, (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual([`no messages in ${dir} (the SMS gateway keeps what \`yingji up\` sends while YINGJI_SMS_URL is unset)`]);

    const port = await freePort();
    const p = run({
      YINGJI_SMS_GATEWAY_PORT: String(port),
      YINGJI_SMS_GATEWAY_DIR: dir,
      YINGJI_SMS_GATEWAY_ACCESS_KEY_ID: KEY.accessKeyId,
      YINGJI_SMS_GATEWAY_ACCESS_KEY_SECRET: KEY.accessKeySecret,
    });
    try {
      const deadline = Date.now() + 60_000;
      while (!p.output().includes('sms-gateway: listening') && Date.now() < deadline && p.child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect(p.output()).toContain(`sms-gateway: listening on http://127.0.0.1:${port}, keeping messages in ${dir}`);
      expect(p.output()).not.toContain(KEY.accessKeySecret);

      const settings = { url: `http://127.0.0.1:${port}`, ...KEY, signName: '应急Yingji', templateCode: 'SMS_YINGJI_NOTICE' };
      const n = {
        id: 'inc-gw:notify:stage:classified:sms',
        incidentId: 'inc-gw',
        reason: 'stage:classified',
        audience: ['commander'],
        recipients: [{ person: 'zhang-wei', name: '张伟 Zhang Wei', address: '13800138000' }],
        message: '【演练 DRILL】 事件定级 inc-gw II级',
        drill: true,
        at: '2026-11-23T08:00:00.000Z',
      };
      await createSmsChannel({ sms: settings }).deliver(n, {});
      const wrong = await createSmsChannel({ sms: { ...settings, accessKeySecret: 'not-it' } }).deliver(n, {}).then(() => undefined, (e: Error) => e);
      expect(wrong?.message).toContain('refused (SignatureDoesNotMatch: ');

      const listed: string[] = [];
      expect(smsList(dir, (l) => listed.push(l))).toBe(1);
      expect(listed[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}to 13800138000 {2}【应急Yingji】 SMS_YINGJI_NOTICE {2}【演练 DRILL】 事件定级 inc-gw II级 {2}\(BizId \S+\)$/);
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
  });

  it('refuses to start without a key pair, or beyond loopback', async () => {
    const none = run({ YINGJI_SMS_GATEWAY_PORT: '0', YINGJI_SMS_GATEWAY_DIR: dir, YINGJI_SMS_GATEWAY_ACCESS_KEY_ID: '', YINGJI_SMS_GATEWAY_ACCESS_KEY_SECRET: '' });
    expect(await none.exited).toBe(1);
    expect(none.output()).toContain('sms-gateway failed: YINGJI_SMS_GATEWAY_ACCESS_KEY_ID and YINGJI_SMS_GATEWAY_ACCESS_KEY_SECRET must be set');

    const open = run({ YINGJI_SMS_GATEWAY_PORT: '0', YINGJI_SMS_GATEWAY_HOST: '0.0.0.0', YINGJI_SMS_GATEWAY_DIR: dir, YINGJI_SMS_GATEWAY_ACCESS_KEY_ID: 'a', YINGJI_SMS_GATEWAY_ACCESS_KEY_SECRET: 'b' });
    expect(await open.exited).toBe(1);
    expect(open.output()).toContain('sms-gateway failed: YINGJI_SMS_GATEWAY_HOST must be a loopback address');
  });
});
