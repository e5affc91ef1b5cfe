// A plan's tax-platform fault (drill.faults) as the simulator setting that plays it in the drill's
// own tenant, and how long it lasts on the drill's clock. Pure: the activity sends it.
import { formatDuration } from '../plan/duration';
import { FAULTS } from '../plan/vocabulary';

/** The tax-platform faults a drill can inject (their earlier names are aliases, see FAULTS). */
export const TAX_PLATFORM_FAULTS = ['platform-outage', 'platform-slow', 'sync-delay', 'sync-drop', 'session-expired'] as const;
export type TaxPlatformFault = (typeof TAX_PLATFORM_FAULTS)[number];

/** A tax-platform fault lasts this much plan time when the plan gives no `duration` (like stop-database). */
export const DEFAULT_TAX_FAULT_MS = 600_000;
/** The simulator's own limit for a latency or a delay. */
const SIM_MAX_MS = 24 * 3600_000;

/** The fault's own name: an earlier name (alias) gives the fault it names. */
export function canonicalFaultKind(kind: string): string {
  return FAULTS[kind]?.aliasOf ?? kind;
}

export function isTaxPlatformFault(kind: string): boolean {
  return (TAX_PLATFORM_FAULTS as readonly string[]).includes(canonicalFaultKind(kind));
}

/** What the simulator is told (POST /_sim/faults, without its window). */
export type SimulatorSetting = { kind: 'outage' } | { kind: 'slow'; ms: number } | { kind: 'delay'; ms: number } | { kind: 'drop'; share: number } | { kind: 'session-expired' };

export interface SimulatorFault {
  kind: TaxPlatformFault;
  setting: SimulatorSetting;
  /** How long it lasts in plan time, and on the wall clock (plan time ÷ timeScale). */
  planMs: number;
  wallMs: number;
  /** `the tax platform is down for 3h (3m at ×60)` */
  detail: string;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The setting for one parsed fault (`{ kind, duration, durationMs, ... }`). The window and a
 * sync delay are plan time, so they shrink with the drill's timeScale; a latency is not: it is what
 * one call waits, measured against the client's real timeouts. Throws naming what cannot be played.
 */
export function simulatorFault(fault: Record<string, unknown>, timeScale: number): SimulatorFault {
  const written = String(fault.kind);
  const kind = canonicalFaultKind(written) as TaxPlatformFault;
  if (!(TAX_PLATFORM_FAULTS as readonly string[]).includes(kind)) throw new Error(`fault ${written} is not a tax-platform fault`);
  const scale = timeScale > 0 && Number.isFinite(timeScale) ? timeScale : 1;
  const planMs = num(fault.durationMs) ?? DEFAULT_TAX_FAULT_MS;
  const wallMs = Math.max(1, Math.round(planMs / scale));
  const lasting = `for ${formatDuration(planMs)}${scale !== 1 ? ` (${formatDuration(wallMs)} at ×${scale})` : ''}`;
  switch (kind) {
    case 'platform-outage':
      return { kind, setting: { kind: 'outage' }, planMs, wallMs, detail: `the tax platform is down ${lasting}` };
    case 'platform-slow': {
      const ms = num(fault.latencyMs);
      if (ms === undefined) throw new Error(`fault ${written} needs latency`);
      if (ms > SIM_MAX_MS) throw new Error(`fault ${written}: latency ${formatDuration(ms)} is more than the simulator's 24h`);
      return { kind, setting: { kind: 'slow', ms }, planMs, wallMs, detail: `every tax-platform call waits ${formatDuration(ms)} ${lasting}` };
    }
    case 'sync-delay': {
      // tax-platform-delay had one setting: its duration is the delay too.
      const delayMs = written === 'sync-delay' ? num(fault.delayMs) : planMs;
      if (delayMs === undefined) throw new Error(`fault ${written} needs delay`);
      const ms = Math.max(1, Math.round(delayMs / scale));
      if (ms > SIM_MAX_MS) throw new Error(`fault ${written}: delay ${formatDuration(delayMs)} is more than the simulator's 24h on the drill's clock`);
      return { kind, setting: { kind: 'delay', ms }, planMs, wallMs, detail: `invoices accepted by the tax platform show ${formatDuration(delayMs)} later ${lasting}` };
    }
    case 'sync-drop': {
      if (fault.count !== undefined) {
        throw new Error(`fault ${written}: count is not available yet: the simulator loses a share of the invoices it accepts, not a number of them; use share`);
      }
      const share = num(fault.share) ?? 1;
      return { kind, setting: { kind: 'drop', share }, planMs, wallMs, detail: `the tax platform loses ${Math.round(share * 1000) / 10}% of the invoices it accepts ${lasting}` };
    }
    case 'session-expired':
      return { kind, setting: { kind: 'session-expired' }, planMs, wallMs, detail: `the tax platform answers 1101 login expired until the caller logs in again, ${lasting}` };
  }
}

/**
 * The declaration deadline on the drill's clock: the drill's start plus the hours left at launch,
 * from the drill's facts (`taxDeadlineHours`, else `daysToDeclarationDeadline`), else from the
 * declaration calendar at the start; plan time, so divided by the timeScale like every deadline.
 */
export function drillDeadline(
  startedAt: string,
  timeScale: number,
  facts: Record<string, unknown>,
  calendarHours: (at: Date) => number,
): { at: string; from: string } | { unknown: string } {
  const scale = timeScale > 0 && Number.isFinite(timeScale) ? timeScale : 1;
  let hours: number;
  let from: string;
  if (num(facts.taxDeadlineHours) !== undefined) {
    hours = num(facts.taxDeadlineHours)!;
    from = `fact taxDeadlineHours ${hours}`;
  } else if (num(facts.daysToDeclarationDeadline) !== undefined) {
    hours = num(facts.daysToDeclarationDeadline)! * 24;
    from = `fact daysToDeclarationDeadline ${facts.daysToDeclarationDeadline}`;
  } else {
    try {
      hours = calendarHours(new Date(startedAt));
    } catch (err) {
      return { unknown: `no taxDeadlineHours or daysToDeclarationDeadline fact, and the declaration calendar has no deadline for ${startedAt}: ${(err as Error).message}` };
    }
    from = `declaration calendar: ${hours}h left at the drill's start`;
  }
  const at = new Date(Date.parse(startedAt) + (hours * 3_600_000) / scale).toISOString();
  return { at, from: scale !== 1 ? `${from} (÷ timeScale ${scale})` : from };
}
