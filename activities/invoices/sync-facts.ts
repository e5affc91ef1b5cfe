// How sync is set up, as the diagnosis needs to know it (SyncFacts): a pending invoice older than
// the sync interval should have gone up; an accepted one may take the platform's delay window to
// show. One home for the API's diagnosis and the reconcileInvoices action.
import type { SyncFacts } from '../../domain/einvoice/diagnosis';

/**
 * How long a pending invoice may wait before it counts as stuck: several passes of the sync
 * Schedule (every YINGJI_TAX_SYNC_EVERY, default 1m), so one slow batch is not called a failure.
 */
export const SYNC_INTERVAL_MS = 15 * 60_000;
/** How long the platform may take to show an accepted invoice (and we to see a new one). */
export const PLATFORM_DELAY_MS = 30 * 60_000;

export function syncFactsAt(now: Date): SyncFacts {
  return { syncIntervalMs: SYNC_INTERVAL_MS, platformDelayMs: PLATFORM_DELAY_MS, now: now.toISOString() };
}
