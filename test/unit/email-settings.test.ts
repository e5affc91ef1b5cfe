// Email settings and rendering without a server: bad settings are refused naming the setting (and
// never echo a password), the subject says what the notice is in both languages, and the
// Message-ID is the same for one notice and person and differs between people.
import { smtpConfigFrom } from '../../apps/shared/config';
import { emailAddresses, messageIdFor, noticeKind, renderEmail } from '../../activities/notify/email';

describe('YINGJI_SMTP_* settings', () => {
  it('is off without a URL and reads url, from and CA file when set', () => {
    expect(smtpConfigFrom({})).toBeUndefined();
    expect(smtpConfigFrom({ YINGJI_SMTP_URL: 'smtps://u:p@mail.example.com', YINGJI_SMTP_FROM: 'ops@example.com' })).toEqual({
      url: 'smtps://u:p@mail.example.com',
      from: 'ops@example.com',
      caFile: undefined,
    });
  });

  it('refuses what it cannot use, naming the setting and hiding the password', () => {
    expect(() => smtpConfigFrom({ YINGJI_SMTP_URL: 'http://u:topsecret@mail.example.com' })).toThrow(/^YINGJI_SMTP_URL must be smtp:\/\/.*"http:\/\/u:\*\*\*@mail\.example\.com\/"$/);
    expect(() => smtpConfigFrom({ YINGJI_SMTP_URL: 'not a url' })).toThrow('YINGJI_SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://..., got "(not a URL)"');
    expect(() => smtpConfigFrom({ YINGJI_SMTP_URL: 'smtp://h', YINGJI_SMTP_FROM: 'Yingji' })).toThrow(/^YINGJI_SMTP_FROM must be an address/);
    expect(() => smtpConfigFrom({ YINGJI_SMTP_URL: 'smtp://h', YINGJI_SMTP_CA_FILE: '/nowhere/ca.pem' })).toThrow('YINGJI_SMTP_CA_FILE: /nowhere/ca.pem does not exist');
  });
});

describe('email rendering', () => {
  const n = { id: 'rt-1:alert', subject: 'recovery-test:rt-1', reason: 'recovery-test.failed', audience: [], recipients: [], message: '恢复测试失败 Recovery test failed: <boom>', drill: false, at: '2026-11-23T08:00:00.000Z' };

  it('names every notice kind in Chinese, then English', () => {
    expect(noticeKind('stage:classified')).toEqual({ zh: '事件定级', en: 'Incident classified' });
    expect(noticeKind('escalation:restore:1')).toEqual({ zh: '任务超时升级', en: 'Escalation: task overdue' });
    expect(noticeKind('drill:start')).toEqual({ zh: '演练开始', en: 'Drill started' });
    expect(noticeKind('recovery-test.failed')).toEqual({ zh: '恢复测试失败', en: 'Recovery test failed' });
  });

  it('renders a notice without an incident by its subject, escaping HTML', () => {
    const m = renderEmail(n);
    expect(m.subject).toBe('[应急 Yingji] 恢复测试失败 Recovery test failed · recovery-test:rt-1');
    expect(m.text).toContain('对象 Subject: recovery-test:rt-1');
    expect(m.html).toContain('Recovery test failed: &lt;boom&gt;');
    expect(m.html).not.toContain('<boom>');
  });

  it('gives one Message-ID per notice and person, whatever the address case', () => {
    const a = messageIdFor('inc-1:notify:step:x:email', 'li.na@example.com', 'example.com');
    expect(messageIdFor('inc-1:notify:step:x:email', 'LI.NA@example.com', 'example.com')).toBe(a);
    expect(messageIdFor('inc-1:notify:step:x:email', 'wang@example.com', 'example.com')).not.toBe(a);
    expect(messageIdFor('inc-2:notify:step:x:email', 'li.na@example.com', 'example.com')).not.toBe(a);
  });

  it('sends to directory addresses and the audience role addresses once, and names who has none', () => {
    const got = emailAddresses(
      { ...n, audience: ['finance'], recipients: [{ person: 'li-na', address: 'li.na@example.com' }, { person: 'wang', address: 'not-an-address' }] },
      { to: { finance: ['Li.Na@example.com', 'ar@example.com'], legal: 'legal@example.com' } },
    );
    expect({ to: got.to, missing: got.missing }).toEqual({ to: ['li.na@example.com', 'ar@example.com'], missing: ['wang'] });
  });
});
