// The Aliyun RPC signature against Alibaba Cloud's documented SendSms example ("HTTP协议及签名",
// help.aliyun.com/document_detail/56189, testId/testSecret), and what the SMS channel sends.
import { canonicalQuery, percentEncode, sendSmsParams, signature, stringToSign } from '../../activities/notify/sms/aliyun';
import { outIdFor, smsContent, smsNumber, smsNumbers } from '../../activities/notify/sms';
import { smsConfigFrom } from '../../apps/shared/config';

const DOC_EXAMPLE = {
  AccessKeyId: 'testId',
  Action: 'SendSms',
  Format: 'XML',
  OutId: '123',
  PhoneNumbers: '15300000001',
  RegionId: 'cn-hangzhou',
  SignName: '阿里云短信测试专用',
  SignatureMethod: 'HMAC-SHA1',
  SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
  SignatureVersion: '1.0',
  TemplateCode: 'SMS_71390007',
  TemplateParam: '{"customer":"test"}',
  Timestamp: '2017-07-12T02:42:19Z',
  Version: '2017-05-25',
};

describe('Aliyun SendSms signature', () => {
  it("gives the signature of Alibaba Cloud's documented example", () => {
    expect(canonicalQuery(DOC_EXAMPLE)).toBe(
      'AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25',
    );
    expect(stringToSign('GET', DOC_EXAMPLE).startsWith('GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms')).toBe(true);
    expect(signature('testSecret', DOC_EXAMPLE)).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
    // Another secret, another signature; Signature itself is never part of what is signed.
    expect(signature('otherSecret', DOC_EXAMPLE)).not.toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
    expect(signature('testSecret', { ...DOC_EXAMPLE, Signature: 'x' })).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });

  it('percent-encodes as Alibaba Cloud does: space %20, * %2A, ~ kept', () => {
    expect(percentEncode("a b*c~d!'()+")).toBe('a%20b%2Ac~d%21%27%28%29%2B');
  });

  it('signs a SendSms call with the message, its OutId and a UTC timestamp without milliseconds', () => {
    const p = sendSmsParams(
      { accessKeyId: 'testId', accessKeySecret: 'testSecret' },
      { phoneNumbers: ['13800138000'], signName: '应急Yingji', templateCode: 'SMS_1', templateParam: { content: '通知' }, outId: 'o1' },
      new Date('2026-11-23T08:00:00.123Z'),
      'nonce-1',
    );
    expect(p).toMatchObject({ Action: 'SendSms', Version: '2017-05-25', Timestamp: '2026-11-23T08:00:00Z', PhoneNumbers: '13800138000', TemplateParam: '{"content":"通知"}', OutId: 'o1', SignatureNonce: 'nonce-1' });
    expect(p.Signature).toBe(signature('testSecret', p));
  });
});

describe('what the SMS channel sends', () => {
  it('shortens the notice to 35 characters, keeping the drill mark at the front', () => {
    const long = '【演练 DRILL】 发票库故障，II级，预计恢复 4h；请财务暂停开票并通知大客户，等待进一步指令';
    const c = smsContent(long);
    expect(Array.from(c)).toHaveLength(35);
    expect(c.startsWith('【演练 DRILL】 发票库故障')).toBe(true);
    expect(c.endsWith('…')).toBe(true);
    expect(smsContent('发票库故障，\n II级')).toBe('发票库故障， II级');
  });

  it('takes mobiles only, as SendSms writes them, each once, and names who has none', () => {
    expect(smsNumber('+86 138 0013 8000')).toBe('13800138000');
    expect(smsNumber('+44 7911 123456')).toBe('447911123456');
    expect(smsNumber('+86 10 5555 0100')).toBeUndefined(); // a landline cannot get a text
    const { to, missing } = smsNumbers(
      {
        id: 'n1', reason: 'step:x', audience: ['finance', 'legal'], message: 'm', drill: false, at: '2026-11-23T08:00:00Z',
        recipients: [{ person: 'li-na', address: '13800138000' }, { person: 'wang-qiang', address: '+86 10 5555 0100' }, { person: 'zhao-lei' }],
      },
      { to: { finance: ['+86 138 0013 8000', '13900139000'], legal: '010-55550100', ops: '13700137000' } },
    );
    expect(to).toEqual(['13800138000', '13900139000']);
    expect(missing).toEqual(['wang-qiang', 'zhao-lei', 'legal (010-55550100 is not a mobile number)']);
  });

  it('gives one OutId per notification and number, the same on every retry', () => {
    expect(outIdFor('n1', '13800138000')).toBe(outIdFor('n1', '13800138000'));
    expect(outIdFor('n1', '13800138000')).not.toBe(outIdFor('n1', '13900139000'));
    expect(outIdFor('n1', '13800138000')).not.toBe(outIdFor('n2', '13800138000'));
    expect(outIdFor('n1', '13800138000')).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('SMS settings', () => {
  const full = { YINGJI_SMS_ACCESS_KEY_ID: 'id', YINGJI_SMS_ACCESS_KEY_SECRET: 'sec', YINGJI_SMS_SIGN_NAME: '应急', YINGJI_SMS_TEMPLATE_CODE: 'SMS_1' };
  it("names what is missing, and defaults to Aliyun's endpoint", () => {
    expect(smsConfigFrom({})).toEqual({ missing: ['YINGJI_SMS_ACCESS_KEY_ID', 'YINGJI_SMS_ACCESS_KEY_SECRET', 'YINGJI_SMS_SIGN_NAME', 'YINGJI_SMS_TEMPLATE_CODE'] });
    expect(smsConfigFrom({ ...full, YINGJI_SMS_ACCESS_KEY_SECRET: ' ' })).toEqual({ missing: ['YINGJI_SMS_ACCESS_KEY_SECRET'] });
    expect(smsConfigFrom(full)).toMatchObject({ url: 'https://dysmsapi.aliyuncs.com', accessKeyId: 'id', signName: '应急' });
  });
  it('refuses a URL that is not http(s), or plain http off this machine', () => {
    expect(() => smsConfigFrom({ ...full, YINGJI_SMS_URL: 'ftp://x' })).toThrow('YINGJI_SMS_URL must be an http:// or https:// address');
    expect(() => smsConfigFrom({ ...full, YINGJI_SMS_URL: 'http://sms.example.com' })).toThrow('YINGJI_SMS_URL must use https:// off this machine, got "http://sms.example.com"');
    expect(smsConfigFrom({ ...full, YINGJI_SMS_URL: 'http://127.0.0.1:2526' })).toMatchObject({ url: 'http://127.0.0.1:2526' });
  });
});
