// The sync, the issuing freeze and the resync as Temporal activities and plan actions. A live
// drill's action names its sandbox (req.target): the sandbox's invoices and the simulator tenant of
// the same name, never production's invoices or production's tenant.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { YingjiConfig } from '../../apps/shared/config';
import { addMonths, isProvinceCode, isTaxPeriod, taxPeriodOf } from '../../domain/einvoice';
import type { TaxPeriod } from '../../domain/einvoice';
import { runInvoiceMigrations } from '../../migrations/invoices/data-source';
import type { ActionRequest, ActionResult } from '../actions/actions.activities';
import { sandboxUrl } from '../drills/sandbox';
import { createTaxPlatformClient } from '../tax-platform';
import type { RetryPolicy, TaxPlatformClient } from '../tax-platform';
import { freezeIssuing, resumeIssuing } from './issuing';
import { DEFAULT_BATCH_SIZE, emptyOutcome, syncPass } from './sync';
import type { SyncOutcome, SyncPassOptions, SyncProgress, SyncStatusFilter } from './sync';

export type TaxSyncConfig = Pick<YingjiConfig, 'invoiceDatabaseUrl' | 'drillDatabaseUrl' | 'taxPlatformUrl'>;

export interface TaxSyncRequest {
  /** A live drill's sandbox database (drill_…): its invoices, and the simulator tenant of that name. */
  target?: string;
  by: string;
  /** Absent: the scheduled pass (pending invoices, the queue left alone). Present: a resync. */
  resync?: { statuses?: SyncStatusFilter[]; period?: TaxPeriod; since?: string; batchSize?: number };
}

/** Where a request works: production's invoices and tenant, or a drill's sandbox and its own tenant. */
function scopeOf(config: TaxSyncConfig, target: string | undefined): { url: string; tenant?: string } {
  if (target === undefined) return { url: config.invoiceDatabaseUrl };
  return { url: sandboxUrl({ invoiceUrl: config.invoiceDatabaseUrl, sandboxServerUrl: config.drillDatabaseUrl }, target), tenant: target };
}

/** `current`, `previous` or yyyy-MM (not after the current period), as a tax period. */
export function resyncPeriod(raw: unknown, now: Date): TaxPeriod | undefined {
  if (raw === undefined || raw === null) return undefined;
  const current = taxPeriodOf(now);
  const period = raw === 'current' ? current : raw === 'previous' ? addMonths(current, -1) : raw;
  if (!isTaxPeriod(period)) throw new Error(`with.period must be current, previous or a tax period yyyy-MM, got ${JSON.stringify(raw)}`);
  if (period > current) throw new Error(`with.period ${period} is in the future (the current period is ${current})`);
  return period;
}

/** with.since: an ISO 8601 instant with its zone. A `{ fact }` reference reaches actions unresolved, so it is refused. */
export function resyncSince(raw: unknown): Date | undefined {
  if (raw === undefined || raw === null) return undefined;
  const at = typeof raw === 'string' && /(Z|[+-]\d{2}:?\d{2})$/.test(raw) ? new Date(raw) : undefined;
  if (!at || Number.isNaN(at.getTime())) throw new Error(`with.since must be a date-time with its zone (2026-11-23T08:00:00+08:00), got ${JSON.stringify(raw)}`);
  return at;
}

function resyncStatuses(raw: unknown): SyncStatusFilter[] {
  if (raw === undefined) return ['pending', 'failed'];
  if (!Array.isArray(raw) || !raw.length || raw.some((s) => s !== 'pending' && s !== 'failed')) {
    throw new Error(`with.statuses must be a list of pending and/or failed, got ${JSON.stringify(raw)}`);
  }
  return raw as SyncStatusFilter[];
}

function heartbeatProgress(): ((p: SyncProgress) => void) | undefined {
  try {
    const ctx = Context.current();
    return (p) => ctx.heartbeat(p);
  } catch {
    return undefined; // not in an activity (CLI, tests)
  }
}

/** What an outcome says, for a step's outcome line. */
export function describeOutcome(o: SyncOutcome): string {
  if (o.skipped) return o.skipped;
  const failed = Object.entries(o.failed).map(([code, n]) => `${n} ${code}`);
  return [
    `uploaded ${o.uploaded}, synced ${o.synced}${o.alreadyOnPlatform ? ` (${o.alreadyOnPlatform} already on the platform)` : ''}`,
    `failed ${failed.length ? failed.join(', ') : 0}`,
    o.resent ? `${o.resent} lost by the platform and sent again` : '',
    o.awaitingResults ? `${o.awaitingResults} awaiting the platform's result` : '',
    `still pending ${o.stillPending}${o.queued ? ` (${o.queued} queued while issuing was frozen)` : ''}`,
  ]
    .filter(Boolean)
    .join('; ');
}

export function createTaxSyncActivities(config: TaxSyncConfig, over: { retry?: Partial<RetryPolicy>; pass?: Partial<SyncPassOptions> } = {}) {
  const clients = (tenant: string | undefined) => {
    const made = new Map<string, TaxPlatformClient>();
    return (seller: string) => {
      let c = made.get(seller);
      if (!c) made.set(seller, (c = createTaxPlatformClient({ baseUrl: config.taxPlatformUrl, taxpayer: seller, tenant, retry: over.retry })));
      return c;
    };
  };

  /** One pass: the schedule's (pending, the queue left alone, skipped when another pass runs) or a resync's. */
  async function syncTaxPlatform(req: TaxSyncRequest): Promise<SyncOutcome> {
    let scope;
    let period;
    let statuses;
    let since;
    try {
      scope = scopeOf(config, req.target);
      period = resyncPeriod(req.resync?.period, new Date());
      statuses = req.resync ? resyncStatuses(req.resync.statuses) : (['pending'] as SyncStatusFilter[]);
      since = resyncSince(req.resync?.since);
    } catch (err) {
      throw ApplicationFailure.nonRetryable((err as Error).message, 'BadSyncRequest');
    }
    try {
      await runInvoiceMigrations(scope.url);
    } catch (err) {
      // A fresh stack has no invoice database until invoices are generated or issued: nothing to sync.
      if ((err as { code?: string }).code !== '3D000') throw err;
      if (!req.resync && !req.target) return { ...emptyOutcome(), skipped: 'the invoice database does not exist yet: nothing to sync' };
      throw ApplicationFailure.nonRetryable(`the invoice database${req.target ? ` ${req.target}` : ''} does not exist`, 'NoInvoiceDatabase');
    }
    try {
      return await syncPass(scope.url, {
        clientFor: clients(scope.tenant),
        by: req.by,
        statuses,
        includeHeld: Boolean(req.resync),
        period,
        since,
        batchSize: req.resync?.batchSize ?? DEFAULT_BATCH_SIZE,
        whenBusy: req.resync ? 'wait' : 'skip',
        onProgress: heartbeatProgress(),
        ...over.pass,
      });
    } catch (err) {
      if (/batchSize must/.test((err as Error).message)) throw ApplicationFailure.nonRetryable((err as Error).message, 'BadSyncRequest');
      // A drill's fault (or an accident) dropped the table: a restore must come first, retrying cannot help.
      if ((err as { code?: string }).code === '42P01') throw ApplicationFailure.nonRetryable(`cannot sync: ${(err as Error).message} (restore the invoices first)`, 'InvoicesMissing');
      throw err;
    }
  }

  /** A resync that ends with the platform still unreachable fails (retryable: it may be back later), naming why. */
  async function resync(req: TaxSyncRequest): Promise<SyncOutcome> {
    const o = await syncTaxPlatform(req);
    if (o.unreachable) {
      throw ApplicationFailure.retryable(
        `the tax platform stayed unreachable after ${o.unreachable.attempts} attempts (${o.unreachable.message}); ` +
          `${o.stillPending} invoices still pending, none lost: ${describeOutcome(o)}`,
        'TaxPlatformUnreachable',
      );
    }
    return o;
  }

  const actionScope = (req: ActionRequest) => {
    if (req.mode === 'live-drill' && !req.target) throw ApplicationFailure.nonRetryable(`${req.action} in a live drill needs the drill's sandbox (target)`, 'BadSyncRequest');
    try {
      return scopeOf(config, req.target);
    } catch (err) {
      throw ApplicationFailure.nonRetryable((err as Error).message, 'BadSyncRequest');
    }
  };
  const by = (req: ActionRequest) => `incident ${req.incidentId}`;
  const actionRegions = (req: ActionRequest): string[] | undefined => {
    const regions = req.with.regions;
    if (regions === undefined) return undefined;
    if (!Array.isArray(regions) || regions.some((r) => typeof r !== 'string' || !isProvinceCode(r))) {
      throw ApplicationFailure.nonRetryable(`with.regions must be a list of province codes such as "11", got ${JSON.stringify(regions)}`, 'BadSyncRequest');
    }
    return regions as string[];
  };
  /** `queue`, or `queue in 11, open in 31` when the provinces differed. */
  const wasModes = (previous: Record<string, string>) => {
    const modes = [...new Set(Object.values(previous))];
    return modes.length === 1 ? modes[0] : Object.entries(previous).map(([r, m]) => `${m} in ${r}`).join(', ');
  };

  const actions: Record<string, (req: ActionRequest) => Promise<ActionResult>> = {
    async freezeIssuing(req) {
      const mode = req.with.mode ?? 'queue';
      if (mode !== 'queue' && mode !== 'freeze') throw ApplicationFailure.nonRetryable(`with.mode must be queue or freeze, got ${JSON.stringify(mode)}`, 'BadSyncRequest');
      const regions = actionRegions(req);
      const { url } = actionScope(req);
      await runInvoiceMigrations(url);
      const r = await freezeIssuing(url, { mode, by: by(req), incident: req.incidentId, reason: `step ${req.stepId}`, regions });
      const where = regions?.length ? ` in provinces ${regions.join(', ')}` : '';
      return {
        outcome: `${r.changed ? `issuing frozen${where} (mode ${mode}, was ${wasModes(r.previous)})` : `issuing was already frozen${where} (mode ${mode})`}: new invoices are recorded and held, not uploaded; ${r.state.queued} queued`,
        data: { ...r.state },
      };
    },
    async resumeIssuing(req) {
      const drainQueue = req.with.drainQueue ?? true;
      if (typeof drainQueue !== 'boolean') throw ApplicationFailure.nonRetryable(`with.drainQueue must be true or false, got ${JSON.stringify(drainQueue)}`, 'BadSyncRequest');
      const regions = actionRegions(req);
      const { url } = actionScope(req);
      await runInvoiceMigrations(url);
      const r = await resumeIssuing(url, { by: by(req), drainQueue, incident: req.incidentId, reason: `step ${req.stepId}`, regions });
      const where = regions?.length ? ` in provinces ${regions.join(', ')}` : '';
      return {
        outcome: `${r.changed ? `issuing resumed${where} (was ${wasModes(r.previous)})` : `issuing was already open${where}`}; ${drainQueue ? `${r.released} queued invoices released for upload` : `${r.state.queued} invoices stay queued until a resync`}`,
        data: { ...r.state, released: r.released },
      };
    },
    async resyncTaxPlatform(req) {
      actionScope(req);
      const batchSize = req.with.batchSize ?? DEFAULT_BATCH_SIZE;
      if (typeof batchSize !== 'number') throw ApplicationFailure.nonRetryable(`with.batchSize must be a number, got ${JSON.stringify(batchSize)}`, 'BadSyncRequest');
      const o = await resync({
        target: req.target,
        by: by(req),
        resync: { statuses: req.with.statuses as SyncStatusFilter[] | undefined, period: req.with.period as string | undefined, since: req.with.since as string | undefined, batchSize },
      });
      return { outcome: `resync: ${describeOutcome(o)}`, data: { ...o } };
    },
  };

  return { activities: { syncTaxPlatform, resyncTaxPlatform: resync }, actions };
}
