// Drill facts for the scoring and findings specs: a perfect live drill of the db-crash plan,
// timeScale 1, times in minutes after T0. Tests override what they look at.
import type { DrillFacts, DrillStepFacts } from '../../domain/drill/drill.types';

export const MIN = 60_000;
export const T0 = Date.UTC(2025, 2, 1, 9, 0, 0);
/** ISO timestamp `min` minutes (plan = wall at timeScale 1) after the drill start. */
export const at = (min: number): string => new Date(T0 + min * MIN).toISOString();

export function step(id: string, over: Partial<DrillStepFacts> = {}): DrillStepFacts {
  return { id, title: id, type: 'manual', team: 'ops', required: true, state: 'done', checklist: { planned: [], ticked: [] }, escalations: 0, ...over };
}
/** A done step with a deadline of `within` minutes, started and finished at the given minutes. */
export function timed(id: string, within: number, start: number, finish: number, over: Partial<DrillStepFacts> = {}): DrillStepFacts {
  return step(id, { withinMs: within * MIN, startedAt: at(start), finishedAt: at(finish), ...over });
}

export const PERFECT_EXPECT: Array<Record<string, unknown>> = [
  { level: 'II' },
  { decision: 'choose-path', option: 'restore' },
  { step: 'restore-invoices', within: '45m', withinMs: 45 * MIN },
  { rpo: '15m', rpoMs: 15 * MIN },
  { rto: '1h', rtoMs: 60 * MIN },
  { notified: 'finance', within: '15m', withinMs: 15 * MIN },
];

export function facts(over: Partial<DrillFacts> = {}): DrillFacts {
  return {
    drillId: 'd-1',
    planId: 'einvoice-db-crash',
    planVersion: 3,
    planTitle: '电子发票数据库故障',
    mode: 'live-drill',
    unannounced: false,
    level: 'II',
    timeScale: 1,
    startedAt: at(0),
    classifiedAt: at(1),
    finishedAt: at(50),
    objectives: { rtoMs: 60 * MIN, rpoMs: 15 * MIN },
    faultAt: at(0),
    faults: [{ kind: 'drop-table', target: 'invoices', at: at(0), detail: 'dropped invoices' }],
    restoredAt: at(40),
    recoveryEstimated: false,
    rtoMs: 40 * MIN,
    loss: { byClass: {}, total: 0, p0: 0, windowMs: 0 },
    steps: [
      timed('isolate', 10, 0, 5, { checklist: { planned: ['stop-writes', 'snapshot'], ticked: ['stop-writes', 'snapshot'] } }),
      timed('choose-path', 15, 5, 10, { type: 'decision', decision: 'restore' }),
      timed('restore-invoices', 30, 10, 30, { type: 'automated', team: 'dba' }),
      timed('verify', 20, 30, 40, { team: 'dba', checklist: { planned: ['count-rows'], ticked: ['count-rows'] } }),
      step('announce-restored', { type: 'notify', team: undefined, startedAt: at(40), finishedAt: at(41) }),
      step('failover-standby', { required: false, state: 'skipped', withinMs: 10 * MIN }),
    ],
    audiences: [
      { role: 'finance', withinMs: 15 * MIN, firstReachedAt: at(3) },
      { role: 'commander', firstReachedAt: at(2) },
    ],
    firstNotificationAt: at(2),
    decisions: { 'choose-path': 'restore' },
    escalations: [],
    expect: PERFECT_EXPECT,
    ...over,
  };
}

