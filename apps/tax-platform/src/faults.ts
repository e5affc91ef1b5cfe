// Faults a tenant can switch on (tax-platform.md, "Faults"). Kept in the database so a restart
// does not quietly heal a drill's platform.
import type { Pool } from 'pg';
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

export class FaultStore {
  constructor(private readonly db: Pool) {}

  async active(tenant: string): Promise<ActiveFaults> {
    const rows = (await this.db.query<{ kind: FaultKind; params: object }>('SELECT kind, params FROM tp_faults WHERE tenant = $1', [tenant])).rows;
    return Object.fromEntries(rows.map((r) => [r.kind, { ...r.params, kind: r.kind }])) as ActiveFaults;
  }

  /** Switches a fault on (replacing the same kind's earlier settings). */
  async set(tenant: string, fault: Fault): Promise<void> {
    const { kind, ...params } = fault;
    await this.db.query(
      `INSERT INTO tp_faults (tenant, kind, params) VALUES ($1, $2, $3)
       ON CONFLICT (tenant, kind) DO UPDATE SET params = EXCLUDED.params, set_at = clock_timestamp()`,
      [tenant, kind, JSON.stringify(params)],
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
