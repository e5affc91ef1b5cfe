// The simulator's input rules without a server: fault requests, the domain checks behind 1108
// messages, and its refusal to open unguarded admin calls beyond loopback.
import { formatInvoiceNo, mulberry32, randomCreditCode } from '../../domain/einvoice';
import { FAULT_KINDS, startTaxPlatform, taxPlatformConfig } from '../../apps/tax-platform/src';
import { parseFault } from '../../apps/tax-platform/src/faults';
import { creditCodeMessage, invoiceNoProblem } from '../../apps/tax-platform/src/validation';

describe('tax-platform simulator input', () => {
  it('parses each fault kind with its settings', () => {
    expect(FAULT_KINDS).toEqual(['outage', 'slow', 'delay', 'drop', 'error', 'session-expired']);
    expect(parseFault({ kind: 'outage' })).toEqual({ kind: 'outage' });
    expect(parseFault({ kind: 'slow', ms: 250 })).toEqual({ kind: 'slow', ms: 250 });
    expect(parseFault({ kind: 'delay', minutes: 5 })).toEqual({ kind: 'delay', ms: 300_000 });
    expect(parseFault({ kind: 'drop' })).toEqual({ kind: 'drop', share: 1 });
    expect(parseFault({ kind: 'error', code: '2116', share: 0.3 })).toEqual({ kind: 'error', code: '2116', share: 0.3 });
    expect(parseFault({ kind: 'session-expired' })).toEqual({ kind: 'session-expired' });
  });

  it('refuses an unknown kind naming it and the kinds, and bad settings naming the setting', () => {
    expect(() => parseFault({ kind: 'flood' })).toThrow('unknown fault kind "flood"; the kinds are outage, slow, delay, drop, error, session-expired');
    expect(() => parseFault({})).toThrow('unknown fault kind undefined');
    expect(() => parseFault([])).toThrow('a fault is a JSON object');
    expect(() => parseFault({ kind: 'slow' })).toThrow("fault 'slow' needs ms");
    expect(() => parseFault({ kind: 'delay', ms: -1 })).toThrow("fault 'delay' needs ms");
    expect(() => parseFault({ kind: 'drop', share: 0 })).toThrow("fault 'drop' share must be a number in (0, 1], got 0");
    expect(() => parseFault({ kind: 'error', code: 'oops' })).toThrow("fault 'error' needs code");
  });

  it('says what is wrong with an invoice number or a credit code', () => {
    const good = formatInvoiceNo({ year: 26, region: '11', channel: 1, sequence: 7 });
    expect(invoiceNoProblem(good)).toBeUndefined();
    expect(invoiceNoProblem(good.slice(1))).toBe(`must be 20 digits, got 19 characters ("${good.slice(1)}")`);
    expect(invoiceNoProblem('26991' + '0'.repeat(14) + '1')).toContain('unknown provincial tax authority code "99"');
    const code = randomCreditCode(mulberry32(3), '110108');
    expect(creditCodeMessage(code)).toBeUndefined();
    const wrong = code.slice(0, 17) + (code[17] === '0' ? '1' : '0');
    expect(creditCodeMessage(wrong)).toBe(`has a wrong check character (the 18th): "${wrong}"`);
    expect(creditCodeMessage('91110108')).toContain('is not 18 characters long');
  });

  it('will not listen beyond loopback without an admin secret (before touching any database)', async () => {
    await expect(startTaxPlatform({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none', port: 0, host: '0.0.0.0' })).rejects.toThrow(
      'listening on 0.0.0.0 needs TAX_PLATFORM_ADMIN_TOKEN',
    );
  });

  it('reads its settings from the environment, loopback and the embedded server by default', () => {
    expect(taxPlatformConfig({ YINGJI_PG_PORT: '6000' })).toEqual({
      databaseUrl: 'postgres://postgres@127.0.0.1:6000/yingji_tax_platform',
      host: '127.0.0.1',
      port: 3100,
      adminToken: undefined,
    });
    expect(taxPlatformConfig({ TAX_PLATFORM_DATABASE_URL: 'postgres://x/y', TAX_PLATFORM_PORT: '4100', TAX_PLATFORM_ADMIN_TOKEN: 's' })).toMatchObject({
      databaseUrl: 'postgres://x/y',
      port: 4100,
      adminToken: 's',
    });
    expect(() => taxPlatformConfig({ TAX_PLATFORM_PORT: 'http' })).toThrow('TAX_PLATFORM_PORT must be a port number');
  });
});
