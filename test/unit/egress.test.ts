// Where a webhook may go: every address class a plan could aim the worker at inside the network is
// refused unless the deployment allows it, whatever form the address is written in.
import type { LookupAddress } from 'node:dns';
import { webhookEgressFrom, WebhookEgress } from '../../apps/shared/config';
import { addressKind, checkedAddresses, RefusedDestinationError, withDeploymentWebhook } from '../../activities/notify/egress';

describe('addressKind', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['::ffff:192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fc00::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::7f00:1', 'reserved'],
  ])('%s is %s', (ip, kind) => {
    expect(addressKind(ip)).toBe(kind);
  });

  it.each(['8.8.8.8', '172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.1', '169.253.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    '%s is public',
    (ip) => {
      expect(addressKind(ip)).toBeUndefined();
    },
  );

  it('refuses to classify text that is no address', () => {
    expect(() => addressKind('localhost')).toThrow('localhost is not an IP address');
  });
});

describe('YINGJI_WEBHOOK_ALLOW_HOSTS', () => {
  it('reads host and host:port entries in the form URLs write them', () => {
    expect(webhookEgressFrom({ YINGJI_WEBHOOK_ALLOW_HOSTS: ' LOCALHOST , 127.0.0.1:55432,[::1]:8080, fd00::5 ,hooks.internal:80,,' })).toEqual({
      allowHosts: ['localhost', '127.0.0.1:55432', '[::1]:8080', '[fd00::5]', 'hooks.internal:80'],
      strict: false,
    });
    expect(webhookEgressFrom({})).toEqual({ allowHosts: [], strict: false });
    expect(webhookEgressFrom({ YINGJI_WEBHOOK_STRICT: 'true' }).strict).toBe(true);
  });

  it.each(['http://hooks.internal', 'hooks.internal/path', 'user@hooks.internal', 'hooks.internal:99999', 'a b'])('refuses the entry %s, naming it', (entry) => {
    expect(() => webhookEgressFrom({ YINGJI_WEBHOOK_ALLOW_HOSTS: entry })).toThrow(`YINGJI_WEBHOOK_ALLOW_HOSTS: "${entry}" is not a host or host:port`);
  });

  it('refuses a strict setting that is neither true nor false', () => {
    expect(() => webhookEgressFrom({ YINGJI_WEBHOOK_STRICT: 'yes please' })).toThrow('YINGJI_WEBHOOK_STRICT must be true or false, got "yes please"');
  });
});

describe('checkedAddresses', () => {
  const open: WebhookEgress = { allowHosts: [], strict: false };
  const names: Record<string, string[]> = {
    localhost: ['127.0.0.1', '::1'],
    'hooks.example.com': ['93.184.216.34'],
    'half-inside.example.com': ['93.184.216.34', '10.0.0.7'],
    'metadata.example.com': ['169.254.169.254'],
  };
  const resolve = async (host: string): Promise<LookupAddress[]> => (names[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  const check = (url: string, egress: WebhookEgress = open) => checkedAddresses(new URL(url), egress, resolve);
  const refusal = (url: string, egress: WebhookEgress = open) =>
    check(url, egress).then(
      () => 'allowed',
      (e: Error) => (e instanceof RefusedDestinationError ? e.message : `not a refusal: ${e.message}`),
    );

  it('refuses an internal address written in the url, naming it and the setting', async () => {
    expect(await refusal('http://127.0.0.1:55432/')).toBe('127.0.0.1 is a loopback address not in YINGJI_WEBHOOK_ALLOW_HOSTS');
    expect(await refusal('http://[::ffff:127.0.0.1]:55432/')).toBe('[::ffff:7f00:1] is a loopback address not in YINGJI_WEBHOOK_ALLOW_HOSTS');
    expect(await refusal('http://0x7f.1/')).toBe('127.0.0.1 is a loopback address not in YINGJI_WEBHOOK_ALLOW_HOSTS');
    expect(await refusal('http://169.254.169.254/latest/meta-data')).toBe('169.254.169.254 is a link-local address not in YINGJI_WEBHOOK_ALLOW_HOSTS');
    expect(await refusal('http://0.0.0.0:8233/')).toBe('0.0.0.0 is an unspecified address not in YINGJI_WEBHOOK_ALLOW_HOSTS');
  });

  it('checks every address a name resolves to', async () => {
    expect(await refusal('http://localhost:7233/')).toBe('localhost resolves to 127.0.0.1, a loopback address not in YINGJI_WEBHOOK_ALLOW_HOSTS');
    expect(await refusal('https://half-inside.example.com/hook')).toBe('half-inside.example.com resolves to 10.0.0.7, a private address not in YINGJI_WEBHOOK_ALLOW_HOSTS');
    expect(await refusal('http://metadata.example.com/')).toBe('metadata.example.com resolves to 169.254.169.254, a link-local address not in YINGJI_WEBHOOK_ALLOW_HOSTS');
  });

  it('allows a public host, and returns the addresses the connection must use', async () => {
    expect(await check('https://hooks.example.com/x')).toEqual([{ address: '93.184.216.34', family: 4 }]);
  });

  it('allows an internal host the deployment lists, by name, by address, or on one port only', async () => {
    expect(await refusal('http://localhost:7233/', { allowHosts: ['localhost'], strict: false })).toBe('allowed');
    expect(await refusal('http://127.0.0.1:9000/', { allowHosts: ['127.0.0.1'], strict: false })).toBe('allowed');
    expect(await refusal('http://localhost:9000/', { allowHosts: ['127.0.0.1', '[::1]'], strict: false })).toBe('allowed');
    // Only one of the name's addresses listed: the other is still refused.
    expect(await refusal('http://localhost:9000/', { allowHosts: ['127.0.0.1'], strict: false })).toBe('localhost resolves to ::1, a loopback address not in YINGJI_WEBHOOK_ALLOW_HOSTS');
    const onePort = { allowHosts: ['127.0.0.1:9000'], strict: false };
    expect(await refusal('http://127.0.0.1:9000/', onePort)).toBe('allowed');
    expect(await refusal('http://127.0.0.1:55432/', onePort)).toBe('127.0.0.1 is a loopback address not in YINGJI_WEBHOOK_ALLOW_HOSTS');
    expect(await refusal('http://10.0.0.5/', { allowHosts: ['10.0.0.5:80'], strict: false })).toBe('allowed');
  });

  it('in strict mode allows only listed hosts, public ones too', async () => {
    const strict = { allowHosts: ['hooks.example.com'], strict: true };
    expect(await refusal('https://hooks.example.com/x', strict)).toBe('allowed');
    expect(await refusal('https://half-inside.example.com/x', { allowHosts: [], strict: true })).toBe(
      'half-inside.example.com is not in YINGJI_WEBHOOK_ALLOW_HOSTS (YINGJI_WEBHOOK_STRICT allows listed hosts only)',
    );
    expect(await refusal('http://8.8.8.8/', strict)).toBe('8.8.8.8 is not in YINGJI_WEBHOOK_ALLOW_HOSTS (YINGJI_WEBHOOK_STRICT allows listed hosts only)');
  });

  it('allows the deployment webhook (YINGJI_WEBHOOK_URL) on its own host and port, nothing more', async () => {
    const egress = withDeploymentWebhook(open, 'http://127.0.0.1:8080/yingji-alerts?key=k');
    expect(egress.allowHosts).toEqual(['127.0.0.1:8080']);
    expect(await refusal('http://127.0.0.1:8080/other', egress)).toBe('allowed');
    expect(await refusal('http://127.0.0.1:55432/', egress)).toBe('127.0.0.1 is a loopback address not in YINGJI_WEBHOOK_ALLOW_HOSTS');
    expect(withDeploymentWebhook(open, undefined)).toEqual(open);
  });

  it('a name without any address is a failure worth a retry, not a refusal', async () => {
    expect(await refusal('http://nowhere.example.com/')).toBe('not a refusal: nowhere.example.com has no address');
  });
});
