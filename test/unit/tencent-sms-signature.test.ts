// The TC3-HMAC-SHA256 signature against Tencent Cloud's documented example ("Signature v3",
// CVM DescribeInstances in ap-guangzhou, SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE, timestamp
// 1551113065) with its published intermediate values, and what the SMS channel sends to Tencent.
import { outIdFor } from '../../activities/notify/sms';
import {
  canonicalRequest,
  credentialScope,
  e164,
  parseTc3Authorization,
  sendSmsBody,
  tc3Authorization,
  tc3Date,
  tc3Signature,
  tc3StringToSign,
  tencentRefusesNumber,
} from '../../activities/notify/sms/tencent';
import { smsConfigFrom } from '../../apps/shared/config';

const DOC_PAYLOAD = String.raw`{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`;
const DOC_REQUEST = {
  method: 'POST',
  headers: { 'content-type': 'application/json; charset=utf-8', host: 'cvm.tencentcloudapi.com' },
  payload: DOC_PAYLOAD,
  timestamp: 1551113065,
  service: 'cvm',
};
const DOC_KEY = { secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE', secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE' };

describe('Tencent Cloud TC3-HMAC-SHA256 signature', () => {
  it("gives the documented example's canonical request, string to sign and signature", () => {
    expect(canonicalRequest(DOC_REQUEST)).toBe(
      'POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064',
    );
    expect(credentialScope(DOC_REQUEST)).toBe('2019-02-25/cvm/tc3_request');
    expect(tc3StringToSign(DOC_REQUEST)).toBe('TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031');
    expect(tc3Signature(DOC_KEY.secretKey, DOC_REQUEST)).toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
    expect(tc3Authorization(DOC_KEY, DOC_REQUEST)).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    );
    // Another secret, another signature.
    expect(tc3Signature('otherSecret', DOC_REQUEST)).not.toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
  });

  it('also gives the older GET example (query string, empty payload, 2018-10-09)', () => {
    const get = { method: 'GET', query: 'Limit=10&Offset=0', headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'cvm.tencentcloudapi.com' }, payload: '', timestamp: 1539084154, service: 'cvm' };
    expect(tc3StringToSign(get).split('\n')[3]).toBe('91c9c192c14460df6c1ffc69e34e6c5e90708de2a6d282cccf957dbf1aa7f3a7');
    expect(tc3Signature(DOC_KEY.secretKey, get)).toBe('5da7a33f6993f0614b047e5df4582db9e9bf4672ba50567dba16c6ccf174c474');
  });

  it("dates the scope in UTC: 00:44 on 26 February in Beijing is still the 25th", () => {
    expect(tc3Date(1551113065)).toBe('2019-02-25');
  });

  it('reads an Authorization header back, and nothing that is not one', () => {
    expect(parseTc3Authorization(tc3Authorization(DOC_KEY, DOC_REQUEST))).toEqual({
      secretId: DOC_KEY.secretId,
      date: '2019-02-25',
      service: 'cvm',
      signedHeaders: ['content-type', 'host'],
      signature: '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    });
    expect(parseTc3Authorization('Bearer abc')).toBeUndefined();
  });
});

describe('what the SMS channel sends to Tencent', () => {
  it('writes numbers in E.164 with "+", the template variables in order, and our OutId as SessionContext', () => {
    expect(e164('13800138000')).toBe('+8613800138000');
    expect(e164('85291234567')).toBe('+85291234567');
    const outId = outIdFor('n1', '13800138000');
    expect(sendSmsBody('1400006666', { phoneNumbers: ['13800138000'], signName: '应急Yingji', templateCode: '1110', templateParam: { content: '发票库故障' }, outId })).toEqual({
      PhoneNumberSet: ['+8613800138000'],
      SmsSdkAppId: '1400006666',
      SignName: '应急Yingji',
      TemplateId: '1110',
      TemplateParamSet: ['发票库故障'],
      SessionContext: outId,
    });
  });

  it('tells a refused number from a refused request', () => {
    expect(tencentRefusesNumber('InvalidParameterValue.IncorrectPhoneNumber')).toBe(true);
    expect(tencentRefusesNumber('FailedOperation.PhoneNumberInBlacklist')).toBe(true);
    expect(tencentRefusesNumber('AuthFailure.SignatureFailure')).toBe(false);
    expect(tencentRefusesNumber('FailedOperation.TemplateIncorrectOrUnapproved')).toBe(false);
  });
});

describe('YINGJI_SMS_PROVIDER', () => {
  const key = { YINGJI_SMS_ACCESS_KEY_ID: 'AKIDx', YINGJI_SMS_ACCESS_KEY_SECRET: 's', YINGJI_SMS_SIGN_NAME: '应急', YINGJI_SMS_TEMPLATE_CODE: '1110' };

  it("is Aliyun's by default", () => {
    expect(smsConfigFrom(key)).toMatchObject({ provider: 'aliyun', url: 'https://dysmsapi.aliyuncs.com' });
  });

  it("is Tencent's with its endpoint, the app id and the Guangzhou region unless told otherwise", () => {
    expect(smsConfigFrom({ ...key, YINGJI_SMS_PROVIDER: 'tencent', YINGJI_SMS_APP_ID: '1400006666' })).toEqual({
      provider: 'tencent',
      url: 'https://sms.tencentcloudapi.com',
      accessKeyId: 'AKIDx',
      accessKeySecret: 's',
      signName: '应急',
      templateCode: '1110',
      appId: '1400006666',
      region: 'ap-guangzhou',
    });
    expect(smsConfigFrom({ ...key, YINGJI_SMS_PROVIDER: 'Tencent', YINGJI_SMS_APP_ID: '1400006666', YINGJI_SMS_REGION: 'ap-beijing' })).toMatchObject({ region: 'ap-beijing' });
  });

  it('names what Tencent still needs, and refuses a provider or app id it does not know', () => {
    expect(smsConfigFrom({ ...key, YINGJI_SMS_PROVIDER: 'tencent' })).toEqual({ missing: ['YINGJI_SMS_APP_ID'] });
    expect(smsConfigFrom({ YINGJI_SMS_PROVIDER: 'tencent' })).toEqual({
      missing: ['YINGJI_SMS_ACCESS_KEY_ID', 'YINGJI_SMS_ACCESS_KEY_SECRET', 'YINGJI_SMS_SIGN_NAME', 'YINGJI_SMS_TEMPLATE_CODE', 'YINGJI_SMS_APP_ID'],
    });
    expect(() => smsConfigFrom({ ...key, YINGJI_SMS_PROVIDER: 'twilio' })).toThrow('YINGJI_SMS_PROVIDER must be aliyun or tencent, got "twilio"');
    expect(() => smsConfigFrom({ ...key, YINGJI_SMS_PROVIDER: 'tencent', YINGJI_SMS_APP_ID: 'app-1' })).toThrow('YINGJI_SMS_APP_ID must be the SMS application\'s SdkAppId in digits (e.g. 1400006666), got "app-1"');
    expect(() => smsConfigFrom({ ...key, YINGJI_SMS_PROVIDER: 'tencent', YINGJI_SMS_APP_ID: '1400006666', YINGJI_SMS_REGION: 'Guangzhou!' })).toThrow('YINGJI_SMS_REGION must be a Tencent Cloud region such as ap-guangzhou, got "Guangzhou!"');
  });
});
