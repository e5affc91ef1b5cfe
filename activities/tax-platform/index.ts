// The tax-platform client: what sync, resync and diagnosis use to talk to the platform.
export { DEFAULT_CALL_TIMEOUT_MS, PAGE_SIZE, TENANT_HEADER, createTaxPlatformClient } from './client';
export type { ListQuery, TaxPlatformClient, TaxPlatformClientOptions } from './client';
export { TaxPlatformError, isRetryableCode } from './errors';
export { InvoiceRowError, chinaTimestamp, toPlatformInvoice, toUploadRow } from './mapping';
export type { InvoiceRow } from './mapping';
export { DEFAULT_RETRY_POLICY, backoffDelay, retryPolicy, withRetry } from './retry';
export type { RetryClock, RetryEvent, RetryPolicy } from './retry';
export type { FaultSetting, InvoicePage, MonthlySummary, PlatformCounters, PlatformRecord, UploadAccepted, UploadResult, UploadRow } from './wire';
export { platformListing, platformLookup } from './diagnosis';
export { registerSyncedHistory } from './history';
