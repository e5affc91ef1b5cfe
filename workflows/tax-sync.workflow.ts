// taxSync: one sync pass of the invoices with the tax platform. The Temporal Schedule
// `yingji-tax-platform-sync` starts it every YINGJI_TAX_SYNC_EVERY with no input (pending invoices;
// the queue held while issuing is frozen is left alone); with `resync` it is a resync (failed and
// pending invoices and the queue, declaration-blocking first). All state is in the invoice
// database, so an attempt on a worker that died is simply run again by another worker.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SyncOutcome } from '../activities/invoices/sync';
import type { TaxSyncRequest } from '../activities/invoices/sync.activities';

// The pass heartbeats its progress: a dead worker is noticed within the heartbeat timeout.
const sync = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

export type TaxSyncInput = Partial<Pick<TaxSyncRequest, 'target' | 'resync' | 'by'>>;

export async function taxSync(input: TaxSyncInput = {}): Promise<SyncOutcome> {
  const by = input.by ?? (input.resync ? 'resync' : 'schedule');
  return input.resync ? sync.resyncTaxPlatform({ target: input.target, by, resync: input.resync }) : sync.syncTaxPlatform({ target: input.target, by });
}
