// The embedded stack's mail sink as its own process (apps/mail-sink/src/main.ts), configured from
// the environment as `yingji up` runs it: a notice sent by the email channel arrives as a .eml in
// its folder, `yingji mail list` and `yingji mail show` read it back, and SIGTERM stops it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createEmailChannel } from '../../activities/notify/email';
import { mailList, mailShow } from '../../apps/cli/src/mail-commands';
import { freePort } from '../../scripts/stack/ports';
import { runMain } from './support/ts-process';

const run = (env: NodeJS.ProcessEnv) => runMain('apps/mail-sink/src/main.ts', env);

describe('mail sink process and `yingji mail`', () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-mail-')), 'mail');
  afterAll(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('keeps a sent notice as a .eml that `mail list` and `mail show` read back', async () => {
    const lines: string[] = [];
    expect(await mailList(dir, (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual([`no messages in ${dir} (the mail sink keeps what \`yingji up\` sends while YINGJI_SMTP_URL is unset)`]);

    const port = await freePort();
    const p = run({ YINGJI_MAIL_SINK_PORT: String(port), YINGJI_MAIL_SINK_DIR: dir });
    try {
      const deadline = Date.now() + 60_000;
      while (!p.output().includes('mail-sink: listening') && Date.now() < deadline && p.child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect(p.output()).toContain(`mail-sink: listening on smtp://127.0.0.1:${port}, keeping messages in ${dir}`);

      const email = createEmailChannel({ smtp: { url: `smtp://127.0.0.1:${port}`, from: '应急 Yingji <yingji@ops.example.com>' } });
      await email.deliver(
        {
          id: 'inc-sink:notify:stage:classified:email',
          incidentId: 'inc-sink',
          reason: 'stage:classified',
          audience: ['commander'],
          recipients: [{ person: 'zhang-wei', name: '张伟 Zhang Wei', address: 'zhang.wei@example.com' }],
          message: '【演练 DRILL】 事件定级 Incident inc-sink classified as level II',
          drill: true,
          at: '2026-11-23T08:00:00.000Z',
        },
        {},
      );

      const listed: string[] = [];
      expect(await mailList(dir, (l) => listed.push(l))).toBe(1);
      expect(listed[0]).toMatch(/^(\d{8}T\d{9}Z-[0-9a-f]{6}) {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}to zhang\.wei@example\.com {2}【演练 DRILL】 \[应急 Yingji\] 事件定级 Incident classified · inc-sink$/);
      const id = listed[0].split(' ')[0];

      const shown: string[] = [];
      await mailShow(dir, id.slice(0, 20), (l) => shown.push(l));
      expect(shown.join('\n')).toMatch(/^Message-ID: <[0-9a-f]{24}\.[0-9a-f]{12}@ops\.example\.com>\n/);
      expect(shown).toContain('To:         zhang.wei@example.com');
      expect(shown).toContain(`File:       ${path.join(dir, `${id}.eml`)}`);
      expect(shown.join('\n')).toContain('【演练 DRILL】 事件定级 Incident inc-sink classified as level II');

      const html: string[] = [];
      await mailShow(dir, id, (l) => html.push(l), { html: true });
      expect(html.join('\n')).toContain('<h2>事件定级 Incident classified</h2>');

      await expect(mailShow(dir, 'nope-1234', () => undefined)).rejects.toThrow(`no message nope-1234 in ${dir} (\`yingji mail list\` shows the ids)`);
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
  });

  it('refuses to listen beyond loopback, since it takes mail from anyone', async () => {
    const p = run({ YINGJI_MAIL_SINK_PORT: '0', YINGJI_MAIL_SINK_HOST: '0.0.0.0', YINGJI_MAIL_SINK_DIR: dir });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('mail-sink failed: YINGJI_MAIL_SINK_HOST must be a loopback address');
  });
});
