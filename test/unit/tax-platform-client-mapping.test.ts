// The tax-platform client's mapping (invoice rows to upload rows, platform records to the diagnosis
// core's PlatformInvoice) and what it does without a platform: bad settings, no connection, the
// admin token kept out of everything a log could print.
import { inspect } from 'node:util';
import { InvoiceRowError, TaxPlatformError, createTaxPlatformClient, toPlatformInvoice, toUploadRow } from '../../activities/tax-platform';
import type { InvoiceRow } from '../../activities/tax-platform';

const SELLER = '91110108MA01234567';
const row = (over: Partial<InvoiceRow> = {}): InvoiceRow => ({
  invoice_no: '26112000000000001234',
  issued_at: new Date('2026-11-30T17:30:00.123Z'),
  seller_tax_id: SELLER,
  buyer_tax_id: null,
  amount: '100000',
  tax: '13000',
  total: '113000',
  original_invoice_no: null,
  ...over,
});

describe('tax-platform mapping', () => {
  it('an invoice row as pg reads it (bigint as text) becomes an upload row in fen with China time', () => {
    expect(toUploadRow(row())).toEqual({
      fphm: '26112000000000001234',
      // 17:30 UTC on Nov 30 is 01:30 on Dec 1 in China: the platform's date is China's.
      kprq: '2026-12-01T01:30:00.123+08:00',
      xsfnsrsbh: SELLER,
      hjje: 100_000,
      hjse: 13_000,
      jshj: 113_000,
    });
    const red = toUploadRow(row({ amount: -100_000, tax: -13_000, total: -113_000, original_invoice_no: '26112000000000001000', buyer_tax_id: '91310115MA1K4XQX8L' }));
    expect(red).toMatchObject({ hjje: -100_000, lzfphm: '26112000000000001000', gmfnsrsbh: '91310115MA1K4XQX8L' });
  });

  it('a row whose amount is not whole fen, or whose date is not a date, is refused naming the invoice and column', () => {
    expect(() => toUploadRow(row({ tax: '130.5' }))).toThrow(new InvoiceRowError('invoice 26112000000000001234: tax must be an integer number of fen, got "130.5"'));
    expect(() => toUploadRow(row({ issued_at: 'yesterday' }))).toThrow('invoice 26112000000000001234: issued_at is not a date, got "yesterday"');
  });

  it("a platform record becomes the diagnosis core's PlatformInvoice; the type code decides the kind, an unknown one is kept", () => {
    const record = { fphm: '26112000000000001234', kprq: '2026-12-01T01:30:00.123+08:00', xsfnsrsbh: SELLER, gmfnsrsbh: null, hjje: 100_000, hjse: 13_000, jshj: 113_000, lzfphm: null, kind: 'blue' };
    expect(toPlatformInvoice(record)).toEqual({
      invoiceNo: '26112000000000001234',
      issuedAt: '2026-11-30T17:30:00.123Z',
      kind: 'ordinary',
      sellerTaxId: SELLER,
      buyerTaxId: null,
      amount: 100_000,
      total: 113_000,
    });
    expect(toPlatformInvoice(record, 'special').kind).toBe('special');
    expect(toPlatformInvoice({ ...record, fppz: '81' }).kind).toBe('special');
    expect(toPlatformInvoice({ ...record, fppz: '82' }, 'special').kind).toBe('ordinary');
    expect(toPlatformInvoice({ ...record, fppz: '99' }).kind).toBe('99');
  });
});

describe('tax-platform client without a platform', () => {
  const TOKEN = 'very-secret-admin-token';

  it('no connection is `unreachable`, retryable, after the bounded attempts; the admin token appears nowhere', async () => {
    let calls = 0;
    const refused: typeof fetch = async () => {
      calls++;
      throw new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ECONNREFUSED (token ${TOKEN})`), { code: 'ECONNREFUSED' }) });
    };
    const client = createTaxPlatformClient({ baseUrl: 'http://127.0.0.1:9', taxpayer: SELLER, adminToken: TOKEN, fetch: refused, retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 } });
    const err = (await client.sim.stats().catch((e: unknown) => e)) as TaxPlatformError;
    expect(err).toBeInstanceOf(TaxPlatformError);
    expect(err.toJSON()).toEqual({ code: 'unreachable', message: 'stats: the platform cannot be reached (ECONNREFUSED)', attempts: 3, retryable: true, timedOut: false });
    expect(calls).toBe(3);
    for (const shown of [inspect(client, { depth: 5 }), JSON.stringify(client), inspect(err), JSON.stringify(err), String(err.stack)]) expect(shown).not.toContain(TOKEN);
  });

  it('a base URL that is not http(s), or carries credentials, is refused naming it', () => {
    expect(() => createTaxPlatformClient({ baseUrl: 'platform:3100', taxpayer: SELLER })).toThrow('tax platform baseUrl must be http or https, got platform:');
    expect(() => createTaxPlatformClient({ baseUrl: 'not a url', taxpayer: SELLER })).toThrow('tax platform baseUrl must be an http(s) URL, got "not a url"');
    expect(() => createTaxPlatformClient({ baseUrl: 'http://u:p@127.0.0.1:3100', taxpayer: SELLER })).toThrow('must not carry credentials');
    expect(() => createTaxPlatformClient({ baseUrl: 'http://127.0.0.1:3100', taxpayer: SELLER, timeoutMs: 0 })).toThrow('timeoutMs must be a positive number of ms, got 0');
  });
});
