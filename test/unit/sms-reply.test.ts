import { replyCode, smsReplyProblem, smsReplySignature, SmsUpReply, smsUpProblem } from '../../domain/acknowledgement/sms-reply';

const KEY = { accessKeyId: 'LTAIunit', accessKeySecret: 'unit-s3cret' };
const NOW = new Date('2026-12-02T03:00:00Z');
const reply: SmsUpReply = { phone_number: '13800138001', content: '确认 123456', send_time: '2026-12-02 11:00:00', sign_name: '应急Yingji', dest_code: '', sequence_id: 7 };
const signed = (r: SmsUpReply[], secret = KEY.accessKeySecret, timestamp = NOW.toISOString()) => ({ keyId: KEY.accessKeyId, timestamp, signature: smsReplySignature(secret, timestamp, r) });

describe('SMS reply reports', () => {
  it('accept a report signed with the key secret, within five minutes', () => {
    expect(smsReplyProblem(KEY, signed([reply]), [reply], NOW)).toBeUndefined();
    expect(smsReplyProblem(KEY, signed([reply], KEY.accessKeySecret, '2026-12-02T02:56:00.000Z'), [reply], NOW)).toBeUndefined();
  });

  it('refuse another secret, an edited reply, an unknown key, an old timestamp, or no signature, saying which', () => {
    expect(smsReplyProblem(KEY, signed([reply], 'other'), [reply], NOW)).toMatch(/signature does not match/);
    expect(smsReplyProblem(KEY, signed([reply]), [{ ...reply, phone_number: '13900139002' }], NOW)).toMatch(/signature does not match/);
    expect(smsReplyProblem(KEY, { ...signed([reply]), keyId: 'LTAIother' }, [reply], NOW)).toMatch(/unknown access key/);
    expect(smsReplyProblem(KEY, signed([reply], KEY.accessKeySecret, '2026-12-02T02:54:00.000Z'), [reply], NOW)).toMatch(/not within 5 minutes/);
    expect(smsReplyProblem(KEY, {}, [reply], NOW)).toMatch(/not signed/);
  });

  it('name what is wrong with a body that is not SmsUp replies', () => {
    expect(smsUpProblem([reply])).toBeUndefined();
    expect(smsUpProblem({})).toMatch(/JSON array/);
    expect(smsUpProblem([])).toMatch(/1 to 100 replies/);
    expect(smsUpProblem([{ ...reply, sequence_id: 'x' }])).toBe('[0].sequence_id must be an integer');
  });

  it('find exactly one six-digit code in the reply text', () => {
    expect(replyCode('123456')).toBe('123456');
    expect(replyCode('确认 123456，马上处理')).toBe('123456');
    expect(replyCode('1234567')).toBeUndefined();
    expect(replyCode('123456 654321')).toBeUndefined();
    expect(replyCode('收到')).toBeUndefined();
  });
});
