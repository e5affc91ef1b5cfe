// The platform's answers in the diagnosis core's terms (PlatformLookup, PlatformListing): what it
// holds, or, after the client's retries, why it could not be read. A failure here is evidence for
// the core (network, login), not an exception.
import type { PlatformError, PlatformListing, PlatformLookup } from '../../domain/einvoice/diagnosis';
import type { TaxPlatformClient } from './client';
import { TaxPlatformError } from './errors';
import { toPlatformInvoice } from './mapping';

function asEvidence(err: unknown): PlatformError {
  if (!(err instanceof TaxPlatformError)) throw err;
  return { code: err.code, message: err.message, ...(err.httpStatus !== undefined ? { httpStatus: err.httpStatus } : {}), attempts: err.attempts };
}

/** One invoice by number and issue date (yyyy-MM-dd, China time), as the core's lookup. */
export async function platformLookup(client: TaxPlatformClient, invoiceNo: string, issueDate: string): Promise<PlatformLookup> {
  try {
    const record = await client.getInvoice(invoiceNo, issueDate);
    return { reached: true, invoice: record ? toPlatformInvoice(record) : null };
  } catch (err) {
    return { reached: false, error: asEvidence(err) };
  }
}

/** Every invoice of a taxpayer-period on one side (seller or buyer), as the core's listing. */
export async function platformListing(client: TaxPlatformClient, q: { taxpayer: string; period: string; role: 'seller' | 'buyer' }): Promise<PlatformListing> {
  try {
    return { reached: true, invoices: (await client.listAll(q)).map((r) => toPlatformInvoice(r)) };
  } catch (err) {
    return { reached: false, error: asEvidence(err) };
  }
}
