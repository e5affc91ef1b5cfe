// Faults a tenant can switch on (tax-platform.md, "Faults"). Kept in the database so a restart
// does not quietly heal a drill's platform.
import type { Pool } from 'pg';
import { parseDuration } from '../../../domain/plan/duration';
import { PlatformError, SIM_CODES } from './codes';

export const FAULT_KINDS = ['outage', 'slow', 'delay', 'drop', 'error', 'session-expired'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type Fault =
  | { kind: 'outage' }
  | { kind: 'slow'; ms: number } // every call waits ms first
  | { kind: 'delay'; ms: number } // accepted invoices stay invisible for ms
  | { kind: 'drop'; share: number } // that share of accepted invoices is lost
  | { kind: 'error'; code: string; share: number } // that share of calls answers code
  | { kind: 'session-expired' }; // 1101 until POST /api/login

export type ActiveFaults = Partial<{ [K in FaultKind]: Extract<Fault, { kind: K }> }>;

const MAX_MS = 24 * 3600_000;
const bad = (message: string) => new PlatformError(SIM_CODES.BAD_REQUEST, message);

function ms(body: Record<string, unknown>, kind: string): number {
  const v = body.ms ?? (body.minutes === undefined ? undefined : Number(body.minutes) * 60_000);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_MS) {
    throw bad(`fault '${kind}' needs ms (an integer 0-${MAX_MS}) or minutes, got ${JSON.stringify(body.ms ?? body.minutes)}`);
  }
  return v;
}

function share(body: Record<string, unknown>, kind: string): number {
  const v = body.share ?? 1;
  if (typeof v !== 'number' || !(v > 0 && v <= 1)) throw bad(`fault '${kind}' share must be a number in (0, 1], got ${JSON.stringify(v)}`);
  return v;
}

/** A fault from an admin request body, or a 400 naming what is wrong. */
export function parseFault(body: unknown): Fault {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('a fault is a JSON object {kind, ...}');
  const b = body as Record<string, unknown>;
  const kind = b.kind;
  if (!(FAULT_KINDS as readonly unknown[]).includes(kind)) {
    throw bad(`unknown fault kind ${JSON.stringify(kind)}; the kinds are ${FAULT_KINDS.join(', ')}`);
  }
  switch (kind as FaultKind) {
    case 'outage':
      return { kind: 'outage' };
    case 'session-expired':
      return { kind: 'session-expired' };
    case 'slow':
      return { kind: 'slow', ms: ms(b, 'slow') };
    case 'delay':
      return { kind: 'delay', ms: ms(b, 'delay') };
    case 'drop':
      return { kind: 'drop', share: share(b, 'drop') };
    case 'error': {
      if (typeof b.code !== 'string' || !/^\d{4}$/.test(b.code)) throw bad(`fault 'error' needs code, a 4-digit platform code such as "2116", got ${JSON.stringify(b.code)}`);
      return { kind: 'error', code: b.code, share: share(b, 'error') };
    }
  }
}

/** The longest a fault may be set for: a drill's outage is hours, not months. */
const MAX_WINDOW_MS = 30 * 24 * 3600_000;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * When a fault lifts by itself, from the request: `until` (an instant with its offset) or `for` (a
 * duration as plans write it: `90s`, `30m`, `3h`), counted from `now`. Neither: on until cleared.
 */
export function parseUntil(body: unknown, now: Date): Date | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (b.until !== undefined && b.for !== undefined) throw bad(`a fault takes until or for, not both`);
  if (b.until !== undefined) {
    const t = typeof b.until === 'string' && ISO_INSTANT.test(b.until) ? Date.parse(b.until) : NaN;
    if (!Number.isFinite(t)) throw bad(`fault until must be an instant with its offset, e.g. "2026-12-01T08:00:00Z", got ${JSON.stringify(b.until)}`);
    if (t - now.getTime() > MAX_WINDOW_MS) throw bad(`fault until ${b.until} is more than 30 days away`);
    return new Date(t);
  }
  if (b.for !== undefined) {
    const ms = typeof b.for === 'string' ? parseDuration(b.for) : undefined;
    if (ms === undefined || ms <= 0 || ms > MAX_WINDOW_MS) throw bad(`fault for must be a duration such as "90s", "30m" or "3h" (at most 30 days), got ${JSON.stringify(b.for)}`);
    return new Date(now.getTime() + ms);
  }
  return undefined;
}

/** A fault as the admin calls show it: its settings, and `until` when it lifts by itself. */
export type FaultView = Fault & { until?: string };

export class FaultStore {
  constructor(private readonly db: Pool) {}

  /** The faults on now: a fault whose `until` has passed is over (the platform is back). */
  async active(tenant: string): Promise<ActiveFaults> {
    return Object.fromEntries((await this.list(tenant, 'active')).map(({ until: _until, ...f }) => [f.kind, f])) as ActiveFaults;
  }

  /** The faults on now, or those that lifted by themselves (`lifted`, each with the moment it did). */
  async list(tenant: string, which: 'active' | 'lifted'): Promise<FaultView[]> {
    const rows = (
      await this.db.query<{ kind: FaultKind; params: object; until: Date | null }>(
        `SELECT kind, params, until FROM tp_faults WHERE tenant = $1 AND ${which === 'active' ? 'NOT' : ''} (until IS NOT NULL AND until <= clock_timestamp()) ORDER BY kind`,
        [tenant],
      )
    ).rows;
    return rows.map((r) => ({ ...r.params, kind: r.kind, ...(r.until ? { until: r.until.toISOString() } : {}) }) as FaultView);
  }

  /** Switches a fault on (replacing the same kind's earlier settings), until cleared or until `until`. */
  async set(tenant: string, fault: Fault, until?: Date): Promise<void> {
    const { kind, ...params } = fault;
    await this.db.query(
      `INSERT INTO tp_faults (tenant, kind, params, until) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant, kind) DO UPDATE SET params = EXCLUDED.params, until = EXCLUDED.until, set_at = clock_timestamp()`,
      [tenant, kind, JSON.stringify(params), until ?? null],
    );
  }

  /** Switches off one kind, or all of them; answers the kinds cleared. */
  async clear(tenant: string, kind?: FaultKind): Promise<string[]> {
    const r = kind
      ? await this.db.query<{ kind: string }>('DELETE FROM tp_faults WHERE tenant = $1 AND kind = $2 RETURNING kind', [tenant, kind])
      : await this.db.query<{ kind: string }>('DELETE FROM tp_faults WHERE tenant = $1 RETURNING kind', [tenant]);
    return r.rows.map((x) => x.kind).sort();
  }
}
